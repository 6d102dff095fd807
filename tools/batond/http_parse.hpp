// What batond's JSON API reads from a request before the engine sees it, as pure functions (no
// server, no engine; fuzz/http_request.cpp runs them on hostile input): the API's path patterns,
// a lifecycle verb's JSON body, and the query of GET /api/v1/events.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "events/result.hpp"

namespace baton::http {

// One path segment naming a campaign, template, audience, user or entity.
inline const std::string k_segment = "([A-Za-z0-9_.-]{1,64})";
// A lifecycle verb's segment of POST /api/v1/campaigns/{id}/{verb}.
inline const std::string k_verb = "([a-z-]{1,32})";

// The API route a method and path select ("" when none: a 404), e.g. "GET /campaigns/{id}".
// The same patterns the server routes with (tools/batond/http_api.cpp).
std::string route_of(const std::string& method, const std::string& path);

// A verb's JSON body: {"activity": A} (confirm), {"reason": R} (reject), {"variables": {k: v}}
// (signal trigger), {"recipient", "triggerId", "context": {...}} (API trigger: the context
// becomes the command's body), {"activity", "to", "sample"} (proof). An empty body is no
// arguments. errc::validation naming the member for anything else.
struct verb_body {
  std::map<std::string, std::string> args;
  std::string body;  // the trigger's context JSON ("" without)
};
result<verb_body> parse_verb_body(const std::string& text, std::size_t max_bytes);

// The query of GET /api/v1/events, checked (type in the catalog, run and limit whole numbers);
// `since`/`until` stay text for cli::parse_position.
struct events_params {
  std::string campaign, stream, type, actor, activity, since, until;
  std::optional<std::uint32_t> run;
  std::size_t limit = 1000;
  bool last = false;  // the last `limit` matching events instead of the first
};
inline constexpr std::size_t k_max_events = 10000;
result<events_params> parse_events_params(const std::multimap<std::string, std::string>& q);

}  // namespace baton::http
