// The appliers: one function per campaign event type (at its current version: older ones are
// upcast first), picked by std::visit. Each changes the state exactly as the event says; none
// decides anything, and none re-validates a stored definition against today's guardrails.
#include <string_view>

#include "model/campaign_state.hpp"

namespace baton {

namespace {

using namespace ev;

struct ctx {
  const event& env;
};

error unfit(const event& env, const std::string& what) {
  return make_error(errc::integrity, env.stream + "#" + std::to_string(env.stream_seq), what);
}

// The status a name stands for; `none` (never a status an event sets) when the name is unknown,
// which every caller turns into an integrity error naming the event.
campaign_status status_named(const std::string& s) {
  campaign_status out = campaign_status::none;
  if (!parse_campaign_status(s, out)) return campaign_status::none;
  return out;
}

result<run_state*> run_of(campaign_state& s, std::uint32_t run, const event& env) {
  if (run == 0 || run > s.runs.size())
    return unfit(env, "event names unknown run " + std::to_string(run));
  return &s.runs[run - 1];
}

result<task_state*> task_of(campaign_state& s, std::uint32_t run, const std::string& activity,
                            const event& env) {
  auto r = run_of(s, run, env);
  if (!r) return r.err();
  if (s.def && !s.def->find_activity(activity))
    return unfit(env, "event names unknown activity '" + activity + "'");
  auto& t = (*r)->tasks[activity];
  t.activity = activity;
  return &t;
}

status on(campaign_state& s, const campaign_created& e, const event& env) {
  if (s.exists()) return unfit(env, "campaign created twice");
  // Read as stored, never validated again against today's guardrails.
  auto def = read_stored_definition(e.definition);
  if (!def) return unfit(env, def.err().what);
  s.id = e.campaign_id;
  s.status = campaign_status::draft;
  s.definition_json = e.definition;
  s.def = std::move(def.value());
  s.duplicated_from = e.duplicated_from;
  s.created_by = env.actor;
  s.created_at = s.updated_at = env.time;
  s.versions = {{1, e.definition, env.time, env.actor}};
  s.def_version = 1;
  return ok_status();
}

// The latest version comes into force (no run is in progress).
status switch_to_latest(campaign_state& s, const event& env) {
  if (s.def_version >= s.latest_version()) return ok_status();
  auto& latest = s.versions.back();
  auto def = read_stored_definition(latest.definition);
  if (!def) return unfit(env, def.err().what);
  s.definition_json = latest.definition;
  s.def = std::move(def.value());
  s.def_version = latest.version;
  return ok_status();
}

status on(campaign_state& s, const definition_versioned& e, const event& env) {
  if (e.version != s.latest_version() + 1)
    return unfit(env, "definition version " + std::to_string(e.version) + " out of order");
  if (auto def = read_stored_definition(e.definition); !def) return unfit(env, def.err().what);
  s.versions.push_back({e.version, e.definition, env.time, env.actor});
  s.proposed.reset();
  s.updated_at = env.time;
  // A run in progress finishes on its own version; its run_ended brings this one in.
  if (s.active_run()) return ok_status();
  return switch_to_latest(s, env);
}

status on(campaign_state& s, const version_proposed& e, const event& env) {
  s.proposed = e.definition;
  s.approval = approval_record{"submitted", env.actor, env.actor, "", env.time};
  return ok_status();
}

status on(campaign_state& s, const campaign_updated& e, const event& env) {
  auto def = read_stored_definition(e.definition);
  if (!def) return unfit(env, def.err().what);
  s.definition_json = e.definition;
  s.def = std::move(def.value());
  s.updated_at = env.time;
  s.approval.reset();  // an edit needs a new approval
  if (s.versions.empty()) s.versions.push_back({1, "", s.created_at, s.created_by});
  s.versions.back().definition = e.definition;  // a draft's edit replaces its latest version
  s.def_version = s.latest_version();
  return ok_status();
}

status on(campaign_state& s, const approval_changed& e, const event& env) {
  if (e.state == "submitted") {
    s.approval = approval_record{e.state, env.actor, env.actor, e.reason, env.time};
    return ok_status();
  }
  if (!s.approval || (e.state != "approved" && e.state != "rejected"))
    return unfit(env, "approval step '" + e.state + "' without a submission");
  s.approval->state = e.state;
  s.approval->by = env.actor;
  s.approval->reason = e.reason;
  s.approval->at = env.time;
  if (e.state == "rejected") s.proposed.reset();  // a proposed version is dropped
  return ok_status();
}

status on(campaign_state& s, const campaign_published& e, const event& env) {
  auto next = status_named(e.status);
  if (next == campaign_status::none) return unfit(env, "unknown status '" + e.status + "'");
  s.status = next;
  s.published = true;
  s.next_run = e.next_run_us;
  s.error.reset();
  return ok_status();
}

status on(campaign_state& s, const campaign_status_changed& e, const event& env) {
  auto next = status_named(e.status);
  if (next == campaign_status::none) return unfit(env, "unknown status '" + e.status + "'");
  if (next == campaign_status::paused && s.status != campaign_status::paused)
    s.status_before_pause = s.status;
  if (s.status == campaign_status::paused && next != campaign_status::paused) {
    s.error.reset();  // resume (or stop/back-to-draft) clears the error marker
    // Tasks suspended by an error run again.
    if (auto* r = s.active_run())
      for (auto& [id, t] : r->tasks)
        if (t.status == task_status::failed && t.policy == "suspend") {
          t.status = task_status::pending;
          t.error.clear();
        }
  }
  if (next == campaign_status::draft) {
    s.published = false;
    s.next_run = 0;
    s.pending_signals.clear();
  }
  if (next == campaign_status::stopped || next == campaign_status::completed) s.next_run = 0;
  s.status = next;
  s.updated_at = env.time;
  return ok_status();
}

status on(campaign_state& s, const confirmation_given& e, const event& env) {
  auto t = task_of(s, e.run, e.activity, env);
  if (!t) return t.err();
  (*t)->confirmed = true;
  if ((*t)->status == task_status::needs_confirmation) (*t)->status = task_status::pending;
  return ok_status();
}

status on(campaign_state& s, const signal_received& e, const event&) {
  s.pending_signals.push_back(e.vars);
  return ok_status();
}

status on(campaign_state& s, const run_started& e, const event& env) {
  if (e.run != s.runs.size() + 1)
    return unfit(env, "run " + std::to_string(e.run) + " out of order");
  run_state r;
  r.number = e.run;
  r.test = e.test;
  r.trigger = e.trigger;
  r.vars = e.vars;
  r.version = s.def_version == 0 ? 1 : s.def_version;
  r.started_at = env.time;
  for (auto& a : s.def->activities) r.tasks[a.id].activity = a.id;
  s.runs.push_back(std::move(r));
  if (e.trigger == "signal" && !s.pending_signals.empty()) s.pending_signals.pop_front();
  if (!e.test && s.status == campaign_status::scheduled) s.status = campaign_status::live;
  return ok_status();
}

status on(campaign_state& s, const run_ended& e, const event& env) {
  auto r = run_of(s, e.run, env);
  if (!r) return r.err();
  (*r)->status = e.status;
  (*r)->error = e.error;
  (*r)->ended_at = env.time;
  s.next_run = e.next_run_us;
  return switch_to_latest(s, env);  // a version made during the run applies from the next
}

status on(campaign_state& s, const next_run_planned& e, const event&) {
  s.next_run = e.next_run_us;
  return ok_status();
}

status on(campaign_state& s, const task_started& e, const event& env) {
  auto t = task_of(s, e.run, e.activity, env);
  if (!t) return t.err();
  (*t)->status = task_status::running;
  (*t)->attempt = e.attempt;
  (*t)->count_in = e.count_in;
  (*t)->started_at = env.time;
  (*t)->ended_at = 0;
  (*t)->error.clear();
  (*t)->wait_until = 0;  // a channel resuming after a wave wait runs again
  (*t)->wait_reason.clear();
  return ok_status();
}

status on(campaign_state& s, const task_completed& e, const event& env) {
  auto t = task_of(s, e.run, e.activity, env);
  if (!t) return t.err();
  (*t)->status = task_status::done;
  (*t)->count_in = e.count_in;
  (*t)->outputs = e.outputs;
  (*t)->logs = e.logs;
  (*t)->wait_until = 0;
  (*t)->ended_at = env.time;
  s.runs[e.run - 1].consecutive_errors = 0;
  return ok_status();
}

status on(campaign_state& s, const task_failed& e, const event& env) {
  auto t = task_of(s, e.run, e.activity, env);
  if (!t) return t.err();
  (*t)->status = task_status::failed;
  (*t)->error = e.message;
  (*t)->policy = e.policy;
  (*t)->ended_at = env.time;
  s.runs[e.run - 1].consecutive_errors++;
  s.error = error_marker{e.activity, e.message, e.run};
  return ok_status();
}

status on(campaign_state& s, const task_skipped& e, const event& env) {
  auto t = task_of(s, e.run, e.activity, env);
  if (!t) return t.err();
  (*t)->status = task_status::skipped;
  (*t)->skip_reason = e.reason;
  (*t)->pass_through = e.pass_through;
  (*t)->ended_at = env.time;
  return ok_status();
}

status on(campaign_state& s, const task_cancelled& e, const event& env) {
  auto t = task_of(s, e.run, e.activity, env);
  if (!t) return t.err();
  (*t)->status = task_status::cancelled;
  (*t)->cancel_reason = e.reason;
  (*t)->wait_until = 0;
  (*t)->wait_reason.clear();
  (*t)->ended_at = env.time;
  return ok_status();
}

status on(campaign_state& s, const task_waiting& e, const event& env) {
  auto t = task_of(s, e.run, e.activity, env);
  if (!t) return t.err();
  if (e.reason == "needs-confirmation") {
    (*t)->status = task_status::needs_confirmation;
  } else {
    (*t)->wait_until = e.until_us;
    (*t)->wait_reason = e.reason;
  }
  return ok_status();
}

status on(campaign_state& s, const transition_fired& e, const event& env) {
  auto r = run_of(s, e.run, env);
  if (!r) return r.err();
  (*r)->transition_counts[e.from + "|" + e.output + "|" + e.to] = e.count;
  return ok_status();
}

status on(campaign_state& s, const alert_raised& e, const event& env) {
  s.alerts.push_back({e.run, e.activity, e.title, e.message, env.time});
  return ok_status();
}

status on(campaign_state&, const signal_sent&, const event&) {
  return ok_status();
}

status on(campaign_state& s, const feedback_received& e, const event&) {
  if (!s.feedback_seen.insert(feedback_keys::key_of(e.message_id, e.event, e.at_us)))
    return ok_status();
  auto& t = s.feedback[e.activity];
  ++t.total[e.event];
  t.unique[e.event].insert(e.message_id);
  return ok_status();
}

status on(campaign_state& s, const run_data_dropped& e, const event& env) {
  if (e.last_run > s.runs.size())
    return unfit(env, "event names unknown run " + std::to_string(e.last_run));
  for (std::uint32_t n = s.retained_upto + 1; n <= e.last_run; ++n)
    for (auto& [id, t] : s.runs[n - 1].tasks) t.logs.clear();
  s.retained_upto = std::max(s.retained_upto, e.last_run);
  return ok_status();
}

status on(campaign_state& s, const variant_chosen& e, const event& env) {
  auto t = task_of(s, e.run, e.activity, env);
  if (!t) return t.err();
  (*t)->chosen_variant = e.variant;
  return ok_status();
}

status on(campaign_state& s, const delivery_progress& e, const event& env) {
  auto t = task_of(s, e.run, e.activity, env);
  if (!t) return t.err();
  (*t)->progress = e;
  return ok_status();
}

}  // namespace

status apply(campaign_state& s, const ev::campaign_event& ce, const event& env) {
  if (!s.exists() && !std::holds_alternative<ev::campaign_created>(ce))
    return unfit(env, std::string(ev::name_of(ce)) + " before campaign_created");
  auto st = std::visit([&](const auto& x) { return on(s, x, env); }, ce);
  if (!st) return st;
  s.version = env.stream_seq;
  s.last_global = env.global_seq;
  return ok_status();
}

status apply(campaign_state& s, const event& e) {
  // Stream sequences start at 1: a fold from nothing begins with the stream's first event.
  if (e.stream_seq != s.version + 1)
    return unfit(e, "expected stream sequence " + std::to_string(s.version + 1));
  auto ce = ev::from_event(e);
  if (!ce) return ce.err();
  auto* created = std::get_if<ev::campaign_created>(&ce.value());
  if (s.exists() || created) {
    const std::string& id = s.exists() ? s.id : created->campaign_id;
    std::string_view stream = e.stream, prefix = "campaign/";  // compared without allocating
    if (stream.size() != prefix.size() + id.size() || !stream.starts_with(prefix) ||
        stream.substr(prefix.size()) != id)
      return unfit(e, "event of stream '" + e.stream + "' folded into campaign/" + id);
  }
  return apply(s, ce.value(), e);
}

}  // namespace baton
