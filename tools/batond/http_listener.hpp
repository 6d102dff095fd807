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

class http_listener {
 public:
  // Binds HOST:PORT (port 0: any) and serves on threads of its own; `more_routes` adds routes
  // after the tracking paths. errc::unavailable when the address cannot be bound.
  static result<std::unique_ptr<http_listener>> start(
      const std::string& host, std::uint16_t port, std::shared_ptr<tracking_service> service,
      std::function<void(httplib::Server&)> more_routes = {});
  ~http_listener();  // stops serving (requests in progress finish)
  std::uint16_t port() const;
  void stop();

  struct impl;

 private:
  explicit http_listener(std::unique_ptr<impl> p);
  std::unique_ptr<impl> p_;
};

// What `batond --http HOST:PORT` runs: the tracking service (hits recorded through the engine's
// api as the identity `engine`), the JSON API and the console behind the listener.
// errc::validation when config `tracking` is not usable (no baseUrl or secret),
// errc::unavailable when the address cannot be bound.
struct tracking_http {
  std::shared_ptr<tracking_service> service;
  std::shared_ptr<http_api_context> api;
  std::unique_ptr<http_listener> listener;
};
result<tracking_http> open_tracking_http(caf::actor_system& sys, const engine_handles& engine,
                                         std::shared_ptr<event_store> store,
                                         const engine_config& config, const std::string& data_dir,
                                         const std::string& address);

}  // namespace baton
