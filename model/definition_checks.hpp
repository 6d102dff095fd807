// Internal to the campaign validator (definition.cpp, graph_check.cpp, filter_check.cpp,
// activity_options*.cpp): what flows along the graph, and the checks each part provides.
// Not a public API: the engine uses model/definition.hpp.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/definition.hpp"
#include "model/entity_schema.hpp"
#include "model/json_reader.hpp"
#include "model/problem.hpp"

namespace baton::detail {

using nlohmann::json;
using added_columns = std::map<std::string, std::optional<column_type>>;  // nullopt: any type

// What flows into (or out of) an activity.
struct flow {
  enum class kind {
    none,     // no population (below a root fork/wait/alert/test only)
    unknown,  // a population whose dimension is not known (no schema, or an upstream error)
    file,     // load_file rows: no dimension until reconciled
    entity,   // rows of an entity
  };
  kind k = kind::unknown;
  std::string entity_name;
  const entity* ent = nullptr;  // set when a schema is given and has the entity
  added_columns added;          // columns added upstream (enrichment attributes)
  bool open = false;            // other unknown columns may exist (after reconciliation, a join)
};

// What field names mean where a filter or a field is checked. Without `dim`, only the structure
// is checked.
struct filter_scope {
  const entity_schema* schema = nullptr;
  const entity* dim = nullptr;
  const added_columns* added = nullptr;
  bool open = false;
  const std::map<std::string, std::string>* variables = nullptr;
};
filter_scope scope_of(const flow& f, const entity_schema* schema,
                      const std::map<std::string, std::string>& variables);
// The scope of `where` clauses below a link: its target entity, no added columns.
filter_scope scope_below(const filter_scope& s, const entity* target);

// --- filter_check.cpp ---------------------------------------------------------------------

// A filter tree (INTERFACES.md §4 "Filters").
void check_filter(const json& f, const std::string& ptr, const filter_scope& s, problems& out);

struct checked_field {
  bool ok = false;                  // the path is well formed (and resolves, when it can)
  std::optional<column_type> type;  // known when resolved against a dimension
};
// A field PATH (`household.city`) of the scope's dimension, or a column added upstream.
checked_field check_field(const json& path, const std::string& ptr, const filter_scope& s,
                          problems& out);
// {"field": F, "direction": "asc"|"desc"}
void check_order_by(const json& j, const std::string& ptr, const filter_scope& s, problems& out);
// "op" and "value" of `node`, for a left-hand side of type `type` (nullopt: unknown).
void check_comparison(const json& node, const std::string& ptr, std::optional<column_type> type,
                      const filter_scope& s, problems& out);
// One value compared with a field of type `type`: a scalar, {"daysAgo": N} or {"variable": V}.
void check_value(const json& v, const std::string& ptr, std::optional<column_type> type,
                 const filter_scope& s, problems& out);
// A one-to-many link of the scope's dimension (for exists, aggregates, collected lines).
// `ok` is false when it was reported; `target` is null when it cannot be checked.
struct checked_link {
  bool ok = false;
  const entity* target = nullptr;
};
checked_link check_many_link(const json& name, const std::string& ptr, const filter_scope& s,
                             problems& out);
bool is_iso_date(const std::string& s);  // YYYY-MM-DD with a valid day

// An {"api": true} campaign (also when its schedule has other errors: its graph is checked by
// the api rules all the same).
inline bool is_api_campaign(const campaign_definition& def) {
  return def.schedule.k == schedule::kind::api ||
         (def.schedule_json.is_object() && def.schedule_json.contains("api"));
}
// Types an api campaign's graph may start at: they work on the triggered recipient(s).
inline bool can_start_api_flow(activity_type t) {
  return is_channel(t) || t == activity_type::enrichment || t == activity_type::test ||
         t == activity_type::split || t == activity_type::deduplication;
}

// --- graph_check.cpp ----------------------------------------------------------------------

// Where each parsed activity and transition was in the document (invalid ones are left out of
// the definition), and the ids of every activity given, valid or not.
struct positions {
  std::vector<std::size_t> activities, transitions;
  std::set<std::string> all_ids;
  std::set<std::string> broken_targets;  // `to` of transitions that could not be parsed
  bool transitions_incomplete = false;   // a transition without a readable `to`, or no list
  bool activities_incomplete = false;    // an activity without a readable id
};

struct campaign_graph {
  std::map<std::string, std::size_t> index;       // activity id -> activity position
  std::vector<std::vector<std::size_t>> inbound;  // per activity: its valid transitions
  std::vector<flow> input, output;                // per activity
  // Per activity: an invalid transition enters it, so its sources are not all known (checks that
  // count or name them are skipped rather than cascading).
  std::vector<bool> uncertain;
};
// Checks the transitions (names, outputs, duplicates), inbound counts, roots and cycles, then
// propagates dimensions through the graph (reporting inputs without population or mixed ones).
campaign_graph check_graph(const campaign_definition& def, const positions& pos,
                           const entity_schema* schema, problems& out);

// --- activity_options*.cpp ----------------------------------------------------------------

struct activity_context {
  const campaign_definition& def;
  const entity_schema* schema;
  const guardrails& limits;
  const flow& input;
  std::map<std::string, const flow*> sources;  // inbound source id -> what it sends
  std::vector<std::string> source_order;       // inbound source ids, in transition order
  bool sources_known = true;                   // false: an invalid transition enters too
  filter_scope scope;                          // of the input
};

// The options each type accepts (besides id, type, label, disabled, onError).
const std::vector<std::string>& allowed_options(activity_type t);
// Checks the options of `r` (a reader over the activity's JSON object) for its type.
void check_activity_options(json_reader& r, const activity& a, const activity_context& ctx);

// Checkers split across files, called by check_activity_options.
void check_targeting(json_reader& r, const activity& a, const activity_context& ctx);
void check_flow_control(json_reader& r, const activity& a, const activity_context& ctx);
void check_channel(json_reader& r, const activity& a, const activity_context& ctx);
void check_data(json_reader& r, const activity& a, const activity_context& ctx);

// An error policy: {"mode": ..., "maxConsecutiveErrors": K} or the mode alone as a string.
std::optional<error_policy> parse_error_policy(const json& j, const std::string& ptr,
                                               problems& out);

}  // namespace baton::detail
