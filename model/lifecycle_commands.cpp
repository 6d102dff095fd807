// The user-facing lifecycle rules of PRODUCT.md §1 (statuses, publish, pause/resume, stop,
// close, back-to-draft, archive, delete, duplicate, confirm, trigger) and the role checks of §6.
#include "model/lifecycle.hpp"
#include "model/schedule.hpp"

namespace baton {

namespace {

using cs = campaign_status;
using events = std::vector<ev::campaign_event>;

error refused(const std::string& what) {
  return make_error(errc::refused, "", what);
}

std::optional<error> must_exist(const campaign_state& s) {
  if (!s.exists() || s.status == cs::deleted)
    return make_error(errc::not_found, s.id, "no such campaign");
  return std::nullopt;
}

// Who may do what (PRODUCT.md §6): viewers read only; managers edit and test; approvers and
// admins also publish and operate published campaigns.
// The refusal says the command as typed (INTERFACES.md §8): "campaign publish".
std::optional<error> must_be(const command_context& c, role at_least, const char* verb) {
  return check_role(c.actor, c.who, at_least, std::string("campaign ") + verb);
}

std::string status_word(const campaign_state& s) {
  return to_string(s.status);
}

ev::variables run_vars(const campaign_state& s, const ev::variables& extra) {
  ev::variables v = s.def->variables;
  for (auto& [k, val] : extra) v[k] = val;
  return v;
}

time_us next_slot(const campaign_state& s, time_us now) {
  auto n = next_runs(s.def->schedule, now, 1);
  return n.empty() ? 0 : n.front();
}

}  // namespace

decision decide_create(const campaign_state& s, const std::string& id,
                       const std::string& definition_json, const std::string& duplicated_from,
                       const command_context& c) {
  if (auto e = must_be(c, role::manager, "create")) return *e;
  if (s.exists()) return make_error(errc::conflict, id, "campaign already exists");
  return events{ev::campaign_created{id, definition_json, duplicated_from}};
}

decision decide_update(const campaign_state& s, const std::string& definition_json,
                       const command_context& c) {
  if (auto e = must_exist(s)) return *e;
  if (auto e = must_be(c, role::manager, "update")) return *e;
  if (s.status != cs::draft)
    return refused("only a draft can be edited; this campaign is " + status_word(s) +
                   " (duplicate it to change it)");
  if (s.active_run()) return refused("a test run is in progress; stop it first");
  if (s.approval && s.approval->state == "submitted")
    return refused(
        "the draft is submitted for approval and read-only until it is approved or "
        "rejected");
  return events{ev::campaign_updated{definition_json}};
}

decision decide_publish(const campaign_state& s, const command_context& c) {
  if (auto e = must_exist(s)) return *e;
  if (auto e = must_be(c, role::approver, "publish")) return *e;
  if (s.status != cs::draft)
    return refused("only a draft can be published; this campaign is " + status_word(s));
  if (s.active_run()) return refused("a test run is in progress; stop it or wait for it first");
  if (c.require_approval && (!s.approval || s.approval->state != "approved"))
    return refused(std::string("publishing needs an approved draft (security.requireApproval); "
                               "this one is ") +
                   (s.approval ? s.approval->state : "not submitted") +
                   ": `batonctl campaign submit`, then an approver's `campaign approve`");
  auto& sch = s.def->schedule;
  switch (sch.k) {
    case schedule::kind::asap:
      return events{ev::campaign_published{"live", 0},
                    ev::run_started{static_cast<std::uint32_t>(s.runs.size() + 1), false, "start",
                                    run_vars(s, {})}};
    case schedule::kind::at:
      if (sch.at <= c.now)  // a past instant has no later slot: run now
        return events{ev::campaign_published{"live", 0},
                      ev::run_started{static_cast<std::uint32_t>(s.runs.size() + 1), false, "start",
                                      run_vars(s, {})}};
      return events{ev::campaign_published{"scheduled", sch.at}};
    case schedule::kind::cron: {
      auto next = next_slot(s, c.now);
      if (next == 0) return refused("the schedule has no run left in its validity window");
      return events{ev::campaign_published{"scheduled", next}};
    }
    case schedule::kind::signal:
    case schedule::kind::api:
      return events{ev::campaign_published{"live", 0}};
  }
  return refused("unknown schedule");
}

decision decide_test(const campaign_state& s, const command_context& c) {
  if (auto e = must_exist(s)) return *e;
  if (auto e = must_be(c, role::manager, "test")) return *e;
  if (s.status != cs::draft)
    return refused("test runs are for drafts; this campaign is " + status_word(s));
  if (s.active_run()) return refused("a test run is already in progress");
  if (s.def->schedule.k == schedule::kind::api)
    return refused(
        "an api campaign has no population to test: check its rendering with "
        "`batonctl campaign proof` or trigger it once published");
  return events{ev::run_started{static_cast<std::uint32_t>(s.runs.size() + 1), true, "test",
                                run_vars(s, {})}};
}

decision decide_pause(const campaign_state& s, const command_context& c) {
  if (auto e = must_exist(s)) return *e;
  if (auto e = must_be(c, role::approver, "pause")) return *e;
  if (s.status != cs::live && s.status != cs::scheduled && s.status != cs::closed)
    return refused("only a live, scheduled or closing campaign can be paused; this one is " +
                   status_word(s));
  return events{ev::campaign_status_changed{"paused", "pause"}};
}

decision decide_resume(const campaign_state& s, const command_context& c) {
  if (auto e = must_exist(s)) return *e;
  if (auto e = must_be(c, role::approver, "resume")) return *e;
  if (s.status != cs::paused)
    return refused("only a paused campaign can be resumed; this one is " + status_word(s));
  auto back = s.status_before_pause == cs::none ? cs::live : s.status_before_pause;
  events out{ev::campaign_status_changed{to_string(back), "resume"}};
  // A one-shot campaign whose run was aborted starts again from the beginning.
  bool one_shot = !s.recurring();
  auto* last = s.last_run();
  if (!s.active_run() && one_shot && last && !last->test && last->status == "failed" &&
      !s.any_run_completed())
    out.push_back(ev::run_started{static_cast<std::uint32_t>(s.runs.size() + 1), false, "resume",
                                  run_vars(s, {})});
  return out;
}

decision decide_stop(const campaign_state& s, const command_context& c) {
  if (auto e = must_exist(s)) return *e;
  auto* run = s.active_run();
  if (s.status == cs::draft) {  // stops a test run; the campaign stays a draft
    if (auto e = must_be(c, role::manager, "stop")) return *e;
    if (!run) return refused("nothing to stop: the draft has no test run in progress");
    events out;
    append_run_end(*run, "stopped", "stopped by " + c.actor, 0, out);
    return out;
  }
  if (auto e = must_be(c, role::approver, "stop")) return *e;
  if (s.status != cs::live && s.status != cs::scheduled && s.status != cs::paused &&
      s.status != cs::closed)
    return refused(
        "only a live, scheduled, paused or closing campaign can be stopped; this one is " +
        status_word(s));
  events out;
  if (run) append_run_end(*run, "stopped", "stopped by " + c.actor, 0, out);
  out.push_back(ev::campaign_status_changed{"stopped", "stop"});
  return out;
}

decision decide_close(const campaign_state& s, const command_context& c) {
  if (auto e = must_exist(s)) return *e;
  if (auto e = must_be(c, role::approver, "close")) return *e;
  if (!s.recurring()) return refused("only recurring (cron or signal) campaigns can be closed");
  if (s.status != cs::live && s.status != cs::scheduled && s.status != cs::paused)
    return refused("only a live, scheduled or paused campaign can be closed; this one is " +
                   status_word(s));
  if (s.active_run()) return events{ev::campaign_status_changed{"closed", "close"}};
  return events{ev::campaign_status_changed{"completed", "close"}};
}

decision decide_back_to_draft(const campaign_state& s, const command_context& c) {
  if (auto e = must_exist(s)) return *e;
  if (auto e = must_be(c, role::approver, "back-to-draft")) return *e;
  if (s.status != cs::live && s.status != cs::scheduled && s.status != cs::paused)
    return refused("back to draft needs a live, scheduled or paused campaign; this one is " +
                   status_word(s));
  if (s.any_run_completed())
    return refused("a run has already completed; duplicate the campaign instead");
  events out;
  if (auto* run = s.active_run()) append_run_end(*run, "stopped", "back to draft", 0, out);
  out.push_back(ev::campaign_status_changed{"draft", "back-to-draft"});
  return out;
}

decision decide_archive(const campaign_state& s, const command_context& c) {
  if (auto e = must_exist(s)) return *e;
  if (auto e = must_be(c, role::approver, "archive")) return *e;
  if (s.status == cs::draft) return refused("a draft cannot be archived (delete it instead)");
  if (s.status == cs::archived) return refused("already archived");
  if (s.active_run()) return refused("a run is in progress; stop the campaign first");
  return events{ev::campaign_status_changed{"archived", "archive"}};
}

decision decide_delete(const campaign_state& s, const command_context& c) {
  if (auto e = must_exist(s)) return *e;
  if (auto e = must_be(c, role::manager, "delete")) return *e;
  if (s.status != cs::draft)
    return refused("only a draft can be deleted; this campaign is " + status_word(s));
  if (s.active_run()) return refused("a test run is in progress; stop it first");
  return events{ev::campaign_status_changed{"deleted", "delete"}};
}

decision decide_duplicate(const campaign_state& s, const command_context& c) {
  if (auto e = must_exist(s)) return *e;
  if (auto e = must_be(c, role::manager, "duplicate")) return *e;
  return events{};
}

decision decide_confirm(const campaign_state& s, const std::string& activity,
                        const command_context& c) {
  if (auto e = must_exist(s)) return *e;
  if (auto e = must_be(c, role::approver, "confirm")) return *e;
  auto* run = s.active_run();
  auto* t = run ? run->task(activity) : nullptr;
  if (!t || t->status != task_status::needs_confirmation)
    return refused("activity '" + activity + "' is not waiting for a send confirmation");
  return events{ev::confirmation_given{run->number, activity}};
}

decision decide_trigger(const campaign_state& s, const ev::variables& vars,
                        const std::string& source, const command_context& c) {
  if (auto e = must_exist(s)) return *e;
  if (auto e = must_be(c, role::approver, "trigger")) return *e;
  if (s.def->schedule.k != schedule::kind::signal)
    return refused("campaign is not triggered by signals");
  if (s.status != cs::live)
    return refused("a signal needs a live campaign; this one is " + status_word(s));
  // During a run, or behind signals still waiting for theirs, the signal queues; advance starts
  // the queued runs in arrival order.
  if (s.active_run() || !s.pending_signals.empty())
    return events{ev::signal_received{vars, source}};
  return events{ev::signal_received{vars, source},
                ev::run_started{static_cast<std::uint32_t>(s.runs.size() + 1), false, "signal",
                                run_vars(s, vars)}};
}

}  // namespace baton
