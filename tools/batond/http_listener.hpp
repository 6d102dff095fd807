// batond's public HTTP listener (`--http`, INTERFACES.md §9, §11): the tracking paths /t/c /t/o
// /t/u /t/v and provider webhooks /t/hooks/NAME over cpp-httplib, answering from a
// tracking_service, plus the JSON API /api/v1 and the operator console (tokens and sessions
// only). Anything else, and any tracking token that does not check out, is a 404 that records
// nothing.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/api.hpp"
#include "actors/engine.hpp"
#include "actors/tracking_hits.hpp"

namespace httplib {
class Server;
}

namespace baton {

struct http_api_context;

// `--http-tls-cert` and `--http-tls-key`: PEM files; with both, the listener speaks HTTPS only.
struct http_tls_files {
  std::string cert, key;
  bool enabled() const { return !cert.empty(); }
};

class http_listener {
 public:
  // Binds HOST:PORT (port 0: any) and serves on threads of its own, over TLS when `tls` is
  // enabled; `more_routes` adds routes after the tracking paths. errc::validation when the
  // certificate and key cannot be used, errc::unavailable when the address cannot be bound.
  static result<std::unique_ptr<http_listener>> start(
      const std::string& host, std::uint16_t port, std::shared_ptr<tracking_service> service,
      std::function<void(httplib::Server&)> more_routes = {}, const http_tls_files& tls = {});
  ~http_listener();  // stops serving (requests in progress finish)
  std::uint16_t port() const;
  void stop();

  struct impl;

 private:
  explicit http_listener(std::unique_ptr<impl> p);
  std::unique_ptr<impl> p_;
};

// Whether HOST is a loopback name or address (localhost, 127.x.y.z, ::1).
bool is_loopback_host(const std::string& host);

// `--http ADDRESS` other machines can reach needs TLS (like --listen): errc::validation at
// "--http" saying why when ADDRESS is not HOST:PORT or its host is not a loopback address and
// `tls` is not enabled.
status check_http_exposure(const std::string& address, const http_tls_files& tls);
// The certificate and key of `tls` can serve HTTPS (readable PEM files that go together), else
// errc::validation naming the flag. ok when TLS is not enabled.
status check_http_tls(const http_tls_files& tls);

// What `batond --http HOST:PORT` runs: the tracking service (hits recorded through the engine's
// api as the identity `engine`), the JSON API and the console behind the listener (HTTPS with
// `tls`; the session cookie is then `Secure`).
// errc::validation when config `tracking` is not usable (no baseUrl or secret) or the
// certificate cannot be used, errc::unavailable when the address cannot be bound.
struct tracking_http {
  std::shared_ptr<tracking_service> service;
  std::shared_ptr<http_api_context> api;
  std::unique_ptr<http_listener> listener;
};
result<tracking_http> open_tracking_http(caf::actor_system& sys, const engine_handles& engine,
                                         std::shared_ptr<event_store> store,
                                         const engine_config& config, const std::string& data_dir,
                                         const std::string& address,
                                         const http_tls_files& tls = {});

}  // namespace baton
