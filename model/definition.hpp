// A campaign definition (INTERFACES.md §4): its settings, activities and transitions, and the
// validator that reports EVERY problem with its JSON pointer. A definition returned by the
// validator has no error: its graph is a DAG whose transitions name real outputs, and its options
// follow §4.1 (and the entity schema, when one is given).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/result.hpp"
#include "model/entity_schema.hpp"
#include "model/problem.hpp"
#include "model/schedule.hpp"
#include "model/time.hpp"

namespace baton {

// The 25 activity types of §4.1, in the order of that table.
enum class activity_type {
  build_audience,
  read_audience,
  incremental_query,
  change_dimension,
  combine,
  deduplication,
  enrichment,
  reconciliation,
  split,
  save_audience,
  fork,
  and_join,
  test,
  wait,
  end,
  alert,
  email,
  sms,
  push,
  load_file,
  update_data,
};
const char* to_string(activity_type t);
std::optional<activity_type> activity_type_from_string(std::string_view s);
const std::vector<std::string>& activity_type_names();
bool is_channel(activity_type t);  // email, sms, push
// Types that produce a population without needing one: build_audience, read_audience,
// incremental_query, load_file.
bool is_population_source(activity_type t);
// Types allowed to have no inbound transition: the population sources, plus fork, wait, alert
// and test (a test at a root may only test variables; it has no population to count).
bool can_start_flow(activity_type t);

enum class error_mode { suspend, ignore, abort };
const char* to_string(error_mode m);

struct error_policy {
  error_mode mode = error_mode::suspend;
  std::int64_t max_consecutive_errors =
      0;  // with `ignore`: stop after K errors in a row; 0 = never
  bool operator==(const error_policy&) const = default;
};

struct activity {
  std::string id;
  activity_type type = activity_type::build_audience;
  std::string label;
  bool disabled = false;
  std::optional<error_policy> on_error;  // overrides the campaign's policy
  // The type-specific options of §4.1: every member of the activity's JSON object except id,
  // type, label, disabled and onError, as given (defaults are not filled in).
  nlohmann::json options = nlohmann::json::object();
  bool operator==(const activity&) const = default;
};

// The names of the outputs of an activity, in order (INTERFACES.md §4 and §4.1): split subset
// names then `complement` when enabled; test condition names then `default` unless
// "default": false; fork branches; combine/deduplication `out` then `complement` when enabled;
// load_file/update_data `out`, `rejects`; end none; every other type `out`.
std::vector<std::string> outputs_of(const activity& a);

struct transition {
  std::string from;
  std::string output = "out";
  std::string to;
  bool operator==(const transition&) const = default;
};

struct campaign_definition {
  std::string name;
  std::string description;
  std::string dimension;  // the targeting dimension (an entity name)
  // The "schedule" member as given (null when absent = as soon as possible) and its parsed form.
  nlohmann::json schedule_json;
  baton::schedule schedule;
  // "marketing" or "transactional" ("" = not given): required by, and only allowed with, an
  // {"api": true} schedule; the default category of its channel activities.
  std::string category;
  error_policy errors;
  // `controlGroup` of the campaign (null when absent): the hold-out of each channel activity
  // that has no controlGroup of its own.
  nlohmann::json control_group;
  std::map<std::string, std::string> variables;
  std::vector<activity> activities;
  std::vector<transition> transitions;

  const activity* find_activity(std::string_view id) const;
  // The ids of the activities whose transitions enter `id`, in transition order (may repeat).
  std::vector<std::string> sources_of(std::string_view id) const;
  // The JSON form of §4; validating it gives back an equal definition.
  nlohmann::json to_json() const;
};

// Columns the enrichments of one campaign may add to its populations (each attribute one, a
// collect of N lines N per field plus one): with k_max_entity_columns they stay under
// PostgreSQL's 1600 columns per table.
inline constexpr std::size_t k_max_added_columns = 500;

// Where a campaign will run, from the engine's config: validation then also refuses what would
// only fail at run time.
struct run_environment {
  // Channel names with a configured connector. email, sms and push always have one (they fall
  // back to the file outbox); a channel activity naming anything else must be listed here.
  std::set<std::string> channels;
  // load_file reads only below this directory; a `path` that leaves it is refused. "" = unknown.
  std::string import_dir;
};

// Configurable limits (PRODUCT.md §5). The schedule interval is a warning, the others errors.
struct guardrails {
  std::optional<run_environment> env;  // unknown (nothing checked against it) when unset
  std::size_t max_activities = 500;
  std::size_t max_channel_activities = 10;
  duration_us min_schedule_interval = 15 * us_per_minute;
  std::int64_t min_throttle = 1, max_throttle = 2000;  // messages per second
  std::int64_t min_waves = 2, max_waves = 10;
  duration_us min_wave_interval = 30 * us_per_minute;
};

// The definition (only when there is no error; warnings may remain) and every problem found.
struct campaign_validation {
  std::optional<campaign_definition> definition;
  problems issues;
  bool ok() const { return definition.has_value(); }
};

// Validates a campaign document. With a schema, the dimension, fields, links, operators and
// values are also checked against the entities; without one, only the structure is.
// Rules beyond §4.1 (where the contract is silent):
// - required: name, dimension, a non-empty activities list; transitions may be absent (= []).
// - a missing required member is reported at the pointer it would have (".../subject").
// - roots (no inbound transition) must be can_start_flow(); below a root fork/wait/alert/test
//   there is no population until a population source, so e.g. an email there is an error and a
//   test there may only test variables.
// - what flows: build_audience/incremental_query emit their `dimension` (default: the
//   campaign's), read_audience the campaign's, change_dimension its `to`, reconciliation its
//   `dimension`, load_file file rows (no dimension: filters on them are checked for structure
//   only, channels and change_dimension refuse them); other types pass their input on, and
//   enrichment adds its attributes as fields (typed when the schema tells).
// - several inbound transitions only into combine (>= 2, distinct sources, same dimension),
//   and_join (1 is a warning) and enrichment with join (exactly 2).
// - onError / errorPolicy: {"mode", "maxConsecutiveErrors"} or the mode alone as a string.
// - channels: category defaults to marketing; a marketing send to an entity without a consent
//   column for the channel is a warning; an entity without an address for it is an error.
// - a member given twice in one JSON object is an error.
// - {"api": true} schedules: a campaign `category` is required (a channel activity may not
//   contradict it); roots are channel activities or enrichment, test, split, deduplication,
//   which receive the triggered recipient(s) as rows of the campaign's dimension; population
//   sources (build_audience, read_audience, incremental_query, load_file) are refused.
// - with g.env: a channel activity's channel must have a connector, a load_file path must stay
//   inside the import directory (checked on the path's text: `..` and absolute paths).
campaign_validation validate_campaign(std::string_view json_text, const entity_schema* schema,
                                      const guardrails& g = {});
// The same for a document already parsed (e.g. a stored definition).
campaign_validation parse_campaign_json(const nlohmann::json& doc,
                                        const entity_schema* schema = nullptr,
                                        const guardrails& g = {});

// Reads a definition already stored in an event or a snapshot. It was validated against the
// limits of its day, so none of today's guardrails is applied (every limit wide open, no run
// environment): tightening a guardrail never makes an old campaign unreadable. Only a document
// whose structure cannot be read at all is an error (the first problem).
result<campaign_definition> read_stored_definition(std::string_view json_text);

}  // namespace baton
