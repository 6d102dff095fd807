// Fuzz target: what batond's JSON API reads from a request before the engine sees it
// (tools/batond/http_parse.hpp). Input: "METHOD TARGET\n" then the body. The target is cut and
// decoded as cpp-httplib does for the server (path with decode_url, the query with
// parse_query_text, Debian's library), then routed with the API's own patterns, the events
// query checked, and the body read as a lifecycle verb's JSON. None may crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string>

#include <httplib.h>

#include "tools/batond/http_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  auto eol = in.find('\n');
  std::string line = in.substr(0, eol);
  std::string body = eol == std::string::npos ? "" : in.substr(eol + 1);
  auto sp = line.find(' ');
  std::string method = line.substr(0, sp);
  std::string target = sp == std::string::npos ? "" : line.substr(sp + 1);
  auto q = target.find('?');
  std::string path = httplib::detail::decode_url(target.substr(0, q), false);
  httplib::Params params;
  if (q != std::string::npos) httplib::detail::parse_query_text(target.substr(q + 1), params);

  auto route = baton::http::route_of(method, path);
  auto events = baton::http::parse_events_params(params);
  if (events && events->limit > baton::http::k_max_events) __builtin_trap();
  auto verb = baton::http::parse_verb_body(body, std::size_t{1} << 20);
  if (verb && body.find_first_not_of(" \t\r\n") == std::string::npos && !verb->args.empty())
    __builtin_trap();  // an empty body is no arguments
  (void)route;
  return 0;
}
