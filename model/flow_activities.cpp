#include "model/flow_activities.hpp"

#include <cstdlib>

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

bool compare(const std::string& op, const std::string& left, const nlohmann::json& right) {
  std::string r = right.is_string() ? right.get<std::string>() : right.dump();
  auto ln = as_number(left), rn = as_number(r);
  int c = 0;
  if (ln && rn)
    c = *ln < *rn ? -1 : (*ln > *rn ? 1 : 0);
  else
    c = left.compare(r) < 0 ? -1 : (left.compare(r) > 0 ? 1 : 0);
  if (op == "eq") return c == 0;
  if (op == "ne") return c != 0;
  if (op == "lt") return c < 0;
  if (op == "le") return c <= 0;
  if (op == "gt") return c > 0;
  if (op == "ge") return c >= 0;
  return false;
}

// First condition that holds wins; else the default output unless "default": false.
task_outcome run_test(const task_input& in) {
  task_outcome o;
  auto pop = main_input(in);
  o.count_in = pop.count;
  static const nlohmann::json none = nlohmann::json::array();
  const auto& conditions =
      in.act->options.contains("conditions") ? in.act->options["conditions"] : none;
  for (auto& cond : conditions) {
    bool hit = false;
    if (cond.contains("count")) {
      hit = compare(cond["count"].value("op", "eq"), std::to_string(pop.count),
                    cond["count"]["value"]);
    } else if (cond.contains("variable")) {
      auto it = in.vars.find(cond["variable"].get<std::string>());
      hit = it != in.vars.end() && compare(cond.value("op", "eq"), it->second, cond["value"]);
    }
    if (hit) {
      o.outputs.push_back(as_output(pop, cond["name"].get<std::string>()));
      o.logs.push_back("condition '" + cond["name"].get<std::string>() + "' matched");
      return o;
    }
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
      if (a.options.contains("signal")) {
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
