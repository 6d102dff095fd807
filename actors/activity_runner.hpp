// How a task actor gets an activity done: an activity_runner runs one activity (blocking is
// allowed: it is called on a worker thread, never on a scheduler thread). Running the same
// (campaign, run, activity) again must give the same outcome — recovery re-runs tasks.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/flow_activities.hpp"

namespace baton {

// API triggers of an {"api": true} campaign (INTERFACES.md §10): one recipient each, sent
// through a channel activity without worktables (the fast path), or through the activities
// that work on a population first (the graph path: a one-row worktable per trigger).
struct trigger_request {
  std::string trigger_id, recipient;
  nlohmann::json context = nlohmann::json::object();  // rendered as {{context.PATH}}
  // The graph path: the columns the recipient's row gained upstream (they override the entity's).
  nlohmann::json columns = nlohmann::json::object();
};
struct trigger_result {
  std::optional<error> failure;  // not_found: no such recipient; failed: the send failed
  std::string message_id;        // make_message_id(campaign, 0, activity, "trigger:" + id)
  std::string status;            // sent | excluded
  std::string excluded;          // the reason when excluded
  std::string activity;          // the channel activity that sent ("" = the job's)
};
struct trigger_job {
  std::string campaign, dimension;
  activity act;          // the channel activity that sends (the graph path: the root)
  std::string category;  // the campaign's: marketing | transactional
  // Set when the graph starts at a population activity (enrichment, test, split,
  // deduplication): the definition whose graph each trigger runs.
  std::shared_ptr<const campaign_definition> graph;
  time_us now = 0;
  std::vector<trigger_request> triggers;
  // Whether a trigger id's result is in the log (its trigger_handled event is durable): the
  // send journal of the triggers (connectors but the file outbox) forgets those. Empty: never.
  std::function<result<bool>(const std::string& trigger_id)> recorded;
};

// Proofs of a channel activity (INTERFACES.md §10): its real rendering for `sample` recipients
// of its population (the input of a run: a test run of a draft computes it), sent to seed
// addresses and marked as proofs.
struct proof_job {
  std::string campaign;
  std::uint32_t run = 0;  // the run whose population is sampled
  activity act;
  ev::population population;
  int sample = 1;
  std::vector<std::string> to;  // seed addresses
  std::string subject_prefix;
  time_us now = 0;
};
struct proof_sent {
  std::string message_id, recipient, address;
};

class activity_runner {
 public:
  virtual ~activity_runner() = default;
  virtual result<task_outcome> run(const task_input& in) = 0;
  // Retention: drops what runs 1..`last_run` of the campaign left in the data plane (their
  // worktables); returns how many tables went. Idempotent; a runner without a data plane has none.
  virtual result<std::uint64_t> drop_run_data(const std::string& campaign, std::uint32_t last_run) {
    (void)campaign;
    (void)last_run;
    return std::uint64_t{0};
  }
  // Sends the triggers of `job` (blocking): one result per trigger, in order. Each message goes
  // through the connector's exactly-once path: a trigger sent again (after a crash) carries the
  // same message id. Runners without channels refuse.
  virtual result<std::vector<trigger_result>> send_triggers(const trigger_job& job) {
    (void)job;
    return make_error(errc::failed, "trigger", "this engine has no channel runner");
  }
  // The graph path of `job` (job.graph set), blocking: each trigger's recipient as a one-row
  // population runs through the graph's activities by `top` (the whole runner chain) until a
  // channel activity, which sends it as the fast path does. Runners without channels refuse.
  virtual result<std::vector<trigger_result>> send_graph_triggers(const trigger_job& job,
                                                                  activity_runner& top) {
    (void)job;
    (void)top;
    return make_error(errc::failed, "trigger", "this engine has no channel runner");
  }
  // Renders and sends the proofs of `job` (blocking); nothing of it counts in reports.
  virtual result<std::vector<proof_sent>> send_proofs(const proof_job& job) {
    (void)job;
    return make_error(errc::failed, "proof", "this engine has no channel runner");
  }
};

// Runs the flow-control activities; every other type is refused with a clear error until its
// layer (data plane, channels) provides a runner. `next` handles what this one does not.
std::shared_ptr<activity_runner> make_flow_runner(std::shared_ptr<activity_runner> next = nullptr);

}  // namespace baton
