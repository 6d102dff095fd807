#include "actors/client.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

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
  std::mutex stop_mu;           // stop() may come from a signal-watching thread
  std::optional<bool> stopped;  // the result of stop()
  std::unique_ptr<ephemeral_identity> tls_identity;  // --tls-ca: CAF's module needs one
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

result<std::unique_ptr<engine_client>> engine_client::connect(const std::string& host,
                                                              std::uint16_t port,
                                                              const std::string& token,
                                                              const std::string& tls_ca) {
  auto p = std::make_unique<impl>();
  register_api_types(p->cfg);
  p->cfg.load<caf::io::middleman>();
  p->cfg.set("scheduler.max-threads", std::size_t{2});
  if (!tls_ca.empty()) {
    if (!std::filesystem::exists(tls_ca))
      return make_error(errc::validation, "--tls-ca", "cannot read " + tls_ca);
    auto identity = ephemeral_identity::make();
    if (!identity) return identity.err();
    p->tls_identity = std::move(identity.value());
    p->cfg.load<caf::openssl::manager>();
    p->cfg.set("openssl.cafile", tls_ca);
    p->cfg.set("openssl.certificate", p->tls_identity->cert());
    p->cfg.set("openssl.key", p->tls_identity->key());
  }
  p->sys = std::make_unique<caf::actor_system>(p->cfg);
  caf::expected<engine_gate> gate = caf::sec::invalid_argument;
  try {
    gate = tls_ca.empty() ? p->sys->middleman().remote_actor<engine_gate>(host, port)
                          : caf::openssl::remote_actor<engine_gate>(*p->sys, host, port);
  } catch (const std::exception& e) {  // CAF's OpenSSL module reports some failures so
    return make_error(errc::unavailable, host + ":" + std::to_string(port),
                      std::string("cannot reach batond over TLS: ") + e.what());
  }
  if (!gate)
    return make_error(errc::unavailable, host + ":" + std::to_string(port),
                      "cannot reach batond: " + p->sys->render(gate.error()));
  result<engine_api> session = auth_error();
  {
    caf::scoped_actor self{*p->sys};
    self->request(*gate, std::chrono::seconds(30), authenticate_atom::value, token)
        .receive([&](caf::actor& api) { session = caf::actor_cast<engine_api>(api); },
                 [&](caf::error& e) {
                   auto be = from_caf(e);
                   session = be.where == "auth" ? auth_error() : be;
                 });
  }
  if (!session) return session.err();
  p->api = session.value();
  return std::unique_ptr<engine_client>(new engine_client(std::move(p)));
}

result<nlohmann::json> engine_client::call(api_command cmd, std::chrono::milliseconds timeout) {
  caf::scoped_actor self{*impl_->sys};
  result<nlohmann::json> out = error{errc::unavailable, "engine", "no reply"};
  self->request(impl_->api, timeout, command_atom::value, std::move(cmd))
      .receive(
          [&](std::string& reply) {
            auto j = nlohmann::json::parse(reply, nullptr, false);
            out =
                j.is_discarded()
                    ? result<nlohmann::json>(make_error(errc::failed, "engine", "unreadable reply"))
                    : result<nlohmann::json>(j);
          },
          [&](caf::error& e) {
            out = e == caf::sec::request_timeout
                      ? make_error(errc::timeout, "timeout",
                                   "no answer within the time allowed (the operation may still "
                                   "be going on)")
                      : from_caf(e);
          });
  return out;
}

status engine_client::follow(const std::string& campaign,
                             const std::function<bool(const std::string&)>& on_event,
                             std::chrono::milliseconds idle_timeout) {
  caf::scoped_actor self{*impl_->sys};
  self->send(impl_->api, subscribe_atom::value, campaign, caf::actor_cast<caf::actor>(self));
  bool more = true;
  while (more) {
    bool got = false;
    self->receive(
        [&](event_atom, const std::string& line) {
          got = true;
          more = on_event(line);
        },
        caf::after(idle_timeout) >> [&] { more = false; });
    if (!got) break;
  }
  self->send(impl_->api, unsubscribe_atom::value, caf::actor_cast<caf::actor>(self));
  return ok_status();
}

}  // namespace baton
