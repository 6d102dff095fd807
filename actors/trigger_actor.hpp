// Private to actors/: the trigger actor of one {"api": true} campaign. The campaign actor checks
// a `trigger` command (live, recipient, context) and hands it here; this actor answers a repeated
// trigger id with the first result (from the log, or when the first is still in flight), groups
// the others into batches sent on a worker thread (one data-plane query, one connector write and
// sync), and records each as a trigger_handled event — concurrent appends share one WAL sync —
// before it answers: an acknowledged trigger is in the log.
#pragma once

#include <string>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/activity_runner.hpp"
#include "actors/api.hpp"
#include "model/campaign_state.hpp"
#include "model/lifecycle.hpp"

namespace baton {

using trigger_atom = caf::atom_constant<caf::atom("trigger")>;
using send_triggers_atom = caf::atom_constant<caf::atom("sendtrig")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;

// One trigger checked by the campaign actor, with what sending it needs.
struct trigger_order {
  trigger_job job;          // campaign, dimension, act, category, now; no triggers
  trigger_request request;  // the recipient, its context and the trigger id
  std::string actor, command_id;
};

// What the worker answers for a batch.
struct trigger_batch_done {
  std::optional<error> failure;  // the whole batch failed
  std::vector<trigger_result> results;
};

// Checks a `trigger` command to an api campaign and makes the order: the campaign is live (else
// refused), `recipient` is given and `body` (the context) is a JSON object within limits (else
// validation), the graph starts at one activity (a channel activity: the fast path; enrichment,
// test, split or deduplication: the graph path, job.graph set). A missing `triggerId` gets a
// random one.
result<trigger_order> make_trigger_order(const campaign_state& st, const api_command& cmd,
                                         const command_context& c);

// The reply of `campaign trigger --json` (INTERFACES.md §10).
nlohmann::json trigger_reply(const std::string& trigger_id, const trigger_result& r,
                             bool duplicate);

}  // namespace baton

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(baton::trigger_order)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(baton::trigger_job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(baton::trigger_batch_done)

namespace baton {

using proof_atom = caf::atom_constant<caf::atom("proof")>;

// Checks a `proof` command (args: activity, to = comma-separated seed addresses, sample,
// subjectPrefix) and makes the job: a channel activity of the campaign (not_found otherwise),
// whose population the last run that reached it computed (refused when none did: a test run of
// the draft computes it). Any status but deleted; the manager role.
result<proof_job> make_proof_job(const campaign_state& st, const api_command& cmd,
                                 const command_context& c);

// A one-shot worker: answers (proof_atom, proof_job) with the JSON reply of `campaign proof`
// (or the error), then ends.
caf::actor spawn_proof_worker(caf::local_actor* parent, std::shared_ptr<activity_runner> runner);

}  // namespace baton

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(baton::proof_job)
