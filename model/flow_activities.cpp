#include "model/flow_activities.hpp"

#include <cstdlib>
#include <string_view>

namespace baton {

namespace {

ev::population as_output(ev::population p, const std::string& name) {
  p.output = name;
  return p;
}

ev::population main_input(const task_input& in) {
  if (in.inputs.empty()) return {};
  if (in.act->options.contains("primary")) {
    auto primary = in.act->options["primary"].get<std::string>();
    for (auto& [src, p] : in.inputs)
      if (src == primary) return p;
  }
  return in.inputs.front().second;
}

std::optional<double> as_number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return d;
}

// A condition value as text: a string as it is, {"variable": NAME} from the run's variables
// (absent: nullopt), any other scalar as JSON writes it.
std::optional<std::string> text_of(const nlohmann::json& v, const ev::variables& vars) {
  if (v.is_object()) {
    auto name = v.find("variable");
    if (name == v.end() || !name->is_string()) return std::nullopt;
    auto it = vars.find(name->get<std::string>());
    if (it == vars.end()) return std::nullopt;
    return it->second;
  }
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// -1, 0, 1: as numbers when both sides are numbers, else as text.
int order(const std::string& left, const std::string& right) {
  auto ln = as_number(left), rn = as_number(right);
  if (ln && rn) return *ln < *rn ? -1 : (*ln > *rn ? 1 : 0);
  int c = left.compare(right);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// SQL LIKE: % matches any run of characters, _ exactly one.
bool like(std::string_view s, std::string_view p) {
  if (p.empty()) return s.empty();
  if (p[0] == '%') {
    for (std::size_t i = 0; i <= s.size(); ++i)
      if (like(s.substr(i), p.substr(1))) return true;
    return false;
  }
  return !s.empty() && (p[0] == '_' || p[0] == s[0]) && like(s.substr(1), p.substr(1));
}

// Whether `left <op> right` holds, with the operators of filters (INTERFACES.md §4). An absent
// left side (a variable the run does not have) or an empty one is null: only is_null holds.
bool holds(const std::string& op, const std::optional<std::string>& left,
           const nlohmann::json* right, const ev::variables& vars) {
  bool null = !left || left->empty();
  if (op == "is_null") return null;
  if (op == "not_null") return !null;
  if (!left || !right) return false;
  if (op == "in" || op == "not_in") {
    bool found = false;
    if (right->is_array())
      for (auto& v : *right) {
        auto r = text_of(v, vars);
        found = found || (r && order(*left, *r) == 0);
      }
    return op == "in" ? found : !found;
  }
  if (op == "between") {
    if (!right->is_array() || right->size() != 2) return false;
    auto lo = text_of((*right)[0], vars), hi = text_of((*right)[1], vars);
    return lo && hi && order(*left, *lo) >= 0 && order(*left, *hi) <= 0;
  }
  auto r = text_of(*right, vars);
  if (!r) return false;
  if (op == "starts_with") return left->compare(0, r->size(), *r) == 0;
  if (op == "contains") return left->find(*r) != std::string::npos;
  if (op == "like") return like(*left, *r);
  int c = order(*left, *r);
  if (op == "eq") return c == 0;
  if (op == "ne") return c != 0;
  if (op == "lt") return c < 0;
  if (op == "le") return c <= 0;
  if (op == "gt") return c > 0;
  if (op == "ge") return c >= 0;
  return false;
}

const nlohmann::json* member(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// Whether one condition holds: {"count": {"op", "value"}} or {"variable", "op", "value"}.
bool condition_holds(const nlohmann::json& cond, std::uint64_t count, const ev::variables& vars) {
  if (auto* c = member(cond, "count"))
    return holds(c->value("op", "eq"), std::to_string(count), member(*c, "value"), vars);
  if (auto* name = member(cond, "variable"); name && name->is_string()) {
    auto it = vars.find(name->get<std::string>());
    std::optional<std::string> left;
    if (it != vars.end()) left = it->second;
    return holds(cond.value("op", "eq"), left, member(cond, "value"), vars);
  }
  return false;
}

// First condition that holds wins; else the default output unless "default": false.
task_outcome run_test(const task_input& in) {
  task_outcome o;
  auto pop = main_input(in);
  o.count_in = pop.count;
  static const nlohmann::json none = nlohmann::json::array();
  const auto* conditions = member(in.act->options, "conditions");
  for (auto& cond : conditions ? *conditions : none) {
    if (!condition_holds(cond, pop.count, in.vars)) continue;
    auto name = cond.value("name", "");
    o.outputs.push_back(as_output(pop, name));
    o.logs.push_back("condition '" + name + "' matched");
    return o;
  }
  if (in.act->options.value("default", true)) {
    o.outputs.push_back(as_output(pop, "default"));
    o.logs.push_back("no condition matched: default branch");
  } else {
    o.logs.push_back("no condition matched and no default: the branch stops");
  }
  return o;
}

}  // namespace

bool is_flow_activity(activity_type t) {
  return t == activity_type::fork || t == activity_type::and_join || t == activity_type::test ||
         t == activity_type::alert || t == activity_type::end;
}

result<task_outcome> run_flow_activity(const task_input& in) {
  const activity& a = *in.act;
  task_outcome o;
  auto pop = main_input(in);
  o.count_in = pop.count;
  switch (a.type) {
    case activity_type::fork:
      if (a.options.contains("branches"))
        for (auto& b : a.options["branches"])
          o.outputs.push_back(as_output(pop, b.get<std::string>()));
      return o;
    case activity_type::and_join:
      o.outputs.push_back(as_output(pop, "out"));
      return o;
    case activity_type::test:
      return run_test(in);
    case activity_type::alert:
      o.alert = ev::alert_raised{in.run, a.id, a.options.value("title", ""),
                                 a.options.value("message", "")};
      o.outputs.push_back(as_output(pop, "out"));
      o.logs.push_back("alert: " + o.alert->title);
      return o;
    case activity_type::end:
      if (a.options.contains("signal") && in.test) {
        o.logs.push_back("test run: the signal to campaign " +
                         a.options["signal"].value("campaign", "") + " is not sent");
      } else if (a.options.contains("signal")) {
        auto& sig = a.options["signal"];
        ev::variables vars;
        if (sig.contains("variables"))
          for (auto& [k, v] : sig["variables"].items())
            vars[k] = v.is_string() ? v.get<std::string>() : v.dump();
        o.signal = ev::signal_sent{in.run, a.id, sig.value("campaign", ""), vars};
      }
      return o;
    default:
      return make_error(errc::failed, a.id,
                        std::string(to_string(a.type)) + " is not a flow-control activity");
  }
}

}  // namespace baton
