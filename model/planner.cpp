#include "model/planner.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <string_view>

namespace baton {

std::vector<std::string> topological_order(const campaign_definition& def) {
  // Kahn's algorithm over activity indexes; ties go to the earlier activity of the definition.
  // Called on every planning step, so it works on a few flat arrays: no string maps, and no scan
  // of every transition per activity.
  std::size_t n = def.activities.size();
  std::vector<std::pair<std::string_view, std::size_t>> by_id;  // sorted: id -> position
  by_id.reserve(n);
  for (std::size_t i = 0; i < n; ++i) by_id.emplace_back(def.activities[i].id, i);
  std::stable_sort(by_id.begin(), by_id.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  auto position = [&](std::string_view id) {
    auto it = std::lower_bound(by_id.begin(), by_id.end(), id,
                               [](const auto& e, std::string_view v) { return e.first < v; });
    return it != by_id.end() && it->first == id ? it->second : none;
  };
  // The edges between known activities, grouped by source in transition order (counting sort).
  std::vector<std::pair<std::size_t, std::size_t>> edges;  // (from, to)
  edges.reserve(def.transitions.size());
  std::vector<int> indegree(n, 0);
  std::vector<std::size_t> first(n + 1, 0);
  for (auto& t : def.transitions) {
    auto from = position(t.from), to = position(t.to);
    if (to != none) ++indegree[to];
    if (from != none && to != none) {
      edges.emplace_back(from, to);
      ++first[from + 1];
    }
  }
  for (std::size_t i = 0; i < n; ++i) first[i + 1] += first[i];
  std::vector<std::size_t> next(edges.size()), fill(first.begin(), first.end() - 1);
  for (auto& [from, to] : edges) next[fill[from]++] = to;
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < n; ++i)
    if (indegree[i] == 0) ready.push(i);
  std::vector<std::string> out;
  out.reserve(n);
  while (!ready.empty()) {
    auto i = ready.top();
    ready.pop();
    out.push_back(def.activities[i].id);
    for (auto k = first[i]; k < first[i + 1]; ++k)
      if (--indegree[next[k]] == 0) ready.push(next[k]);
  }
  return out;
}

namespace {

// What a transition carries once its source has finished (or will be skipped).
struct edge {
  enum kind { unresolved, fired, dead } k = unresolved;
  ev::population pop;
  std::string reason;
  std::string source;
};

struct overlay {  // task statuses as they will be after the skips planned so far
  const run_state& run;
  std::map<std::string, planned_skip> skips;
};

// Why the activities after a skipped one are skipped: what follows a channel skipped by a test
// run is skipped for the same reason (PRODUCT.md §1); after any other skip, "upstream skipped".
std::string reason_after_skip(const std::string& reason) {
  return reason == "test run" ? reason : "upstream skipped";
}

std::optional<ev::population> pass_through_population(const campaign_definition& def,
                                                      const overlay& o,
                                                      const std::string& activity);

edge edge_of(const campaign_definition& def, const overlay& o, const transition& t) {
  edge e;
  e.source = t.from;
  if (auto s = o.skips.find(t.from); s != o.skips.end()) {
    if (s->second.pass_through && t.output == "out") {
      if (auto p = pass_through_population(def, o, t.from)) {
        e.k = edge::fired;
        e.pop = *p;
        e.pop.output = "out";
        return e;
      }
    }
    e.k = edge::dead;
    e.reason = reason_after_skip(s->second.reason);
    return e;
  }
  const task_state* src = o.run.task(t.from);
  if (!src) return e;
  switch (src->status) {
    case task_status::done:
      for (auto& p : src->outputs)
        if (p.output == t.output) {
          e.k = edge::fired;
          e.pop = p;
          return e;
        }
      e.k = edge::dead;
      e.reason = "branch stopped";
      return e;
    case task_status::skipped:
      if (src->pass_through && t.output == "out") {
        if (auto p = pass_through_population(def, o, t.from)) {
          e.k = edge::fired;
          e.pop = *p;
          e.pop.output = "out";
          return e;
        }
      }
      e.k = edge::dead;
      e.reason = reason_after_skip(src->skip_reason);
      return e;
    case task_status::failed:
      e.k = edge::dead;
      e.reason = "upstream failed";
      return e;
    default:
      return e;
  }
}

std::vector<edge> edges_into(const campaign_definition& def, const overlay& o,
                             const std::string& id) {
  std::vector<edge> out;
  for (auto& t : def.transitions)
    if (t.to == id) out.push_back(edge_of(def, o, t));
  return out;
}

std::optional<ev::population> pass_through_population(const campaign_definition& def,
                                                      const overlay& o,
                                                      const std::string& activity) {
  for (auto& e : edges_into(def, o, activity))
    if (e.k == edge::fired) return e.pop;
  return std::nullopt;
}

// The source whose population an activity with several inputs continues with, if it has one.
std::string main_source(const activity& a, const std::vector<edge>& edges) {
  if (a.type == activity_type::and_join) {
    if (a.options.contains("primary")) return a.options["primary"].get<std::string>();
    return edges.empty() ? "" : edges.front().source;
  }
  if (a.type == activity_type::enrichment && a.options.contains("join")) {
    auto with = a.options["join"].value("with", "");
    for (auto& e : edges)
      if (e.source != with) return e.source;
  }
  return "";  // combine: any input will do
}

// Decides one pending activity: ready, skipped (with why) or still waiting.
std::optional<planned_skip> judge(const campaign_definition& def, const overlay& o,
                                  const activity& a, bool& ready) {
  ready = false;
  auto edges = edges_into(def, o, a.id);
  for (auto& e : edges)
    if (e.k == edge::unresolved) return std::nullopt;
  if (!edges.empty()) {
    auto main = main_source(a, edges);
    const edge* deciding = nullptr;
    bool any_fired = false;
    for (auto& e : edges) {
      if (e.k == edge::fired) any_fired = true;
      if (!main.empty() && e.source == main) deciding = &e;
    }
    if (deciding && deciding->k == edge::dead) return planned_skip{a.id, deciding->reason};
    if (!any_fired) return planned_skip{a.id, edges.front().reason};
  }
  if (a.disabled) return planned_skip{a.id, "disabled"};
  // A test run sends nothing and writes no customer data (PRODUCT.md §1).
  if (o.run.test && (is_channel(a.type) || a.type == activity_type::update_data))
    return planned_skip{a.id, "test run"};
  if (o.run.test && a.type == activity_type::save_audience)
    return planned_skip{a.id, "test run", true};
  ready = true;
  return std::nullopt;
}

}  // namespace

run_plan plan_run(const campaign_definition& def, const run_state& run) {
  run_plan plan;
  overlay o{run, {}};
  bool all_terminal = true;
  for (auto& id : topological_order(def)) {
    const task_state* t = run.task(id);
    if (t && t->status != task_status::pending) {
      all_terminal = all_terminal && is_terminal(t->status);
      continue;
    }
    bool ready = false;
    if (auto skip = judge(def, o, *def.find_activity(id), ready)) {
      o.skips[id] = *skip;
      plan.skips.push_back(*skip);
      continue;
    }
    all_terminal = false;
    if (ready) plan.ready.push_back(id);
  }
  plan.finished = all_terminal;
  return plan;
}

std::vector<std::pair<std::string, ev::population>> inputs_of(const campaign_definition& def,
                                                              const run_state& run,
                                                              const std::string& activity) {
  overlay o{run, {}};
  std::vector<std::pair<std::string, ev::population>> out;
  for (auto& e : edges_into(def, o, activity))
    if (e.k == edge::fired) out.emplace_back(e.source, e.pop);
  return out;
}

}  // namespace baton
