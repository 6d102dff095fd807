// batond's public HTTP listener (`--http`, INTERFACES.md §9): the tracking paths /t/c /t/o /t/u
// /t/v and provider webhooks /t/hooks/NAME over cpp-httplib, answering from a tracking_service.
// Anything else, and any token that does not check out, is a 404 that records nothing.
#pragma once

#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/api.hpp"
#include "actors/tracking_hits.hpp"

namespace baton {

class http_listener {
 public:
  // Binds HOST:PORT (port 0: any) and serves on threads of its own. errc::unavailable when the
  // address cannot be bound.
  static result<std::unique_ptr<http_listener>> start(const std::string& host, std::uint16_t port,
                                                      std::shared_ptr<tracking_service> service);
  ~http_listener();  // stops serving (requests in progress finish)
  std::uint16_t port() const;
  void stop();

  struct impl;

 private:
  explicit http_listener(std::unique_ptr<impl> p);
  std::unique_ptr<impl> p_;
};

// What `batond --http HOST:PORT` runs: the tracking service (hits recorded through `api` as
// the identity `engine`) behind the listener. errc::validation when config `tracking` is not
// usable (no baseUrl or secret), errc::unavailable when the address cannot be bound.
struct tracking_http {
  std::shared_ptr<tracking_service> service;
  std::unique_ptr<http_listener> listener;
};
result<tracking_http> open_tracking_http(caf::actor_system& sys, const engine_api& api,
                                         const engine_config& config, const std::string& data_dir,
                                         const std::string& address);

}  // namespace baton
