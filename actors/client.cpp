#include "actors/client.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <sstream>
#include <utility>

#include <caf/io/all.hpp>
#include <caf/io/basp_broker.hpp>

#include "actors/client_tls.hpp"
#include "actors/data_runner.hpp"
#include "actors/engine.hpp"
#include "actors/gate.hpp"
#include "channels/config_file.hpp"
#include "model/config.hpp"

namespace baton {

struct engine_client::impl {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  engine_api api;
  std::optional<engine_handles> local;  // embedded mode
  std::shared_ptr<event_store> store;
  std::mutex stop_mu;                  // stop() may come from a signal-watching thread
  std::optional<bool> stopped;         // the result of stop()
  std::unique_ptr<tls_tunnel> tunnel;  // with TLS: CAF's connection is its plaintext end
};

engine_client::engine_client(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

engine_client::~engine_client() {
  if (!impl_) return;
  if (!stop()) {
    // Work is still going on: do not wait for it (the process ends with it, see stop()).
    (void)impl_->sys.release();
    (void)new std::shared_ptr<event_store>(std::move(impl_->store));
    return;
  }
  impl_->api = nullptr;
  impl_->local.reset();
  impl_->sys.reset();  // waits for every actor
  impl_->store.reset();
  impl_->tunnel.reset();  // after CAF: the relay's thread ends, its sockets close
}

bool engine_client::stop(std::chrono::milliseconds grace) {
  if (!impl_->local) return true;
  std::lock_guard lock(impl_->stop_mu);
  if (!impl_->stopped)
    impl_->stopped = drain_engine(*impl_->sys, *impl_->local, grace) == drain_outcome::stopped;
  return *impl_->stopped;
}

namespace {

std::shared_ptr<const entity_schema> load_schema(const std::string& data_dir) {
  std::ifstream in(data_dir + "/schema.json");
  if (!in) return nullptr;
  std::stringstream text;
  text << in.rdbuf();
  auto v = parse_entity_schema(text.str());
  return v.ok() ? std::make_shared<entity_schema>(std::move(*v.schema)) : nullptr;
}

}  // namespace

result<std::unique_ptr<engine_client>> engine_client::embedded(const embedded_options& o) {
  if (!std::filesystem::exists(o.data_dir + "/events/CURRENT"))
    return make_error(errc::not_found, o.data_dir, "no data dir here (run `batonctl init` first)");
  auto config = channels::load_config_file(
      o.config_path.empty() ? o.data_dir + "/config.json" : o.config_path, false);
  if (!config) return config.err();
  store_options so;
  // The embedded engine stops the process as batond does when the store cannot write (a full
  // disk): waiting on a run that can no longer record anything would hang.
  so.on_write_failure = [](const error& e) {
    std::fprintf(stderr,
                 "error: %s; stopped: free space (or repair the disk) and run the command again, "
                 "runs resume where the log says\n",
                 e.message().c_str());
    std::_Exit(exit_code(e.code));
  };
  auto store = event_store::open(o.data_dir + "/events", so);
  if (!store) return store.err();
  auto p = std::make_unique<impl>();
  p->store = std::shared_ptr<event_store>(std::move(store.value()));
  register_api_types(p->cfg);
  configure_scheduler(p->cfg, config.value());
  p->cfg.set("logger.verbosity", caf::atom("quiet"));
  p->sys = std::make_unique<caf::actor_system>(p->cfg);
  engine_options eo;
  eo.store = p->store;
  eo.config = config.value();
  eo.real_time = o.real_time;
  eo.start_work = o.start_work;
  eo.schema = load_schema(o.data_dir);
  eo.data_dir = o.data_dir;
  eo.data_url = config->data_url;
  eo.runner = make_engine_runner(o.data_dir, config.value());
  p->local = spawn_engine(*p->sys, eo);
  p->api = p->local->api;
  return std::unique_ptr<engine_client>(new engine_client(std::move(p)));
}

namespace {

// Sends one request and waits for its reply, its error, its timeout — or the receiver going down
// first, which ends the wait at once with sec::request_receiver_down. A remote receiver goes down
// when the connection to batond closes (batond killed, stopped, unreachable): CAF leaves a
// request already on the wire unanswered then, and a client would wait out its whole timeout.
template <class Reply, class Handle, class... Ts>
caf::expected<Reply> ask(caf::actor_system& sys, const Handle& to,
                         std::chrono::milliseconds timeout, Ts&&... xs) {
  auto done = std::make_shared<std::promise<caf::expected<Reply>>>();
  auto answer = done->get_future();
  sys.spawn(
      [done, to, timeout, ... xs = std::forward<Ts>(xs)](caf::event_based_actor* self) mutable {
        auto over = std::make_shared<bool>(false);
        auto finish = [done, over, self](caf::expected<Reply> r) {
          if (std::exchange(*over, true)) return;
          done->set_value(std::move(r));
          self->quit();
        };
        self->set_down_handler(
            [finish](caf::down_msg&) { finish(caf::make_error(caf::sec::request_receiver_down)); });
        self->monitor(to);
        self->request(to, timeout, std::move(xs)...)
            .then([finish](Reply& r) { finish(std::move(r)); },
                  [finish](caf::error& e) { finish(std::move(e)); });
      });
  return answer.get();
}

// The error of a request that ended without a reply.
error request_error(const caf::error& e) {
  if (e == caf::sec::request_timeout)
    return make_error(errc::timeout, "timeout",
                      "no answer within the time allowed (the operation may still be going on)");
  if (e == caf::sec::request_receiver_down)
    return make_error(errc::unavailable, "engine",
                      "the connection to batond closed before its answer (batond stopped or "
                      "unreachable); the command may or may not have been done");
  return from_caf(e);
}

// CAF's remote_actor over a connection made elsewhere (the TLS tunnel's plaintext end): the BASP
// broker adopts the socket, reads the server handshake and answers with the published actor,
// whose interface must be the gate's.
caf::expected<engine_gate> remote_gate(caf::actor_system& sys, int fd, std::uint16_t port) {
  auto basp = sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
  auto scribe = sys.middleman().backend().new_scribe(fd);
  caf::expected<engine_gate> out = caf::sec::no_actor_published_at_port;
  caf::scoped_actor self{sys};
  self->request(basp, std::chrono::seconds(30), caf::connect_atom_v, std::move(scribe), port)
      .receive(
          [&](caf::node_id&, caf::strong_actor_ptr& addr, std::set<std::string>& sigs) {
            if (!addr)
              out = caf::make_error(caf::sec::no_actor_published_at_port);
            else if (!sys.assignable<engine_gate>(sigs))
              out = caf::make_error(caf::sec::unexpected_actor_messaging_interface);
            else
              out = caf::actor_cast<engine_gate>(std::move(addr));
          },
          [&](caf::error& e) { out = std::move(e); });
  return out;
}

}  // namespace

result<std::unique_ptr<engine_client>> engine_client::connect(const std::string& host,
                                                              std::uint16_t port,
                                                              const std::string& token,
                                                              const client_tls_files& tls) {
  auto p = std::make_unique<impl>();
  if (tls.enabled() || !tls.cert.empty() || !tls.key.empty()) {
    if (!tls.enabled())
      return make_error(errc::validation, tls.cert.empty() ? "--tls-key" : "--tls-cert",
                        "a client certificate needs --tls-ca (TLS)");
    auto tunnel = tls_tunnel::open(host, port, tls, std::chrono::seconds(30));
    if (!tunnel) return tunnel.err();
    p->tunnel = std::move(tunnel.value());
  }
  register_api_types(p->cfg);
  p->cfg.load<caf::io::middleman>();
  p->cfg.set("scheduler.max-threads", std::size_t{2});
  p->cfg.set("logger.verbosity", caf::atom("quiet"));
  p->sys = std::make_unique<caf::actor_system>(p->cfg);
  auto gate = p->tunnel ? remote_gate(*p->sys, p->tunnel->take_plain_end(), port)
                        : p->sys->middleman().remote_actor<engine_gate>(host, port);
  if (!gate)
    return make_error(errc::unavailable, host + ":" + std::to_string(port),
                      "cannot reach batond: " + p->sys->render(gate.error()));
  auto session =
      ask<caf::actor>(*p->sys, *gate, std::chrono::seconds(30), authenticate_atom::value, token);
  if (!session) {
    auto be = request_error(session.error());
    return be.where == "auth" ? auth_error() : be;
  }
  p->api = caf::actor_cast<engine_api>(std::move(*session));
  return std::unique_ptr<engine_client>(new engine_client(std::move(p)));
}

result<nlohmann::json> engine_client::call(api_command cmd, std::chrono::milliseconds timeout) {
  auto reply =
      ask<std::string>(*impl_->sys, impl_->api, timeout, command_atom::value, std::move(cmd));
  if (!reply) return request_error(reply.error());
  auto j = nlohmann::json::parse(*reply, nullptr, false);
  if (j.is_discarded()) return make_error(errc::failed, "engine", "unreadable reply");
  return j;
}

status engine_client::follow(const std::string& campaign,
                             const std::function<bool(const std::string&)>& on_event,
                             std::chrono::milliseconds idle_timeout) {
  caf::scoped_actor self{*impl_->sys};
  self->monitor(impl_->api);  // batond gone: the events end there, not at the idle timeout
  self->send(impl_->api, subscribe_atom::value, campaign, caf::actor_cast<caf::actor>(self));
  bool more = true, down = false;
  while (more) {
    bool got = false;
    self->receive(
        [&](event_atom, const std::string& line) {
          got = true;
          more = on_event(line);
        },
        [&](caf::down_msg&) { down = true; }, caf::after(idle_timeout) >> [&] { more = false; });
    if (!got) break;
  }
  if (down) return request_error(caf::make_error(caf::sec::request_receiver_down));
  self->demonitor(caf::actor_cast<caf::actor>(impl_->api));
  self->send(impl_->api, unsubscribe_atom::value, caf::actor_cast<caf::actor>(self));
  return ok_status();
}

}  // namespace baton
