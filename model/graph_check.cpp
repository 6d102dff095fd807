// The graph of a campaign: transitions name real activities and outputs, inbound counts fit the
// activity types, every root can start a flow, there is no cycle; then what flows into each
// activity (its dimension, and the columns added upstream) is propagated in topological order.
#include <algorithm>
#include <functional>
#include <tuple>

#include "model/definition_checks.hpp"

namespace baton::detail {

namespace {

std::string act_ptr(const positions& pos, std::size_t i) {
  return pointer_append("/activities", pos.activities[i]);
}
std::string tr_ptr(const positions& pos, std::size_t k) {
  return pointer_append("/transitions", pos.transitions[k]);
}

const std::string* option_string(const activity& a, const char* key) {
  auto it = a.options.find(key);
  return it != a.options.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

bool accepts_several(const activity& a) {
  return a.type == activity_type::combine || a.type == activity_type::and_join ||
         (a.type == activity_type::enrichment && a.options.contains("join"));
}

// Resolves the endpoints and outputs of every transition; fills g.inbound, and g.uncertain for
// the activities that an invalid transition enters.
void check_transitions(const campaign_definition& def, const positions& pos, campaign_graph& g,
                       problems& out) {
  std::vector<bool> valid(def.transitions.size(), false);
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (std::size_t k = 0; k < def.transitions.size(); ++k) {
    const transition& t = def.transitions[k];
    std::string p = tr_ptr(pos, k);
    auto from = g.index.find(t.from), to = g.index.find(t.to);
    bool ok = true;
    for (auto [it, key, id] : {std::tuple{from, "from", &t.from}, std::tuple{to, "to", &t.to}}) {
      if (it != g.index.end()) continue;
      ok = false;
      if (!pos.all_ids.count(*id) && !pos.activities_incomplete)  // else already reported
        add_error(out, pointer_append(p, key), "unknown activity `" + *id + "`");
    }
    if (!ok) continue;
    if (from->second == to->second) {
      add_error(out, p, "a transition cannot loop from `" + t.from + "` to itself");
      continue;
    }
    auto outs = outputs_of(def.activities[from->second]);
    if (std::find(outs.begin(), outs.end(), t.output) == outs.end()) {
      add_error(out, pointer_append(p, "output"),
                outs.empty() ? "`" + t.from + "` (end) has no outputs"
                             : "`" + t.from + "` has no output `" + t.output +
                                   "` (outputs: " + join_names(outs) + ")");
      continue;
    }
    if (!seen.insert({t.from, t.output, t.to}).second) {
      add_error(out, p, "duplicate transition");
      continue;
    }
    g.inbound[to->second].push_back(k);
    valid[k] = true;
  }
  // An activity is certain of its sources when every transition naming it is valid.
  // A transition going nowhere known, or one that could not be read, might enter any activity.
  bool lost = pos.transitions_incomplete || pos.activities_incomplete;
  for (const auto& t : def.transitions) lost = lost || !g.index.count(t.to);
  g.uncertain.assign(def.activities.size(), lost);
  for (const auto& id : pos.broken_targets)
    if (auto it = g.index.find(id); it != g.index.end()) g.uncertain[it->second] = true;
  for (std::size_t k = 0; k < def.transitions.size(); ++k)
    if (auto to = g.index.find(def.transitions[k].to); !valid[k] && to != g.index.end())
      g.uncertain[to->second] = true;
}

void check_inbound(const campaign_definition& def, const positions& pos, const campaign_graph& g,
                   problems& out) {
  std::string first_api_root;  // api campaigns start at one (enabled) activity
  for (std::size_t i = 0; i < def.activities.size(); ++i) {
    const activity& a = def.activities[i];
    const auto& in = g.inbound[i];
    std::string p = act_ptr(pos, i);
    std::vector<std::string> sources;
    for (std::size_t k : in) {
      const std::string& src = def.transitions[k].from;
      if (accepts_several(a) && std::count(sources.begin(), sources.end(), src))
        add_error(out, tr_ptr(pos, k),
                  "a second transition from `" + src + "` enters `" + a.id +
                      "`; its inputs must come from distinct activities");
      sources.push_back(src);
    }
    std::string n = std::to_string(in.size());
    if (is_api_campaign(def) && is_population_source(a.type)) {
      add_error(out, pointer_append(p, "type"),
                std::string(to_string(a.type)) +
                    " is refused in an api-triggered campaign: its population is the triggered "
                    "recipient(s)");
      continue;
    }
    if (g.uncertain[i]) continue;  // an invalid transition enters: counts would mislead
    if (in.empty() && is_api_campaign(def)) {
      if (!can_start_api_flow(a.type))
        add_error(out, p,
                  "`" + a.id + "` (" + to_string(a.type) +
                      ") has no inbound transition; an api-triggered campaign starts at a "
                      "channel activity (email, sms, push) or at enrichment, test, split or "
                      "deduplication");
      else if (!a.disabled && !first_api_root.empty())
        add_error(out, p,
                  "`" + a.id + "` is a second activity without inbound transition (the first is `" +
                      first_api_root +
                      "`); an api-triggered campaign's graph starts at one "
                      "activity, which receives the triggered recipient");
      else if (!a.disabled)
        first_api_root = a.id;
      continue;
    }
    if (is_api_campaign(def) && (a.type == activity_type::fork || a.type == activity_type::wait)) {
      add_error(out, pointer_append(p, "type"),
                std::string(to_string(a.type)) +
                    " is refused in an api-triggered campaign: a trigger sends its recipient "
                    "one message at once, through one channel activity");
      continue;
    }
    if (is_api_campaign(def) && a.type == activity_type::split && a.options.is_object() &&
        a.options.contains("overlap") && a.options["overlap"] == true)
      add_error(out, pointer_append(p, "overlap"),
                "an overlapping split could send a triggered recipient down several branches; "
                "an api-triggered campaign sends it one message");
    if (in.empty()) {
      if (!can_start_flow(a.type))
        add_error(out, p,
                  "`" + a.id + "` (" + to_string(a.type) +
                      ") has no inbound transition; a flow starts with build_audience, "
                      "read_audience, incremental_query, load_file, fork, wait, alert or test");
      continue;
    }
    if (a.type == activity_type::combine && in.size() < 2)
      add_error(out, p, "combine needs at least 2 inbound transitions, has " + n);
    else if (a.type == activity_type::and_join && in.size() == 1)
      add_warning(out, p, "and_join has a single inbound transition; it waits for nothing");
    else if (a.type == activity_type::enrichment && accepts_several(a) && in.size() != 2)
      add_error(out, p, "enrichment with join needs exactly 2 inbound transitions, has " + n);
    else if (!accepts_several(a) && in.size() > 1)
      add_error(out, p,
                "`" + a.id + "` has " + n + " inbound transitions (from " + join_names(sources) +
                    "); only combine, and_join and enrichment with join accept several");
  }
}

// Tarjan's strongly connected components; each component of 2+ activities is a cycle.
void check_cycles(const campaign_definition& def, const positions& pos, const campaign_graph& g,
                  problems& out) {
  std::size_t n = def.activities.size(), counter = 0;
  std::vector<std::vector<std::size_t>> next(n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k : g.inbound[i]) next[g.index.at(def.transitions[k].from)].push_back(i);
  std::vector<std::size_t> idx(n, SIZE_MAX), low(n, 0), stack;
  std::vector<bool> on_stack(n, false);
  std::function<void(std::size_t)> visit = [&](std::size_t v) {
    idx[v] = low[v] = counter++;
    stack.push_back(v);
    on_stack[v] = true;
    for (std::size_t w : next[v]) {
      if (idx[w] == SIZE_MAX) {
        visit(w);
        low[v] = std::min(low[v], low[w]);
      } else if (on_stack[w]) {
        low[v] = std::min(low[v], idx[w]);
      }
    }
    if (low[v] != idx[v]) return;
    std::vector<std::size_t> comp;
    std::size_t w;
    do {
      w = stack.back();
      stack.pop_back();
      on_stack[w] = false;
      comp.push_back(w);
    } while (w != v);
    if (comp.size() < 2) return;
    std::sort(comp.begin(), comp.end());
    std::vector<std::string> ids;
    for (std::size_t c : comp) ids.push_back(def.activities[c].id);
    std::size_t first = SIZE_MAX;  // the first transition inside the cycle
    for (std::size_t c : comp)
      for (std::size_t k : g.inbound[c])
        if (std::binary_search(comp.begin(), comp.end(), g.index.at(def.transitions[k].from)))
          first = std::min(first, k);
    add_error(out, tr_ptr(pos, first),
              "the graph has a cycle through " + join_names(ids) + "; it must be acyclic");
  };
  for (std::size_t i = 0; i < n; ++i)
    if (idx[i] == SIZE_MAX) visit(i);
}

// Kahn's order over the valid transitions; activities on or below a cycle are left out.
std::vector<std::size_t> topological_order(const campaign_definition& def,
                                           const campaign_graph& g) {
  std::size_t n = def.activities.size();
  std::vector<std::size_t> indegree(n), order;
  std::vector<std::vector<std::size_t>> next(n);
  for (std::size_t i = 0; i < n; ++i) {
    indegree[i] = g.inbound[i].size();
    for (std::size_t k : g.inbound[i]) next[g.index.at(def.transitions[k].from)].push_back(i);
  }
  for (std::size_t i = 0; i < n; ++i)
    if (indegree[i] == 0) order.push_back(i);
  for (std::size_t h = 0; h < order.size(); ++h)
    for (std::size_t w : next[order[h]])
      if (--indegree[w] == 0) order.push_back(w);
  return order;
}

flow flow_of(flow::kind k) {
  flow f;
  f.k = k;
  return f;
}

flow entity_flow(const std::string& name, const entity_schema* schema) {
  flow f;
  f.k = flow::kind::entity;
  f.entity_name = name;
  if (schema) {
    f.ent = schema->find_entity(name);
    if (!f.ent) f.k = flow::kind::unknown;  // the unknown entity is reported by the options
  }
  return f;
}

std::string describe(const flow& f) {
  switch (f.k) {
    case flow::kind::none:
      return "no population";
    case flow::kind::unknown:
      return "rows";
    case flow::kind::file:
      return "file rows";
    case flow::kind::entity:
      return "`" + f.entity_name + "` rows";
  }
  return "rows";
}

bool same_dimension(const flow& a, const flow& b) {
  return a.k == b.k && (a.k != flow::kind::entity || a.entity_name == b.entity_name);
}

// combine: the selected inputs must carry the same dimension; only common added columns remain.
flow merge_combine(const activity& a, const std::vector<std::pair<std::string, const flow*>>& srcs,
                   const std::string& ptr, problems& out) {
  std::vector<std::pair<std::string, const flow*>> sel;
  auto inputs = a.options.find("inputs");
  for (const auto& s : srcs) {
    bool chosen = inputs == a.options.end() || !inputs->is_array() ||
                  std::find(inputs->begin(), inputs->end(), json(s.first)) != inputs->end();
    if (chosen) sel.push_back(s);
  }
  if (sel.empty()) return flow{};
  flow r = *sel[0].second;
  for (std::size_t i = 1; i < sel.size(); ++i) {
    const flow& f = *sel[i].second;
    if (f.k == flow::kind::unknown || r.k == flow::kind::unknown) return flow{};
    if (!same_dimension(r, f)) {
      add_error(out, ptr,
                "combine inputs differ: `" + sel[0].first + "` sends " + describe(r) + ", `" +
                    sel[i].first + "` sends " + describe(f));
      return flow{};
    }
    std::erase_if(r.added, [&](const auto& kv) { return !f.added.count(kv.first); });
    r.open = r.open || f.open;
  }
  return r;
}

// What enters activity i: nothing at a root, else one source's output (combine: the merge).
flow merge_inputs(const campaign_definition& def, const positions& pos, const campaign_graph& g,
                  std::size_t i, const entity_schema* schema, problems& out) {
  const activity& a = def.activities[i];
  if (g.inbound[i].empty() && is_api_campaign(def))  // the triggered recipient(s)
    return g.uncertain[i] || !can_start_api_flow(a.type) ? flow{}
                                                         : entity_flow(def.dimension, schema);
  if (g.inbound[i].empty())  // a root; or its transitions or its type were reported
    return g.uncertain[i] || !can_start_flow(a.type) ? flow{} : flow_of(flow::kind::none);
  std::vector<std::pair<std::string, const flow*>> srcs;
  for (std::size_t k : g.inbound[i]) {
    const std::string& from = def.transitions[k].from;
    srcs.emplace_back(from, &g.output[g.index.at(from)]);
  }
  if (a.type == activity_type::combine) return merge_combine(a, srcs, act_ptr(pos, i), out);
  auto pick = [&](const std::string* id, bool equal) -> flow {
    for (const auto& s : srcs)
      if (id && (s.first == *id) == equal) return *s.second;
    return *srcs[0].second;
  };
  if (a.type == activity_type::and_join) return pick(option_string(a, "primary"), true);
  if (a.type == activity_type::enrichment && accepts_several(a)) {
    const auto& join = a.options["join"];
    const std::string* with = join.is_object() && join.contains("with") && join["with"].is_string()
                                  ? join["with"].get_ptr<const std::string*>()
                                  : nullptr;
    flow f = pick(with, false);
    const flow& other = pick(with, true);  // the joined worktable brings its added columns
    if (other.k == flow::kind::entity && !other.open && with)
      f.added.insert(other.added.begin(), other.added.end());
    else
      f.open = true;
    return f;
  }
  return *srcs[0].second;
}

// The type of an enrichment attribute, when it can be told from the schema.
std::optional<column_type> attribute_type(const json& attr, const flow& in,
                                          const entity_schema* schema) {
  auto str = [&](const char* k) -> std::string {
    return attr.contains(k) && attr[k].is_string() ? attr[k].get<std::string>() : "";
  };
  if (attr.contains("aggregate")) {
    std::string fn = str("aggregate");
    if (fn == "count") return column_type::integer;
    if (fn == "sum" || fn == "avg") return column_type::floating;
    const link* l = in.ent ? in.ent->find_link(str("link")) : nullptr;
    const entity* target = l ? schema->find_entity(l->to) : nullptr;
    const column* c = target ? target->find_column(str("field")) : nullptr;
    return c ? std::optional(c->type) : std::nullopt;
  }
  if (!in.ent) return std::nullopt;
  auto ref = schema->resolve_field(*in.ent, str("field"));
  return ref.ok() ? std::optional(ref->col->type) : std::nullopt;
}

void add_attributes(const activity& a, flow& f, const entity_schema* schema) {
  auto attrs = a.options.find("attributes");
  if (attrs == a.options.end() || !attrs->is_array()) return;
  for (const auto& attr : *attrs) {
    if (!attr.is_object() || !attr.contains("name") || !attr["name"].is_string()) continue;
    std::string name = attr["name"].get<std::string>();
    if (attr.contains("collect")) {
      f.added[name] = std::nullopt;
      f.open = true;  // name1..nameN
    } else {
      f.added[name] = attribute_type(attr, f, schema);
    }
  }
}

bool needs_population(activity_type t) {
  switch (t) {
    case activity_type::fork:
    case activity_type::and_join:
    case activity_type::test:
    case activity_type::wait:
    case activity_type::end:
    case activity_type::alert:
      return false;
    default:
      return !is_population_source(t);
  }
}

flow compute_output(const campaign_definition& def, const activity& a, const flow& in,
                    const entity_schema* schema, const std::string& ptr, problems& out) {
  const std::string* name = nullptr;
  switch (a.type) {
    case activity_type::build_audience:
    case activity_type::incremental_query:
      name = option_string(a, "dimension");
      return entity_flow(name ? *name : def.dimension, schema);
    case activity_type::read_audience:
      return entity_flow(def.dimension, schema);
    case activity_type::load_file:
      return flow_of(flow::kind::file);
    case activity_type::change_dimension:
      name = option_string(a, "to");
      return name ? entity_flow(*name, schema) : flow{};
    case activity_type::end:
      return flow_of(flow::kind::none);
    default:
      break;
  }
  if (needs_population(a.type) && in.k == flow::kind::none) {
    add_error(out, ptr,
              "`" + a.id +
                  "` has no population to work on: no build_audience, read_audience, "
                  "incremental_query or load_file comes before it");
    return flow{};
  }
  if (a.type == activity_type::reconciliation) {
    name = option_string(a, "dimension");
    flow f = name ? entity_flow(*name, schema) : flow{};
    f.open = true;  // the file's columns stay
    return f;
  }
  flow f = in;
  if (a.type == activity_type::enrichment) add_attributes(a, f, schema);
  return f;
}

}  // namespace

campaign_graph check_graph(const campaign_definition& def, const positions& pos,
                           const entity_schema* schema, problems& out) {
  campaign_graph g;
  std::size_t n = def.activities.size();
  for (std::size_t i = 0; i < n; ++i) g.index.emplace(def.activities[i].id, i);
  g.inbound.resize(n);
  g.input.resize(n);
  g.output.resize(n);
  check_transitions(def, pos, g, out);
  check_inbound(def, pos, g, out);
  check_cycles(def, pos, g, out);
  for (std::size_t i : topological_order(def, g)) {
    g.input[i] = merge_inputs(def, pos, g, i, schema, out);
    g.output[i] = compute_output(def, def.activities[i], g.input[i], schema, act_ptr(pos, i), out);
  }
  return g;
}

}  // namespace baton::detail
