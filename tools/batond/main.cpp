// batond: the engine daemon. Opens the data dir (exclusively: exit 5 naming the holder's pid),
// recovers every campaign, serves the actor API on --listen (default 127.0.0.1:4242) through the
// wire guard (tools/batond/guard: CAF listens on no port, it gets each checked connection over a
// socketpair), and on SIGTERM/SIGINT stops gracefully (drain_engine: each send finishes its
// message in flight and records what went; exit 0), leaving runs resumable. A second signal
// stops at once. When the event store cannot write (a full disk), it logs why and exits 5.
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>
#include <caf/io/all.hpp>

#include "actors/data_runner.hpp"
#include "actors/engine.hpp"
#include "actors/gate.hpp"
#include "actors/security_book.hpp"
#include "channels/config_file.hpp"
#include "model/config.hpp"
#include "tools/batond/engine_handoff.hpp"
#include "tools/batond/guard/wire_guard.hpp"
#include "tools/batond/http_listener.hpp"
#include "tools/common/cli.hpp"

namespace {

struct daemon_args {
  baton::cli::global_options g;
  std::string listen;
  baton::guard::tls_files tls;     // --tls-cert, --tls-key, --tls-ca
  std::string http;                // --http HOST:PORT ("" = no public HTTP listener)
  baton::http_tls_files http_tls;  // --http-tls-cert, --http-tls-key: --http speaks HTTPS
};

// The config file checked completely (every problem, one line each), then --listen over it.
baton::result<baton::engine_config> read_config(const daemon_args& a) {
  auto loaded = baton::channels::load_config_file(a.g.config, a.g.config_given);
  if (!loaded) return loaded.err();
  baton::engine_config c = std::move(loaded.value());
  if (!a.listen.empty() && !baton::parse_host_port(a.listen, c.listen_host, c.listen_port))
    return baton::make_error(baton::errc::validation, "--listen",
                             "expected HOST:PORT, got '" + a.listen + "'");
  return c;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// A listen address other machines can reach needs TLS and users (INTERFACES.md §8): without
// them anyone on the network would reach the engine. errc::validation naming what is missing.
baton::status check_exposure(const baton::engine_config& c, const baton::event_store& store,
                             bool tls) {
  if (is_loopback(c.listen_host)) return baton::ok_status();
  std::vector<std::string> missing;
  if (!tls) missing.push_back("TLS (--tls-cert and --tls-key)");
  auto book = baton::security_book::load(store);
  if (!book || book.value()->get()->users.empty())
    missing.push_back("users (create one with `batonctl user add NAME --role R`)");
  if (missing.empty()) return baton::ok_status();
  std::string what = "batond listens on " + c.listen_host +
                     ", which is not a loopback address, only with TLS and users; missing: ";
  for (std::size_t i = 0; i < missing.size(); ++i) what += (i ? ", " : "") + missing[i];
  return baton::make_error(baton::errc::validation, "--listen", what);
}

// The API on the network: the wire guard listens on the configured address and hands each
// connection to CAF over a socketpair, passing on only well-formed frames within the limits.
struct api_listener {
  std::unique_ptr<baton::engine_handoff> engine;
  std::unique_ptr<baton::guard::wire_guard> guard;
};

baton::result<api_listener> open_api(caf::actor_system& sys, const baton::engine_gate& api,
                                     const baton::engine_config& c,
                                     std::shared_ptr<baton::guard::tls_context> tls,
                                     std::shared_ptr<baton::peer_book> peers) {
  baton::guard::guard_options o;
  o.listen_host = c.listen_host;
  o.listen_port = c.listen_port;
  o.rules.max_payload = static_cast<std::uint32_t>(c.max_frame_bytes);
  o.rules.message_types = baton::api_message_types();
  o.max_connections = c.max_connections;
  o.handshake_timeout = std::chrono::seconds(c.handshake_timeout_seconds);
  o.tls = std::move(tls);
  o.peer_opened = [peers](const std::string& node, const std::string& ip) {
    peers->opened(node, ip);
  };
  o.peer_closed = [peers](const std::string& node, const std::string& ip) {
    peers->closed(node, ip);
  };
  api_listener l;
  l.engine = std::make_unique<baton::engine_handoff>(sys, api, c.listen_port);
  o.hand_over = [engine = l.engine.get()](int fd) { engine->serve(fd); };
  auto guard = baton::guard::wire_guard::start(o);
  if (!guard) return guard.err();
  l.guard = std::move(guard.value());
  return l;
}

void close_api(api_listener& l) {
  l.guard->stop();
  l.engine->close();
}

std::shared_ptr<const baton::entity_schema> read_schema(const std::string& data_dir) {
  std::ifstream in(data_dir + "/schema.json");
  if (!in) return nullptr;
  std::stringstream text;
  text << in.rdbuf();
  auto v = baton::parse_entity_schema(text.str());
  return v.ok() ? std::make_shared<baton::entity_schema>(std::move(*v.schema)) : nullptr;
}

int run_daemon(daemon_args& a) {
  // Only `batonctl init` creates a data dir: a mistyped --data-dir must not start an empty engine.
  if (auto st = baton::cli::require_data_dir(a.g); !st) return baton::cli::fail(st.err());
  auto config = read_config(a);
  if (!config) return baton::cli::fail(config.err());
  // --http on a network address without TLS: exit 2 before anything, as for --listen.
  if (!a.http.empty()) {
    if (auto st = baton::check_http_exposure(a.http, a.http_tls); !st)
      return baton::cli::fail(st.err());
    if (auto st = baton::check_http_tls(a.http_tls); !st) return baton::cli::fail(st.err());
  }
  // A certificate and key that do not go together, or cannot be read: exit 2 before anything.
  std::shared_ptr<baton::guard::tls_context> tls;
  if (a.tls.enabled()) {
    auto loaded = baton::guard::tls_context::load(a.tls);
    if (!loaded) return baton::cli::fail(loaded.err());
    tls = loaded.value();
  }
  // Block the stop signals before any thread starts, then wait for them on this thread.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  // A write the event store cannot make (a full disk, an I/O error) stops the daemon at once:
  // nothing that was not written was acknowledged, and after a restart runs resume where the log
  // says. At once, as a crash would: RocksDB cannot even be closed cleanly after a failed WAL
  // write (Debian's build asserts), and the store is made to survive a crash.
  baton::store_options so;
  so.on_write_failure = [](const baton::error& e) {
    auto what = e.what +
                "; batond stopped: free space (or repair the disk) and start it again, "
                "runs resume where the log says";
    spdlog::critical("batond: {}: {}", e.where, what);
    spdlog::default_logger()->flush();
    baton::cli::fail(e.code, e.where, what);
    std::cerr.flush();
    std::_Exit(baton::exit_code(e.code));
  };
  auto store = baton::event_store::open(baton::cli::events_dir(a.g), so);
  if (!store) return baton::cli::fail(store.err());
  std::shared_ptr<baton::event_store> shared(std::move(store.value()));
  if (auto st = check_exposure(config.value(), *shared, tls != nullptr); !st)
    return baton::cli::fail(st.err());
  caf::actor_system_config cfg;
  baton::register_api_types(cfg);
  cfg.load<caf::io::middleman>();
  baton::configure_scheduler(cfg, config.value());
  int code = 0;
  {
    caf::actor_system sys{cfg};
    baton::engine_options eo;
    eo.store = shared;
    eo.config = config.value();
    eo.schema = read_schema(a.g.data_dir);
    eo.data_dir = a.g.data_dir;
    eo.data_url = config->data_url;
    eo.runner = baton::make_engine_runner(a.g.data_dir, config.value());
    auto engine = baton::spawn_engine(sys, eo);
    // The guard tells the gate which IP address each client node speaks from.
    auto peers = std::make_shared<baton::peer_book>();
    baton::gate_options go;
    go.peers = peers;
    auto gate = baton::spawn_gate(sys, engine, config.value(), go);
    auto api = open_api(sys, gate, config.value(), tls, peers);
    if (!api) {
      code = baton::cli::fail(api.err());
    } else {
      auto port = api->guard->port();
      spdlog::info("{} listening on {}:{} (data dir {}, pid {})",
                   baton::cli::version_line("batond"), config->listen_host, port, a.g.data_dir,
                   ::getpid());
      std::cout << "listening " << config->listen_host << ":" << port << std::endl;
      std::optional<baton::tracking_http> http;
      if (!a.http.empty()) {
        auto h = baton::open_tracking_http(sys, engine, shared, config.value(), a.g.data_dir,
                                           a.http, a.http_tls);
        if (!h) {  // stop as on a signal, with the error's exit code
          code = baton::cli::fail(h.err());
          ::kill(::getpid(), SIGTERM);
        } else {
          http = std::move(h.value());
          std::cout << "http " << a.http.substr(0, a.http.rfind(':')) << ":"
                    << http->listener->port() << std::endl;
        }
      }
      int sig = 0;
      sigwait(&stop, &sig);
      spdlog::info(
          "batond: signal {} received: stopping — each send finishes the message in "
          "flight and records what went (a second signal stops at once)",
          sig);
      std::thread([stop] {
        int again = 0;
        sigwait(&stop, &again);
        spdlog::warn(
            "batond: second signal {}: stopping at once; the messages in flight are "
            "in doubt",
            again);
        spdlog::shutdown();
        std::_Exit(1);
      }).detach();
      if (http) http->listener->stop();
      http.reset();  // the hits queued are recorded first
      close_api(api.value());
    }
    auto grace = std::chrono::seconds(config->stop_grace_seconds);
    auto outcome = baton::drain_engine(sys, engine, grace);
    caf::anon_send_exit(gate, caf::exit_reason::user_shutdown);  // and every session
    if (outcome != baton::drain_outcome::stopped) {
      // Work still runs: a data task (abandoned: it runs again on the next start) or, after the
      // grace period, a send (a crash for it: at most its message in flight is in doubt).
      bool timed_out = outcome == baton::drain_outcome::timed_out;
      if (timed_out)
        spdlog::warn("batond: sends still at work after {} s: stopping at once", grace.count());
      else
        spdlog::info("batond: stopped; a data task in progress runs again on the next start");
      spdlog::shutdown();
      std::_Exit(timed_out ? 1 : code);
    }
  }
  shared.reset();  // drains the store's writer
  spdlog::info("batond stopped");
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  return baton::cli::guarded_main([&] {
    daemon_args a;
    CLI::App app{"batond — the Baton engine daemon", "batond"};
    baton::cli::add_version_flag(app);
    baton::cli::add_global_flags(app, a.g);
    app.add_option("--listen", a.listen,
                   "HOST:PORT for the actor API (default 127.0.0.1:4242; port 0 = any)");
    auto* cert = app.add_option("--tls-cert", a.tls.cert, "PEM certificate: the API speaks TLS");
    auto* key = app.add_option("--tls-key", a.tls.key, "PEM private key of --tls-cert");
    cert->needs(key);
    key->needs(cert);
    app.add_option("--tls-ca", a.tls.ca, "PEM CA certificates: clients must show one it signed")
        ->needs(cert);
    auto* http =
        app.add_option("--http", a.http,
                       "HOST:PORT for the tracking paths, webhooks, JSON API and console (`--http` "
                       "alone: 127.0.0.1:8080; port 0 = any)")
            ->expected(0, 1);
    auto* http_cert = app.add_option("--http-tls-cert", a.http_tls.cert,
                                     "PEM certificate (chain): --http speaks HTTPS only");
    auto* http_key =
        app.add_option("--http-tls-key", a.http_tls.key, "PEM private key of --http-tls-cert");
    http_cert->needs(http_key);
    http_key->needs(http_cert);
    if (auto code = baton::cli::parse(app, argc, argv)) return *code;
    if (http->count() > 0 && a.http.empty()) a.http = "127.0.0.1:8080";
    baton::cli::resolve_defaults(a.g);
    return run_daemon(a);
  });
}
