// Campaign definitions: the top-level members, activity headers and transitions, the guardrails,
// and the JSON form. Options, filters and the graph are checked in their own files.
#include "model/definition.hpp"

#include "model/experiment.hpp"

#include <algorithm>
#include <limits>
#include <set>

#include "model/definition_checks.hpp"

namespace baton {

using nlohmann::json;

namespace {

const std::vector<std::string> k_common_members = {"id", "type", "label", "disabled", "onError"};
const std::vector<std::string> k_error_modes = {"suspend", "ignore", "abort"};

}  // namespace

const std::vector<std::string>& activity_type_names() {
  static const std::vector<std::string> names = {"build_audience",
                                                 "read_audience",
                                                 "incremental_query",
                                                 "change_dimension",
                                                 "combine",
                                                 "deduplication",
                                                 "enrichment",
                                                 "reconciliation",
                                                 "split",
                                                 "save_audience",
                                                 "fork",
                                                 "and_join",
                                                 "test",
                                                 "wait",
                                                 "end",
                                                 "alert",
                                                 "email",
                                                 "sms",
                                                 "push",
                                                 "load_file",
                                                 "update_data"};
  return names;
}

const char* to_string(activity_type t) {
  return activity_type_names()[static_cast<std::size_t>(t)].c_str();
}

std::optional<activity_type> activity_type_from_string(std::string_view s) {
  const auto& names = activity_type_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == s) return static_cast<activity_type>(i);
  return std::nullopt;
}

bool is_channel(activity_type t) {
  return t == activity_type::email || t == activity_type::sms || t == activity_type::push;
}

bool is_population_source(activity_type t) {
  return t == activity_type::build_audience || t == activity_type::read_audience ||
         t == activity_type::incremental_query || t == activity_type::load_file;
}

bool can_start_flow(activity_type t) {
  return is_population_source(t) || t == activity_type::fork || t == activity_type::wait ||
         t == activity_type::alert || t == activity_type::test;
}

const char* to_string(error_mode m) {
  return k_error_modes[static_cast<std::size_t>(m)].c_str();
}

namespace {

// Names of an array of objects' "name" members (split subsets, test conditions).
void append_names(const json& options, const char* array_key, std::vector<std::string>& out) {
  auto it = options.find(array_key);
  if (it == options.end() || !it->is_array()) return;
  for (const auto& e : *it) {
    if (e.is_object() && e.contains("name") && e["name"].is_string())
      out.push_back(e["name"].get<std::string>());
    else if (e.is_string())  // fork branches
      out.push_back(e.get<std::string>());
  }
}

bool option_flag(const json& options, const char* key, bool fallback) {
  auto it = options.find(key);
  return it != options.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

}  // namespace

std::vector<std::string> outputs_of(const activity& a) {
  std::vector<std::string> outs;
  switch (a.type) {
    case activity_type::split:
      append_names(a.options, "subsets", outs);
      if (option_flag(a.options, "complement", false)) outs.push_back("complement");
      return outs;
    case activity_type::test:
      append_names(a.options, "conditions", outs);
      if (option_flag(a.options, "default", true)) outs.push_back("default");
      return outs;
    case activity_type::fork:
      append_names(a.options, "branches", outs);
      return outs;
    case activity_type::combine:
    case activity_type::deduplication:
      outs.push_back("out");
      if (option_flag(a.options, "complement", false)) outs.push_back("complement");
      return outs;
    case activity_type::load_file:
    case activity_type::update_data:
      return {"out", "rejects"};
    case activity_type::end:
      return {};
    default:
      return {"out"};
  }
}

const activity* campaign_definition::find_activity(std::string_view id) const {
  for (const auto& a : activities)
    if (a.id == id) return &a;
  return nullptr;
}

std::vector<std::string> campaign_definition::sources_of(std::string_view id) const {
  std::vector<std::string> ids;
  for (const auto& t : transitions)
    if (t.to == id) ids.push_back(t.from);
  return ids;
}

namespace {

json policy_json(const error_policy& p) {
  return {{"mode", to_string(p.mode)}, {"maxConsecutiveErrors", p.max_consecutive_errors}};
}

}  // namespace

json campaign_definition::to_json() const {
  json j = {{"name", name}, {"dimension", dimension}};
  if (!description.empty()) j["description"] = description;
  if (!schedule_json.is_null()) j["schedule"] = schedule_json;
  if (!category.empty()) j["category"] = category;
  if (!control_group.is_null()) j["controlGroup"] = control_group;
  j["errorPolicy"] = policy_json(errors);
  if (!variables.empty()) j["variables"] = variables;
  j["activities"] = json::array();
  for (const auto& a : activities) {
    json ja = a.options;
    ja["id"] = a.id;
    ja["type"] = to_string(a.type);
    if (!a.label.empty()) ja["label"] = a.label;
    if (a.disabled) ja["disabled"] = true;
    if (a.on_error) ja["onError"] = policy_json(*a.on_error);
    j["activities"].push_back(std::move(ja));
  }
  j["transitions"] = json::array();
  for (const auto& t : transitions) {
    json jt = {{"from", t.from}, {"to", t.to}};
    if (t.output != "out") jt["output"] = t.output;
    j["transitions"].push_back(std::move(jt));
  }
  return j;
}

namespace detail {

std::optional<error_policy> parse_error_policy(const json& j, const std::string& ptr,
                                               problems& out) {
  error_policy p;
  auto mode_of = [](const std::string& s) {
    return static_cast<error_mode>(std::find(k_error_modes.begin(), k_error_modes.end(), s) -
                                   k_error_modes.begin());
  };
  if (j.is_string()) {
    auto s = j.get<std::string>();
    if (std::find(k_error_modes.begin(), k_error_modes.end(), s) == k_error_modes.end()) {
      add_error(out, ptr, "`" + s + "` is not one of " + join_names(k_error_modes));
      return std::nullopt;
    }
    p.mode = mode_of(s);
    return p;
  }
  std::size_t before = out.size();
  json_reader r(j, ptr, out);
  r.allow({"mode", "maxConsecutiveErrors"});
  if (auto m = r.one_of("mode", k_error_modes)) p.mode = mode_of(*m);
  if (auto k = r.integer("maxConsecutiveErrors", 0, 1'000'000)) p.max_consecutive_errors = *k;
  r.finish();
  if (out.size() != before) return std::nullopt;
  return p;
}

}  // namespace detail

namespace {

using detail::positions;

// id, type, label, disabled and onError; the options are what remains.
std::optional<activity> parse_activity_header(const json& j, const std::string& ptr, problems& out,
                                              positions& pos) {
  json_reader r(j, ptr, out);
  if (!r.has("id") || !j["id"].is_string())
    pos.activities_incomplete = true;
  else
    pos.all_ids.insert(j["id"].get<std::string>());
  if (!r.valid()) return std::nullopt;
  activity a;
  auto id = r.identifier("id", true);
  auto type = r.one_of("type", activity_type_names(), true);
  a.label = r.string("label").value_or("");
  a.disabled = r.boolean("disabled").value_or(false);
  bool policy_ok = true;
  if (const json* p = r.member("onError")) {
    a.on_error = detail::parse_error_policy(*p, r.at("onError"), out);
    policy_ok = a.on_error.has_value();
  }
  if (!id || !type || !policy_ok) return std::nullopt;
  a.id = *id;
  a.type = *activity_type_from_string(*type);
  for (const auto& [key, value] : j.items())
    if (std::find(k_common_members.begin(), k_common_members.end(), key) == k_common_members.end())
      a.options[key] = value;
  return a;
}

std::optional<transition> parse_transition(const json& j, const std::string& ptr, problems& out) {
  json_reader r(j, ptr, out);
  r.allow({"from", "output", "to"});
  auto from = r.string("from", true);
  auto to = r.string("to", true);
  auto output = r.string("output", r.has("output"));
  r.finish();
  if (!from || !to || (r.has("output") && !output)) return std::nullopt;
  return transition{*from, output.value_or("out"), *to};
}

void parse_variables(const json_reader& top, campaign_definition& def) {
  const json* vars = top.object("variables");
  if (!vars) return;
  for (const auto& [name, value] : vars->items()) {
    std::string p = pointer_append("/variables", name);
    if (!is_identifier(name)) {
      add_error(top.out(), p, "`" + name + "` is not a valid variable name");
      continue;
    }
    // an invalid value still declares the variable (no cascade where it is used)
    def.variables[name] = expect_string(value, p, top.out(), false).value_or("");
  }
}

// name, description, dimension, schedule, errorPolicy, variables.
void parse_settings(const json_reader& top, const entity_schema* schema, const guardrails& g,
                    campaign_definition& def) {
  def.name = top.string("name", true).value_or("");
  def.description = top.string("description").value_or("");
  if (auto dim = top.identifier("dimension", true)) {
    def.dimension = *dim;
    if (schema && !schema->find_entity(*dim))
      top.error("dimension", "unknown entity `" + *dim + "`");
  }
  const json* sched = top.member("schedule");
  if (sched) def.schedule_json = *sched;
  if (auto s = parse_schedule(sched, top.at("schedule"), top.out(), g.min_schedule_interval))
    def.schedule = std::move(*s);
  def.category = top.one_of("category", {"marketing", "transactional"}).value_or("");
  const bool api = sched && sched->is_object() && sched->contains("api");
  if (api && !top.has("category"))
    top.error("category",
              "an api-triggered campaign needs a category: \"marketing\" (consent and fatigue "
              "apply) or \"transactional\"");
  if (!api && top.has("category"))
    top.error("category",
              "a campaign-wide category is for api-triggered campaigns ({\"api\": true}); set "
              "`category` on each channel activity instead");
  check_control_group(top, "controlGroup");
  if (api && top.has("controlGroup"))
    top.error(
        "controlGroup",
        "an api-triggered campaign sends to each trigger's recipient alone: no control group");
  if (const json* c = top.member("controlGroup")) def.control_group = *c;
  if (const json* p = top.member("errorPolicy"))
    if (auto policy = detail::parse_error_policy(*p, top.at("errorPolicy"), top.out()))
      def.errors = *policy;
  parse_variables(top, def);
}

void parse_graph_lists(const json_reader& top, const guardrails& g, campaign_definition& def,
                       positions& pos) {
  std::set<std::string> ids;
  if (const json* acts = top.array("activities", true, true)) {
    for (std::size_t i = 0; i < acts->size(); ++i) {
      std::string p = pointer_append("/activities", i);
      auto a = parse_activity_header((*acts)[i], p, top.out(), pos);
      if (!a || !check_unique(ids, a->id, pointer_append(p, "id"), "activity id", top.out()))
        continue;
      def.activities.push_back(std::move(*a));
      pos.activities.push_back(i);
    }
    if (acts->size() > g.max_activities)
      top.error("activities", "a campaign has at most " + std::to_string(g.max_activities) +
                                  " activities, this one has " + std::to_string(acts->size()));
  }
  auto channels = std::count_if(def.activities.begin(), def.activities.end(),
                                [](const activity& a) { return is_channel(a.type); });
  if (static_cast<std::size_t>(channels) > g.max_channel_activities)
    top.error("activities", "a campaign has at most " + std::to_string(g.max_channel_activities) +
                                " channel activities (email, sms, push), this one has " +
                                std::to_string(channels));
  if (top.has("transitions") && !top.array("transitions")) pos.transitions_incomplete = true;
  if (const json* trs = top.member("transitions"); trs && trs->is_array()) {
    for (std::size_t k = 0; k < trs->size(); ++k) {
      auto t = parse_transition((*trs)[k], pointer_append("/transitions", k), top.out());
      if (!t) {
        const json& raw = (*trs)[k];
        if (raw.is_object() && raw.contains("to") && raw["to"].is_string())
          pos.broken_targets.insert(raw["to"].get<std::string>());
        else
          pos.transitions_incomplete = true;
        continue;
      }
      def.transitions.push_back(std::move(*t));
      pos.transitions.push_back(k);
    }
  }
}

// save_audience names are unique within a campaign.
void check_audience_names(const campaign_definition& def, const positions& pos, problems& out) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < def.activities.size(); ++i) {
    const auto& a = def.activities[i];
    if (a.type != activity_type::save_audience) continue;
    auto it = a.options.find("audience");
    if (it == a.options.end() || !it->is_string()) continue;
    std::string p = pointer_append(pointer_append("/activities", pos.activities[i]), "audience");
    if (!seen.insert(it->get<std::string>()).second)
      add_error(out, p,
                "audience `" + it->get<std::string>() +
                    "` is already saved by another save_audience of this campaign");
  }
}

void check_all_options(const json& doc, const campaign_definition& def, const positions& pos,
                       const detail::campaign_graph& g, const entity_schema* schema,
                       const guardrails& limits, problems& out) {
  for (std::size_t i = 0; i < def.activities.size(); ++i) {
    const activity& a = def.activities[i];
    std::string p = pointer_append("/activities", pos.activities[i]);
    detail::activity_context ctx{def, schema, limits, g.input[i], {}, {}, true, {}};
    for (std::size_t k : g.inbound[i]) {
      const std::string& from = def.transitions[k].from;
      ctx.sources[from] = &g.output[g.index.at(from)];
      ctx.source_order.push_back(from);
    }
    ctx.scope = detail::scope_of(g.input[i], schema, def.variables);
    ctx.sources_known = !g.uncertain[i];
    json_reader r(doc["activities"][pos.activities[i]], p, out);
    r.allow(k_common_members);
    r.allow(detail::allowed_options(a.type));
    detail::check_activity_options(r, a, ctx);
    r.finish("option");
  }
}

}  // namespace

campaign_validation parse_campaign_json(const json& doc, const entity_schema* schema,
                                        const guardrails& g) {
  campaign_validation v;
  campaign_definition def;
  json_reader top(doc, "", v.issues);
  if (!top.valid()) return v;
  top.allow({"name", "description", "dimension", "schedule", "category", "controlGroup",
             "errorPolicy", "variables", "activities", "transitions"});
  positions pos;
  parse_settings(top, schema, g, def);
  parse_graph_lists(top, g, def, pos);
  top.finish();
  if (!def.activities.empty()) {
    auto graph = detail::check_graph(def, pos, schema, v.issues);
    check_all_options(doc, def, pos, graph, schema, g, v.issues);
    check_audience_names(def, pos, v.issues);
  }
  if (!has_errors(v.issues)) v.definition = std::move(def);
  return v;
}

campaign_validation validate_campaign(std::string_view json_text, const entity_schema* schema,
                                      const guardrails& g) {
  campaign_validation v;
  auto doc = parse_json_text(json_text, v.issues);
  if (!doc) return v;
  auto checked = parse_campaign_json(*doc, schema, g);
  checked.issues.insert(checked.issues.begin(), v.issues.begin(), v.issues.end());
  if (has_errors(v.issues)) checked.definition.reset();  // duplicate members
  return checked;
}

result<campaign_definition> read_stored_definition(std::string_view json_text) {
  guardrails open;
  open.max_activities = std::numeric_limits<std::size_t>::max();
  open.max_channel_activities = std::numeric_limits<std::size_t>::max();
  open.min_schedule_interval = 0;
  open.min_throttle = std::numeric_limits<std::int64_t>::min();
  open.max_throttle = std::numeric_limits<std::int64_t>::max();
  open.min_waves = std::numeric_limits<std::int64_t>::min();
  open.max_waves = std::numeric_limits<std::int64_t>::max();
  open.min_wave_interval = 0;
  auto doc = nlohmann::json::parse(json_text, nullptr, false);
  if (doc.is_discarded())
    return make_error(errc::integrity, "definition", "stored definition is not JSON");
  auto v = parse_campaign_json(doc, nullptr, open);
  if (!v.ok()) {
    std::string first = "?";
    for (auto& p : v.issues)
      if (p.level == problem::severity::error) {
        first = p.pointer + ": " + p.message;
        break;
      }
    return make_error(errc::integrity, "definition", "stored definition cannot be read: " + first);
  }
  return std::move(*v.definition);
}

}  // namespace baton
