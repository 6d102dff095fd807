#include "tools/batond/http_parse.hpp"

#include <regex>
#include <utility>
#include <vector>

#include "events/catalog.hpp"
#include "model/json_parse.hpp"
#include "model/number.hpp"

namespace baton::http {

namespace {

struct route {
  const char* method;
  std::string name;
  std::regex pattern;
};

const std::vector<route>& routes() {
  static const std::vector<route> all = [] {
    const std::string c = "/api/v1/campaigns", s = k_segment;
    std::vector<std::pair<const char*, std::string>> table = {
        {"GET", c},
        {"POST", c},
        {"POST", "/api/v1/validate"},
        {"GET", c + "/" + s},
        {"PUT", c + "/" + s},
        {"GET", c + "/" + s + "/report"},
        {"GET", c + "/" + s + "/graph"},
        {"GET", c + "/" + s + "/versions"},
        {"GET", c + "/" + s + "/diff"},
        {"GET", c + "/" + s + "/state"},
        {"GET", c + "/" + s + "/history"},
        {"POST", c + "/" + s + "/edit"},
        {"POST", c + "/" + s + "/" + k_verb},
        {"GET", "/api/v1/templates"},
        {"POST", "/api/v1/templates"},
        {"GET", "/api/v1/templates/" + s},
        {"GET", "/api/v1/events"},
        {"POST", "/api/v1/feedback"},
        {"POST", "/api/v1/backup"},
        {"GET", "/api/v1/me"},
        {"GET", "/api/v1/users"},
        {"POST", "/api/v1/users"},
        {"POST", "/api/v1/users/" + s + "/tokens"},
        {"DELETE", "/api/v1/users/" + s + "/tokens/" + s},
        {"DELETE", "/api/v1/users/" + s},
        {"GET", "/api/v1/audiences"},
        {"GET", "/api/v1/audiences/" + s},
        {"GET", "/api/v1/suppressions"},
        {"GET", "/api/v1/schema"},
        {"GET", "/api/v1/data/" + s + "/count"},
    };
    std::vector<route> out;
    for (auto& [m, p] : table) out.push_back({m, p, std::regex(p)});
    return out;
  }();
  return all;
}

std::string param(const std::multimap<std::string, std::string>& q, const char* name) {
  auto it = q.find(name);
  return it == q.end() ? std::string() : it->second;
}

}  // namespace

std::string route_of(const std::string& method, const std::string& path) {
  for (auto& r : routes())
    if (method == r.method && std::regex_match(path, r.pattern)) return method + " " + r.name;
  return "";
}

result<verb_body> parse_verb_body(const std::string& text, std::size_t max_bytes) {
  verb_body out;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return out;
  problems ps;
  auto j = parse_json_text(text, ps, {max_bytes, 8});
  if (!j || has_errors(ps)) return to_validation_error(ps);
  if (!j->is_object()) return make_error(errc::validation, "/", "expected a JSON object");
  auto scalar = [](const nlohmann::json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
  };
  for (auto& [k, v] : j->items()) {
    if (k == "variables" && v.is_object()) {
      for (auto& [vk, vv] : v.items()) {
        if (!vv.is_primitive())
          return make_error(errc::validation, "/variables/" + vk,
                            "expected a string, number or boolean");
        out.args[vk] = scalar(vv);
      }
    } else if (k == "context" && v.is_object()) {
      out.body = v.dump();
    } else if (v.is_primitive()) {
      out.args[k] = scalar(v);
    } else {
      return make_error(errc::validation, "/" + k, "expected a string, number or boolean");
    }
  }
  return out;
}

result<events_params> parse_events_params(const std::multimap<std::string, std::string>& q) {
  events_params p;
  p.campaign = param(q, "campaign");
  p.stream = param(q, "stream");
  p.type = param(q, "type");
  p.actor = param(q, "actor");
  p.activity = param(q, "activity");
  p.since = param(q, "since");
  p.until = param(q, "until");
  if (!p.type.empty() && !baton_event_catalog().find(p.type))
    return make_error(errc::validation, "type", "unknown event type '" + p.type + "'");
  if (auto run = param(q, "run"); !run.empty()) {
    auto n = parse_whole_number(run, "run", 1, UINT32_MAX);
    if (!n) return n.err();
    p.run = static_cast<std::uint32_t>(*n);
  }
  for (auto [name, is_last] : {std::pair{"limit", false}, std::pair{"last", true}}) {
    auto text = param(q, name);
    if (text.empty()) continue;
    auto n = parse_whole_number(text, name, 1, k_max_events);
    if (!n) return n.err();
    p.limit = static_cast<std::size_t>(*n);
    p.last = p.last || is_last;
  }
  return p;
}

}  // namespace baton::http
