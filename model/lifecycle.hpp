// The campaign lifecycle as decisions: each function takes the folded state and a command and
// returns the events that carry it out, or a refusal (errc::refused with the rule that applies,
// errc::not_found for a campaign that does not exist). Nothing here changes state: the events
// do, through apply(). `advance` is the engine's own step: skip, start, finish, schedule.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "events/campaign_events.hpp"
#include "model/campaign_state.hpp"
#include "model/config.hpp"

namespace baton {

struct command_context {
  std::string actor;
  role who = role::admin;
  time_us now = 0;
  bool require_approval = false;  // security.requireApproval: only approved drafts publish
};

using decision = result<std::vector<ev::campaign_event>>;

// The outcome of running one activity (what a task actor reports).
struct task_outcome {
  std::uint64_t count_in = 0;
  std::vector<ev::population> outputs;
  std::vector<std::string> logs;
  std::optional<ev::alert_raised> alert;  // alert activity
  std::optional<ev::signal_sent> signal;  // end activity that signalled another campaign
  // A channel activity between two waves: not done; run it again (it resumes from its last
  // durable progress) at this instant.
  std::optional<time_us> resume_at;
  std::string resume_reason = "wave";  // why it waits: "wave", "quiet_hours", "experiment"
  // An experiment's choice: recorded (with the wait resume_at asks for) before the rest is sent.
  std::optional<ev::variant_chosen> chosen;
  // The engine is stopping: the activity stopped where it stood after making what it had done
  // durable. Nothing is recorded for the task, which stays running in the log and runs again
  // (resuming from its last durable progress) when an engine next opens the data dir.
  bool interrupted = false;
};

// `definition_json` must already have been validated (validate_campaign).
decision decide_create(const campaign_state& s, const std::string& id,
                       const std::string& definition_json, const std::string& duplicated_from,
                       const command_context& c);
decision decide_update(const campaign_state& s, const std::string& definition_json,
                       const command_context& c);
decision decide_publish(const campaign_state& s, const command_context& c);
decision decide_test(const campaign_state& s, const command_context& c);
decision decide_pause(const campaign_state& s, const command_context& c);
decision decide_resume(const campaign_state& s, const command_context& c);
decision decide_stop(const campaign_state& s, const command_context& c);
decision decide_close(const campaign_state& s, const command_context& c);
decision decide_back_to_draft(const campaign_state& s, const command_context& c);
decision decide_archive(const campaign_state& s, const command_context& c);
decision decide_delete(const campaign_state& s, const command_context& c);
// The approval flow (INTERFACES.md §8): `verb` submit (a manager; the draft becomes read-only),
// approve (an approver who is not the author) or reject (an approver; `reason` required).
decision decide_approval(const campaign_state& s, const std::string& verb,
                         const std::string& reason, const command_context& c);
// `campaign edit` (model/lifecycle_versions.cpp): a draft is replaced (as decide_update); a
// published (live, scheduled, paused) recurring campaign gets definition version N+1, applying
// from its next run — or, with require_approval, a proposed version that an approver other than
// its author approves. Stopped, closed, completed and archived campaigns refuse (errc::refused).
// `definition_json` must already have been validated.
decision decide_edit(const campaign_state& s, const std::string& definition_json,
                     const command_context& c);
// approve / reject (submit refuses) of a version proposed for a published campaign.
decision decide_version_approval(const campaign_state& s, const std::string& verb,
                                 const std::string& reason, const command_context& c);
// Who may duplicate (any status): checks only existence and role.
decision decide_duplicate(const campaign_state& s, const command_context& c);
// Starts a run now on a live or scheduled campaign with none in progress ("run once now").
decision decide_start(const campaign_state& s, const command_context& c);
decision decide_confirm(const campaign_state& s, const std::string& activity,
                        const command_context& c);
decision decide_trigger(const campaign_state& s, const ev::variables& vars,
                        const std::string& source, const command_context& c);

// Engine decisions about the tasks of the active run. The result of a task that the end of its
// run cancelled is ignored: no events, no error.
decision decide_task_done(const campaign_state& s, std::uint32_t run, const std::string& activity,
                          const task_outcome& o, const command_context& c);
decision decide_task_failed(const campaign_state& s, std::uint32_t run, const std::string& activity,
                            const std::string& message, const command_context& c);
// Feedback on sent messages (delivered, bounced, opened, clicked, unsubscribed); repeats of an
// already recorded (message, event, time) are dropped.
decision decide_feedback(const campaign_state& s, const std::vector<ev::feedback_received>& items,
                         const command_context& c);
// A channel activity's batch is durably handled (recorded before the next batch is sent).
decision decide_progress(const campaign_state& s, const ev::delivery_progress& p,
                         const command_context& c);
decision decide_wait_elapsed(const campaign_state& s, std::uint32_t run,
                             const std::string& activity, const command_context& c);

// The next step of the campaign at `now`: skips and task starts for the active run, its end,
// and the start of a due scheduled or signalled run. Empty when there is nothing to do.
std::vector<ev::campaign_event> advance(const campaign_state& s, time_us now);

// The events that end run `r` with `status` (completed, failed, stopped): a task_cancelled for
// every task that has not ended — except `failing`, whose task_failed is in the same append —
// then the run_ended. A run never ends with a task left pending or running.
void append_run_end(const run_state& r, const std::string& status, const std::string& error,
                    time_us next_run_us, std::vector<ev::campaign_event>& out,
                    const std::string& failing = "");

// The policy that applies to an activity (its own onError, else the campaign's).
error_policy policy_for(const campaign_definition& def, const std::string& activity);

}  // namespace baton
