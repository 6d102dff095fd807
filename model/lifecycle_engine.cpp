// The engine's own decisions: what a finished, failed or waiting task leads to (error policies
// of PRODUCT.md §1), and `advance`, which skips, starts and ends tasks and runs.
#include <optional>

#include "model/lifecycle.hpp"
#include "model/planner.hpp"
#include "model/schedule.hpp"

namespace baton {

namespace {

using cs = campaign_status;
using events = std::vector<ev::campaign_event>;

error refused(const std::string& what) {
  return make_error(errc::refused, "", what);
}

result<const run_state*> running_task(const campaign_state& s, std::uint32_t run,
                                      const std::string& activity) {
  auto* r = s.active_run();
  if (!r || r->number != run) return refused("run " + std::to_string(run) + " is not in progress");
  auto* t = r->task(activity);
  if (!t || t->status != task_status::running)
    return refused("task " + activity + " of run " + std::to_string(run) + " is not running");
  return r;
}

// A task that the end of its run cancelled: its late result changes nothing.
bool was_cancelled(const campaign_state& s, std::uint32_t run, const std::string& activity) {
  if (run == 0 || run > s.runs.size()) return false;
  auto* t = s.runs[run - 1].task(activity);
  return t && t->status == task_status::cancelled;
}

std::vector<const transition*> outbound(const campaign_definition& def, const std::string& id) {
  std::vector<const transition*> out;
  for (auto& t : def.transitions)
    if (t.from == id) out.push_back(&t);
  return out;
}

bool needs_confirmation(const campaign_state& s, const run_state& r, const activity& a) {
  return is_channel(a.type) && !r.test && !s.recurring() && a.options.value("confirm", false);
}

std::uint64_t count_in(const campaign_definition& def, const run_state& r, const activity& a) {
  auto inputs = inputs_of(def, r, a.id);
  if (a.type == activity_type::and_join && a.options.contains("primary")) {
    for (auto& [src, p] : inputs)
      if (src == a.options["primary"]) return p.count;
  }
  if (a.type == activity_type::and_join && !inputs.empty()) return inputs.front().second.count;
  std::uint64_t n = 0;
  for (auto& [src, p] : inputs) n += p.count;
  return n;
}

void start_task(const campaign_state& s, const run_state& r, const activity& a, time_us now,
                events& out) {
  auto* t = r.task(a.id);
  if (needs_confirmation(s, r, a) && !(t && t->confirmed)) {
    out.push_back(ev::task_waiting{r.number, a.id, 0, "needs-confirmation"});
    return;
  }
  std::uint32_t attempt = (t ? t->attempt : 0) + 1;
  out.push_back(ev::task_started{r.number, a.id, attempt, count_in(*s.def, r, a)});
  if (a.type == activity_type::wait) {
    auto d = parse_duration(a.options.value("duration", "PT0S"));
    out.push_back(ev::task_waiting{r.number, a.id, now + (d ? d.value() : 0), "wait"});
  }
}

// What follows the end of a run: the campaign's status and its next planned run.
void end_run(const campaign_state& s, const run_state& r, const std::string& status,
             const std::string& err, time_us now, events& out, const std::string& failing = "") {
  // A version made during the run comes into force with its end: the next slot is its own.
  std::optional<campaign_definition> ahead;
  if (s.def_version < s.latest_version())
    if (auto d = read_stored_definition(s.versions.back().definition)) ahead = std::move(d.value());
  const auto& sched = ahead ? ahead->schedule : s.def->schedule;
  bool schedule_more =
      !r.test && sched.k == schedule::kind::cron &&
      (s.status == cs::live || s.status == cs::scheduled || s.status == cs::paused);
  time_us next = 0;
  if (schedule_more) {
    auto n = next_runs(sched, now, 1);
    next = n.empty() ? 0 : n.front();
  }
  append_run_end(r, status, err, next, out, failing);
  if (r.test) return;
  bool one_shot = !s.recurring();
  if (s.status == cs::closed || (one_shot && status == "completed") ||
      (sched.k == schedule::kind::cron && next == 0 && status == "completed" &&
       s.status == cs::live))
    out.push_back(ev::campaign_status_changed{"completed",
                                              s.status == cs::closed ? "close" : "run completed"});
}

// A due scheduled slot or a waiting signal starts a new run.
void maybe_start_run(const campaign_state& s, time_us now, events& out) {
  if (s.status != cs::live && s.status != cs::scheduled) return;
  auto number = static_cast<std::uint32_t>(s.runs.size() + 1);
  if (s.def->schedule.k == schedule::kind::signal && !s.pending_signals.empty()) {
    ev::variables v = s.def->variables;
    for (auto& [k, val] : s.pending_signals.front()) v[k] = val;
    out.push_back(ev::run_started{number, false, "signal", v});
    return;
  }
  if (s.next_run != 0 && s.next_run <= now) {
    out.push_back(ev::run_started{number, false, "schedule", s.def->variables});
    time_us next = 0;
    if (s.def->schedule.k == schedule::kind::cron) {
      auto n = next_runs(s.def->schedule, now, 1);
      next = n.empty() ? 0 : n.front();
    }
    out.push_back(ev::next_run_planned{next});
  }
}

}  // namespace

decision decide_progress(const campaign_state& s, const ev::delivery_progress& p,
                         const command_context&) {
  auto r = running_task(s, p.run, p.activity);
  if (!r) return r.err();
  auto* a = s.def->find_activity(p.activity);
  if (!a || !is_channel(a->type)) return refused(p.activity + " is not a channel activity");
  return events{p};
}

void append_run_end(const run_state& r, const std::string& status, const std::string& error,
                    time_us next_run_us, events& out, const std::string& failing) {
  for (auto& [id, t] : r.tasks)
    if (!is_terminal(t.status) && id != failing)
      out.push_back(ev::task_cancelled{r.number, id, "run " + status, to_string(t.status)});
  out.push_back(ev::run_ended{r.number, status, error, next_run_us});
}

error_policy policy_for(const campaign_definition& def, const std::string& activity) {
  auto* a = def.find_activity(activity);
  return a && a->on_error ? *a->on_error : def.errors;
}

decision decide_task_done(const campaign_state& s, std::uint32_t run, const std::string& activity,
                          const task_outcome& o, const command_context&) {
  if (was_cancelled(s, run, activity)) return events{};
  auto r = running_task(s, run, activity);
  if (!r) return r.err();
  events out;
  if (o.resume_at) {  // between waves: the task waits (durably) and runs again
    // In the same append, the channel's progress moves on to the next wave: a re-run after a
    // crash before this append finds the wave sent and waits again; the run after the wait
    // sends the next wave.
    if (auto* t = (*r)->task(activity); t && t->progress) {
      auto p = *t->progress;
      ++p.wave;
      out.push_back(p);
    }
    if (o.chosen) out.push_back(*o.chosen);
    out.push_back(ev::task_waiting{run, activity, *o.resume_at, o.resume_reason});
    return out;
  }
  if (o.alert) out.push_back(*o.alert);
  if (o.signal) out.push_back(*o.signal);
  out.push_back(ev::task_completed{run, activity, o.count_in, o.outputs, o.logs});
  for (auto* t : outbound(*s.def, activity))
    for (auto& p : o.outputs)
      if (p.output == t->output)
        out.push_back(ev::transition_fired{run, t->from, t->output, t->to, p.count});
  return out;
}

decision decide_task_failed(const campaign_state& s, std::uint32_t run, const std::string& activity,
                            const std::string& message, const command_context& c) {
  if (was_cancelled(s, run, activity)) return events{};
  auto r = running_task(s, run, activity);
  if (!r) return r.err();
  auto policy = policy_for(*s.def, activity);
  const run_state& rs = **r;
  events out{ev::task_failed{run, activity, message, to_string(policy.mode)}};
  if (rs.test) {  // a test run just fails (unless errors are ignored); the draft stays a draft
    if (policy.mode != error_mode::ignore)
      append_run_end(rs, "failed", activity + ": " + message, 0, out, activity);
    return out;
  }
  switch (policy.mode) {
    case error_mode::suspend:
      out.push_back(ev::campaign_status_changed{"paused", "error"});
      break;
    case error_mode::ignore:
      if (policy.max_consecutive_errors > 0 &&
          rs.consecutive_errors + 1 >= policy.max_consecutive_errors) {
        append_run_end(rs, "failed",
                       std::to_string(rs.consecutive_errors + 1) + " consecutive errors", 0, out,
                       activity);
        out.push_back(ev::campaign_status_changed{"stopped", "max consecutive errors"});
      }
      break;
    case error_mode::abort:
      end_run(s, rs, "failed", activity + ": " + message, c.now, out, activity);
      if (!s.recurring()) out.push_back(ev::campaign_status_changed{"paused", "error"});
      break;
  }
  return out;
}

decision decide_wait_elapsed(const campaign_state& s, std::uint32_t run,
                             const std::string& activity, const command_context& c) {
  auto r = running_task(s, run, activity);
  if (!r) return r.err();
  auto* t = (*r)->task(activity);
  if (t->wait_until == 0 || t->wait_until > c.now)
    return refused("wait of " + activity + " has not elapsed");
  // The next wave of a channel activity, its rows deferred by quiet hours, or the next phase of
  // its experiment (the choice, then the rest): run it again.
  if (t->wait_reason == "wave" || t->wait_reason == "quiet_hours" || t->wait_reason == "experiment")
    return events{ev::task_started{run, activity, t->attempt + 1, t->count_in}};
  task_outcome o;
  o.count_in = t->count_in;
  for (auto& [src, p] : inputs_of(*s.def, **r, activity)) {
    auto out = p;
    out.output = "out";
    o.outputs.push_back(out);
  }
  // A wait at the root has no population to pass on; it still opens its branch (as a root
  // fork, test or alert does), with an empty population.
  if (o.outputs.empty()) o.outputs.push_back(ev::population{"out", "", 0, "", ""});
  return decide_task_done(s, run, activity, o, c);
}

std::vector<ev::campaign_event> advance(const campaign_state& s, time_us now) {
  events out;
  if (!s.exists() || !s.def) return out;
  auto* r = s.active_run();
  if (!r) {
    maybe_start_run(s, now, out);
    return out;
  }
  if (s.status == cs::paused || s.status == cs::stopped) return out;
  auto plan = plan_run(*s.def, *r);
  // Tasks made ready by a skip of this same step (a test run's pass-through save_audience) count
  // their inputs on the run as it will be once the skips are folded. The copy is made only when
  // there are skips: advance runs after every commit, and a run's tasks are not small.
  std::optional<run_state> after;
  if (!plan.skips.empty()) after = *r;
  for (auto& k : plan.skips) {
    out.push_back(ev::task_skipped{r->number, k.activity, k.reason, k.pass_through});
    auto& t = after->tasks[k.activity];
    t.status = task_status::skipped;
    t.skip_reason = k.reason;
    t.pass_through = k.pass_through;
  }
  const run_state& planned = after ? *after : *r;
  for (auto& id : plan.ready) start_task(s, planned, *s.def->find_activity(id), now, out);
  if (plan.finished) end_run(s, planned, "completed", "", now, out);  // after the skips
  return out;
}

}  // namespace baton
