// A campaign as the fold of its event stream: status, definition, error marker, runs and the
// tasks of each run. `apply` is the only way this state changes — the engine's campaign actors
// and baton-replay call the same function, one applier per event type and version.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/campaign_events.hpp"
#include "events/event.hpp"
#include "model/definition.hpp"
#include "model/feedback_keys.hpp"

namespace baton {

enum class campaign_status {
  none,
  draft,
  scheduled,
  live,
  paused,
  stopped,
  completed,
  closed,
  archived,
  deleted
};
const char* to_string(campaign_status s);
bool parse_campaign_status(const std::string& s, campaign_status& out);

// `cancelled`: the run ended (failed, stopped) before the task did (task_cancelled).
enum class task_status { pending, running, needs_confirmation, done, failed, skipped, cancelled };
const char* to_string(task_status s);
inline bool is_terminal(task_status s) {
  return s == task_status::done || s == task_status::failed || s == task_status::skipped ||
         s == task_status::cancelled;
}

struct task_state {
  std::string activity;
  task_status status = task_status::pending;
  std::uint32_t attempt = 0;
  time_us started_at = 0, ended_at = 0;
  std::uint64_t count_in = 0;
  std::vector<ev::population> outputs;  // emitted outputs (done)
  std::string error;                    // failed
  std::string policy;                   // failed: the policy that applied
  std::string skip_reason;              // skipped
  std::string cancel_reason;            // cancelled: why the run ended under it
  bool pass_through = false;            // skipped, but its input flows on (test-run save_audience)
  time_us wait_until = 0;               // a wait activity, or a channel between waves
  std::string wait_reason;              // "wait" or "wave" while wait_until is set
  std::optional<ev::delivery_progress> progress;  // a channel activity's last durable batch
  std::string chosen_variant;  // an experiment's winner (variant_chosen), "" before the choice
  bool confirmed = false;
  std::vector<std::string> logs;
};

struct run_state {
  std::uint32_t number = 0;
  std::uint32_t version = 1;  // the definition version it runs (a log without versions: 1)
  bool test = false;
  std::string trigger;
  ev::variables vars;
  std::string status = "running";  // running, completed, failed, stopped
  std::string error;
  time_us started_at = 0, ended_at = 0;
  std::map<std::string, task_state> tasks;                 // by activity id
  std::map<std::string, std::uint64_t> transition_counts;  // "from|output|to" -> count
  int consecutive_errors = 0;
  bool active() const { return status == "running"; }
  const task_state* task(const std::string& activity) const;
};

struct error_marker {
  std::string activity, message;
  std::uint32_t run = 0;
};

struct alert_record {
  std::uint32_t run = 0;
  std::string activity, title, message;
  time_us at = 0;
};

// Feedback on one channel activity's messages (reports, PRODUCT.md §3).
struct feedback_tally {
  std::map<std::string, std::uint64_t> total;           // event -> how many reported
  std::map<std::string, std::set<std::string>> unique;  // event -> distinct message ids
  bool operator==(const feedback_tally&) const = default;
};

// Where a draft stands in the approval flow (INTERFACES.md §8): `author` submitted it; `by` and
// `at` are who did the last step (submit, approve, reject) and when.
struct approval_record {
  std::string state;  // submitted, approved, rejected
  std::string by, author, reason;
  time_us at = 0;
  bool operator==(const approval_record&) const = default;
};

// One version of the definition (INTERFACES.md §10): 1 at create (an edit of a draft replaces
// the latest version), +1 per edit of a published campaign.
struct definition_version {
  std::uint32_t version = 0;
  std::string definition;  // canonical JSON
  time_us created_at = 0;
  std::string created_by;
  bool operator==(const definition_version&) const = default;
};

struct campaign_state {
  std::string id;
  std::uint64_t version = 0;      // stream events folded
  std::uint64_t last_global = 0;  // global sequence of the last folded event
  campaign_status status = campaign_status::none;
  campaign_status status_before_pause = campaign_status::none;
  std::string definition_json;             // as created/updated
  std::optional<campaign_definition> def;  // parsed form (always set once created)
  std::string duplicated_from;
  std::string created_by;
  time_us created_at = 0, updated_at = 0;
  std::optional<error_marker> error;
  std::vector<run_state> runs;  // runs[i].number == i + 1
  time_us next_run = 0;         // 0 = none planned
  bool published = false;
  std::deque<ev::variables> pending_signals;  // signals that arrived during a run
  std::vector<alert_record> alerts;
  std::map<std::string, feedback_tally> feedback;  // by channel activity id
  feedback_keys feedback_seen;      // one key per "message|event|at" counted: a repeat is not
  std::uint32_t retained_upto = 0;  // runs 1..this are past retention (run_data_dropped)
  std::optional<approval_record> approval;  // none until submitted; an edit clears it
  // Every version of the definition, oldest first (versions[i].version == i + 1). `def` and
  // `definition_json` are version `def_version`, the one in force: a version made during a run
  // waits for that run's end (the run finishes on its own version).
  std::vector<definition_version> versions;
  std::uint32_t def_version = 0;
  std::optional<std::string> proposed;  // an edit of a published campaign awaiting approval

  bool exists() const { return status != campaign_status::none; }
  run_state* active_run();
  const run_state* active_run() const;
  const run_state* last_run() const { return runs.empty() ? nullptr : &runs.back(); }
  bool any_run_completed() const;  // a non-test run ended completed
  bool recurring() const;          // cron or signal schedule
  std::uint32_t latest_version() const { return static_cast<std::uint32_t>(versions.size()); }
  // The definition version `v` (1-based), or nullptr when there is none.
  const definition_version* version_of(std::uint32_t v) const {
    return v >= 1 && v <= versions.size() ? &versions[v - 1] : nullptr;
  }
};

// Folds one event (already upcast by the catalog) into the state. Events of other streams or
// types are errors; so is a campaign event that does not fit (e.g. a task of an unknown run),
// which means the log and the code disagree.
status apply(campaign_state& s, const event& e);
// The typed form, for the engine which already holds the typed events it just appended.
status apply(campaign_state& s, const ev::campaign_event& ce, const event& envelope);

// Serialises the whole state (for snapshots; format 1) and reads it back.
std::string encode_state(const campaign_state& s);
result<campaign_state> decode_state(const std::string& bytes);

}  // namespace baton
