// batond's JSON API, /api/v1/... (INTERFACES.md §11, docs/openapi.yaml): each request becomes
// the api_command `batonctl` would send, acting as the bearer token's user (or a console
// session's, whose state changes must carry X-CSRF-Token), so roles, permission_refused events
// and error kinds are the actor API's; errors are HTTP 400/401/403/404/409/503 with
// {"error": {"where", "what"}}. Events come as JSON lines or as Server-Sent Events.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <caf/all.hpp>

#include "actors/api.hpp"
#include "store/event_store.hpp"
#include "tools/batond/http_door.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace baton {

struct http_api_context {
  caf::actor_system* sys = nullptr;
  engine_api api;
  std::shared_ptr<event_store> store;
  std::shared_ptr<http_door> door;
  std::chrono::milliseconds heartbeat{15000};   // SSE comment lines while no event comes
  std::size_t max_body = std::size_t{1} << 20;  // request bodies beyond: 413
  std::string data_dir;  // the data plane: config data.url, else DATA_DIR/data.sqlite
  std::string data_url;
  bool https = false;  // served over TLS: the session cookie is Secure
};

// Adds the /api/v1 routes to `s`.
void route_api(httplib::Server& s, std::shared_ptr<http_api_context> c);

// --- shared with the console and the event routes ---

// The identity of a request: a bearer token, else the console's session cookie ("baton_session").
// `changes_state`: a cookie-authenticated request must carry X-CSRF-Token equal to the session's
// (else errc::refused at "csrf": 403).
result<std::string> identify(http_api_context& c, const httplib::Request& req, bool changes_state);
// The session id of the request's cookie ("" without one).
std::string session_cookie(const httplib::Request& req);
// Writes `e` as {"error": {"where", "what"}} (a validation error's every problem also in
// "problems") with its HTTP status.
void send_error(httplib::Response& res, const error& e);
// Errors for an identity without at least `needed`: errc::refused at "permission" with the
// engine's words, after recording a permission_refused event.
std::optional<error> refuse_unless(http_api_context& c, const std::string& user, role needed,
                                   const std::string& typed, const std::string& campaign);

// GET /api/v1/events (JSON lines or SSE), /campaigns/{id}/state, /campaigns/{id}/history.
void route_event_api(httplib::Server& s, std::shared_ptr<http_api_context> c);

// GET /api/v1/audiences[/{name}], /suppressions, /schema, /data/{entity}/count: what batonctl
// reads from the data plane, read by batond from its own (viewer and up).
void route_data_api(httplib::Server& s, std::shared_ptr<http_api_context> c);

}  // namespace baton
