// The campaign actor: the single writer of one campaign's stream. It recovers its state from
// snapshot + log, turns commands into events with the model's decide functions, appends them
// through the event writer (awaiting the durable ack before anything else), applies them, and
// then advances the run: skips, starts task actors, arms timers, ends runs, answers waiters.
#include <spdlog/spdlog.h>

#include "actors/engine_context.hpp"
#include "actors/experiment_report.hpp"
#include "actors/messages.hpp"
#include "actors/trigger_actor.hpp"
#include "channels/channel_activity.hpp"
#include "model/campaign_view.hpp"
#include "model/definition_diff.hpp"
#include "model/lifecycle.hpp"
#include "model/number.hpp"
#include "model/planner.hpp"
#include "model/retention.hpp"

namespace baton {

namespace {

struct campaign_actor_state {
  engine_ctx_ptr ctx;
  std::string id;
  campaign_state st;
  std::map<std::string, caf::actor> tasks;  // "run/activity" -> running task actor
  std::vector<caf::response_promise> waiters;
  bool restarted_tasks = false;     // recovery re-ran the tasks a crash interrupted
  std::uint64_t activity = 0;       // bumps on every message: idle detection
  time_us armed = -1;               // deadline given to the timer
  std::uint64_t snapshot_at = 0;    // stream version of the last snapshot written
  std::uint64_t snapshot_size = 0;  // its size in bytes
  bool draining = false;            // the engine stops: settle running sends, then end
  // Quarantined: the log could not be read or folded. Every command and query answers this
  // error (which names the event where the fold broke); nothing is decided or started.
  std::optional<error> quarantined;
  bool retaining = false;  // a retention job is on a worker
  caf::actor triggers;     // api campaigns: the trigger actor, spawned on the first trigger
  static inline const char* name = "campaign";
};

using self_ptr = caf::stateful_actor<campaign_actor_state>*;
using done_fn = std::function<void(result<append_result>)>;

std::string stream_of(self_ptr self) {
  return "campaign/" + self->state.id;
}

nlohmann::json ok_json(self_ptr self) {
  return {{"id", self->state.id}, {"status", to_string(self->state.st.status)}};
}

constexpr std::uint64_t snapshot_every = 256;  // events between snapshots: bounds recovery work
// The interval also grows with the state: at least one event per this many bytes of the last
// snapshot. Encoding and decoding cost in proportion to the state's size, which grows with the
// campaign's runs; with a fixed interval a long-lived recurring campaign would pay more and more
// per event appended (docs/benchmarks.md, P4 and P6). Folding one event costs about as much as
// decoding 64 bytes of snapshot, so this writes a snapshot once the events since the last one
// cost about as much to fold as the snapshot costs to decode: recovery stays within twice the
// decode, and the encoding costs a fixed ~2 us per event appended.
constexpr std::uint64_t snapshot_bytes_per_event = 64;

// The campaign stops deciding: its state no longer is the fold of its log. Waiters hear why.
void quarantine(self_ptr self, error why) {
  auto& s = self->state;
  if (s.quarantined) return;
  spdlog::error("campaign {}: quarantined: {}", s.id, why.message());
  s.quarantined = std::move(why);
  for (auto& w : s.waiters) w.deliver(to_caf(*s.quarantined));
  s.waiters.clear();
}

// Snapshots bound the work of recovery: the next load folds only the events after it.
void save_snapshot(self_ptr self) {
  auto& s = self->state;
  if (s.quarantined || !s.st.exists() || s.st.version == s.snapshot_at) return;
  auto bytes = encode_state(s.st);
  auto size = bytes.size();
  auto st = s.ctx->opts.store->put_snapshot(
      {stream_of(self), s.st.version, s.st.last_global, 1, std::move(bytes)});
  if (st) {
    s.snapshot_at = s.st.version;
    s.snapshot_size = size;
  } else
    spdlog::warn("campaign {}: snapshot not written: {}", s.id, st.err().message());
}

// Appends the events (atomically, at the expected version), applies them once durable, then
// calls `done`. No other message is handled in between.
void commit(self_ptr self, std::vector<ev::campaign_event> events, const command_context& c,
            const std::string& command_id, done_fn done) {
  auto& s = self->state;
  if (s.quarantined) return done(*s.quarantined);
  if (events.empty()) {
    done(append_result{});
    return;
  }
  append_batch b;
  b.opts.sync = s.ctx->opts.durable;
  b.opts.command_id = command_id;
  append_request req{stream_of(self), s.st.version == 0 ? no_stream : s.st.version, {}};
  auto run = s.st.active_run();
  for (auto& ce : events) {
    auto e = to_event(ce);
    e.actor = c.actor;
    e.correlation_id = run ? s.id + "/" + std::to_string(run->number) : s.id;
    e.causation_id = command_id.empty() ? "engine" : command_id;
    req.events.push_back(std::move(e));
  }
  b.requests.push_back(std::move(req));
  self->request(s.ctx->writer, caf::infinite, append_atom::value, std::move(b))
      .await(
          [self, events, done, actor = c.actor](append_result& r) {
            auto& s = self->state;
            if (!r.duplicate) {
              auto& range = r.ranges.front();
              for (std::size_t i = 0; i < events.size(); ++i) {
                event env;
                env.stream = range.stream;
                env.stream_seq = range.first_seq + i;
                env.global_seq = range.first_global + i;
                env.time = r.time;
                env.actor = actor;  // the fold of the log sees the same identity
                if (auto st = apply(s.st, events[i], env); !st) {
                  // Durable but not folded: the state is no longer the log's; stop deciding.
                  auto typed = ev::to_event(events[i]);
                  env.type = typed.type;
                  env.version = typed.version;
                  quarantine(self, fold_break(env, st.err()));
                  return done(*s.quarantined);
                }
              }
            }
            if (s.st.version >=
                s.snapshot_at +
                    std::max(snapshot_every, s.snapshot_size / snapshot_bytes_per_event))
              save_snapshot(self);
            done(r);
          },
          [self, done](caf::error& err) {
            auto e = from_caf(err);
            spdlog::warn("campaign {}: append failed: {}", self->state.id, e.message());
            if (e.code == errc::conflict) {  // someone else wrote: re-read the log
              auto fresh = load_campaign(*self->state.ctx->opts.store, self->state.id);
              if (!fresh) {  // never go on with the old state as if it were the log's
                quarantine(self, fresh.err());
                return done(*self->state.quarantined);
              }
              self->state.st = fresh.value();
            }
            done(e);
          });
}

void step(self_ptr self);

command_context engine_context_for(self_ptr self) {
  return {"engine", role::admin, self->state.ctx->now()};
}

// The activities of the active run that wait for a send confirmation while nothing else of the
// run is at work: the run needs a person to go on.
std::vector<std::string> blocked_on_confirmation(self_ptr self) {
  std::vector<std::string> out;
  auto& s = self->state;
  auto* r = s.st.active_run();
  if (!r || !s.tasks.empty()) return out;
  for (auto& [id, t] : r->tasks)
    if (t.status == task_status::needs_confirmation) out.push_back(id);
  return out;
}

// Waiters hear when the run ends — or when it needs a person: an error suspended it, or a send
// waits for its confirmation — or when the engine stops under them ("interrupted").
void deliver_waiters(self_ptr self, bool interrupted = false) {
  auto& s = self->state;
  if (s.waiters.empty()) return;
  bool suspended = s.st.active_run() && s.st.status == campaign_status::paused && s.st.error;
  auto confirm = blocked_on_confirmation(self);
  if (s.st.active_run() && !suspended && confirm.empty() && !interrupted) return;
  auto* r = s.st.last_run();
  std::string run_status = !r                 ? ""
                           : suspended        ? "suspended"
                           : !confirm.empty() ? "needs-confirmation"
                                              : r->status;
  nlohmann::json j = {{"id", s.id},
                      {"status", to_string(s.st.status)},
                      {"run", r ? nlohmann::json(r->number) : nlohmann::json(nullptr)},
                      {"runStatus", r ? nlohmann::json(run_status) : nlohmann::json(nullptr)}};
  if (!confirm.empty()) j["needsConfirmation"] = confirm;
  if (interrupted) j["interrupted"] = true;
  if (s.st.error)
    j["error"] = {{"activity", s.st.error->activity}, {"message", s.st.error->message}};
  for (auto& w : s.waiters) w.deliver(j.dump());
  s.waiters.clear();
}

// While the engine stops, the actor ends once no send of its runs is at work (data tasks are
// not waited for: they leave nothing partial and run again on the next start).
void maybe_end_draining(self_ptr self) {
  auto& s = self->state;
  if (!s.draining) return;
  for (auto& [key, a] : s.tasks) {
    auto activity = key.substr(key.find('/') + 1);
    auto* act = s.st.def ? s.st.def->find_activity(activity) : nullptr;
    if (act && is_channel(act->type)) return;
  }
  save_snapshot(self);
  self->quit();
}

void arm_timer(self_ptr self) {
  auto& s = self->state;
  time_us at = 0;
  auto consider = [&](time_us t) {
    if (t > 0 && (at == 0 || t < at)) at = t;
  };
  // A planned run can only start once the current one has ended (which plans it again): a slot
  // passing during a run must not wake the timer over and over.
  if ((s.st.status == campaign_status::live || s.st.status == campaign_status::scheduled) &&
      !s.st.active_run())
    consider(s.st.next_run);
  if (auto* r = s.st.active_run())
    for (auto& [id, t] : r->tasks)
      if (t.status == task_status::running && t.wait_until) consider(t.wait_until);
  consider(retention_at(s.st, s.ctx->now(), s.ctx->opts.config.log_retention_days).next_at);
  if (at == s.armed) return;
  s.armed = at;
  self->send(s.ctx->timer, timer_set_atom::value, s.id, at);
}

void start_tasks(self_ptr self) {
  auto& s = self->state;
  auto* r = s.st.active_run();
  if (!r || s.st.status == campaign_status::paused) return;
  for (auto& [id, t] : r->tasks) {
    if (t.status != task_status::running || t.wait_until) continue;
    auto key = std::to_string(r->number) + "/" + id;
    if (s.tasks.count(key)) continue;
    task_job job;
    job.act = *s.st.def->find_activity(id);
    job.input = task_input{s.id,
                           r->number,
                           nullptr,
                           inputs_of(*s.st.def, *r, id),
                           r->vars,
                           r->test,
                           s.ctx->now(),
                           s.st.def->dimension,
                           t.progress,
                           nullptr,
                           nullptr,  // the worker sets stop_requested
                           t.chosen_variant};
    // A campaign-wide controlGroup holds out a share of each channel activity's population
    // that has none of its own.
    if (is_channel(job.act.type) && !s.st.def->control_group.is_null() &&
        !job.act.options.contains("controlGroup"))
      job.act.options["controlGroup"] = s.st.def->control_group;
    s.tasks[key] = spawn_task_actor(self, s.ctx, caf::actor_cast<caf::actor>(self), std::move(job));
  }
}

// After a crash, tasks that had started but not finished run again (a new attempt).
std::vector<ev::campaign_event> restart_interrupted(self_ptr self) {
  std::vector<ev::campaign_event> out;
  auto& s = self->state;
  s.restarted_tasks = true;
  auto* r = s.st.active_run();
  if (!r || s.st.status == campaign_status::paused) return out;
  for (auto& [id, t] : r->tasks)
    if (t.status == task_status::running && !t.wait_until)
      out.push_back(ev::task_started{r->number, id, t.attempt + 1, t.count_in});
  return out;
}

// Retention: once a run ended `retention.logsDays` ago, what it left in the data plane (its
// worktables) is dropped on a worker, then run_data_dropped records it and takes the task logs
// out of the state (the events keep them). Dropping is idempotent: after a crash in between, the
// next step drops nothing and records it. A failure is logged and tried again at the next step.
void retain(self_ptr self) {
  auto& s = self->state;
  if (s.retaining || s.ctx->workers.empty()) return;
  auto due = retention_at(s.st, s.ctx->now(), s.ctx->opts.config.log_retention_days);
  if (due.last_run == 0) return;
  s.retaining = true;
  auto& w = s.ctx->workers[std::hash<std::string>{}(s.id) % s.ctx->workers.size()];
  self->request(w, caf::infinite, retain_atom::value, s.id, due.last_run)
      .then(
          [self, upto = due.last_run](std::uint64_t dropped) {
            auto& s = self->state;
            if (s.quarantined || s.draining || upto <= s.st.retained_upto) {
              s.retaining = false;
              return;
            }
            commit(self, {ev::run_data_dropped{upto, dropped}}, engine_context_for(self), "",
                   [self](result<append_result>) {
                     self->state.retaining = false;
                     step(self);
                   });
          },
          [self](caf::error& e) {
            self->state.retaining = false;
            spdlog::warn("campaign {}: retention: {}", self->state.id, from_caf(e).message());
          });
}

void maybe_idle(self_ptr self) {
  auto& s = self->state;
  if (s.st.active_run() || !s.tasks.empty() || !s.waiters.empty()) return;
  auto seen = s.activity;
  auto after = std::chrono::seconds(s.ctx->opts.config.passivate_after_seconds);
  self->delayed_send(self, after, idle_atom::value, seen);
}

void step(self_ptr self) {
  auto& s = self->state;
  if (s.draining) return maybe_end_draining(self);
  if (s.quarantined || !s.st.exists()) return;
  if (!s.ctx->opts.start_work) {  // answers commands, starts nothing (engine_options)
    deliver_waiters(self);
    return maybe_idle(self);
  }
  // The first step after recovery re-runs what a crash interrupted; every step then advances.
  auto events = s.restarted_tasks ? std::vector<ev::campaign_event>{} : restart_interrupted(self);
  if (events.empty()) events = advance(s.st, s.ctx->now());
  if (!events.empty()) {
    commit(self, std::move(events), engine_context_for(self), "", [self](result<append_result> r) {
      if (r) step(self);
    });
    return;
  }
  start_tasks(self);
  arm_timer(self);
  retain(self);
  deliver_waiters(self);
  maybe_idle(self);
}

void reply_error(caf::response_promise& rp, const error& e) {
  rp.deliver(to_caf(e));
}

// Runs a decision made for a client command: append, reply, advance.
void carry_out(self_ptr self, decision d, const command_context& c, const api_command& cmd,
               caf::response_promise rp, std::function<nlohmann::json()> reply = nullptr) {
  if (!d) return reply_error(rp, d.err());
  commit(self, std::move(d.value()), c, cmd.command_id,
         [self, rp, reply](result<append_result> r) mutable {
           if (!r) return reply_error(rp, r.err());
           auto j = reply ? reply() : ok_json(self);
           if (r->duplicate) {
             j["duplicate"] = true;
             // The first command with this id was carried out by another campaign (two creates
             // racing with one id): answer with that one, as a repeat would be answered.
             std::string first = r->ranges.empty() ? stream_of(self) : r->ranges.front().stream;
             if (first != stream_of(self) && first.rfind("campaign/", 0) == 0) {
               j["id"] = first.substr(9);
               auto other = load_campaign(*self->state.ctx->opts.store, first.substr(9));
               if (other) j["status"] = to_string(other->status);
             }
           }
           rp.deliver(j.dump());
           step(self);
         });
}

// Re-checks a definition against the current entity schema (publish, update).
std::optional<error> check_definition(self_ptr self, const std::string& json_text) {
  auto v =
      validate_campaign(json_text, self->state.ctx->opts.schema.get(), self->state.ctx->limits);
  if (!v.ok()) return to_validation_error(v.issues);
  // Template syntax is checked here too: a bad template blocks publication, never a send.
  auto templates = channels::check_channel_templates(*v.definition);
  if (has_errors(templates)) return to_validation_error(templates);
  return std::nullopt;
}

void duplicate(self_ptr self, const api_command& cmd, const command_context& c,
               caf::response_promise rp) {
  auto d = decide_duplicate(self->state.st, c);
  if (!d) return reply_error(rp, d.err());
  api_command create{"create",
                     "",
                     cmd.actor,
                     cmd.command_id,
                     self->state.st.definition_json,
                     {{"duplicatedFrom", self->state.id}}};
  self->request(self->state.ctx->registry, caf::infinite, command_atom::value, create)
      .then([rp](std::string& r) mutable { rp.deliver(r); },
            [rp](caf::error& e) mutable { rp.deliver(e); });
}

// Feedback the registry has matched to this campaign's messages: body = JSON array of
// {run, activity, message_id, event, at_us, recipient}.
void record_feedback(self_ptr self, const api_command& cmd, const command_context& c,
                     caf::response_promise rp) {
  std::vector<ev::feedback_received> items;
  auto j = nlohmann::json::parse(cmd.body, nullptr, false);
  if (!j.is_array())
    return reply_error(rp, make_error(errc::validation, "feedback", "expected a JSON array"));
  for (auto& f : j)
    items.push_back({f.value("run", 0u), f.value("activity", ""), f.value("message_id", ""),
                     f.value("event", ""), f.value("at_us", std::int64_t{0}),
                     f.value("recipient", "")});
  auto d = decide_feedback(self->state.st, items, c);
  if (!d) return reply_error(rp, d.err());
  auto n = d->size();
  carry_out(self, std::move(d), c, cmd, rp, [self, n] {
    auto r = ok_json(self);
    r["recorded"] = n;
    return r;
  });
}

decision lifecycle(self_ptr self, const api_command& cmd, const command_context& c) {
  auto& st = self->state.st;
  const auto& v = cmd.verb;
  if (v == "pause") return decide_pause(st, c);
  if (v == "resume") return decide_resume(st, c);
  if (v == "stop") return decide_stop(st, c);
  if (v == "close") return decide_close(st, c);
  if (v == "back-to-draft") return decide_back_to_draft(st, c);
  if (v == "archive") return decide_archive(st, c);
  if (v == "delete") return decide_delete(st, c);
  if (v == "test") return decide_test(st, c);
  if (v == "start") return decide_start(st, c);
  if (v == "submit" || v == "approve" || v == "reject")
    return decide_approval(st, v, cmd.args.count("reason") ? cmd.args.at("reason") : "", c);
  if (v == "confirm")
    return decide_confirm(st, cmd.args.count("activity") ? cmd.args.at("activity") : "", c);
  if (v == "trigger") return decide_trigger(st, cmd.args, cmd.body.empty() ? "api" : cmd.body, c);
  if (v == "publish") {
    if (st.exists() && st.status == campaign_status::draft)
      if (auto e = check_definition(self, st.definition_json)) return *e;
    return decide_publish(st, c);
  }
  if (v == "update") {
    if (auto e = check_definition(self, cmd.body)) return *e;
    return decide_update(st, cmd.body, c);
  }
  if (v == "edit") {  // validation applies to every new version; stored in canonical form
    if (auto e = check_definition(self, cmd.body)) return *e;
    auto def = read_stored_definition(cmd.body);
    if (!def) return def.err();
    return decide_edit(st, def->to_json().dump(), c);
  }
  return make_error(errc::validation, "verb", "unknown command '" + v + "'");
}

// `graph` with the client's arguments, parsed without exceptions: run (a number from 1; absent:
// the last run) and format (text or dot).
void graph(self_ptr self, const api_command& cmd, caf::response_promise rp) {
  auto& s = self->state;
  std::uint32_t run = 0;
  if (auto it = cmd.args.find("run"); it != cmd.args.end()) {
    auto n = parse_whole_number(it->second, "--run", 1, UINT32_MAX);
    if (!n) return reply_error(rp, n.err());
    run = static_cast<std::uint32_t>(*n);
  }
  if (run > s.st.runs.size())
    return reply_error(rp, make_error(errc::not_found, "--run", "no run " + std::to_string(run)));
  std::string format = cmd.args.count("format") ? cmd.args.at("format") : "text";
  if (format != "text" && format != "dot" && format != "json")
    return reply_error(rp, make_error(errc::validation, "--format",
                                      "expected text, dot or json, got '" + format + "'"));
  if (format == "json") return rp.deliver(graph_json(s.st, run).dump());
  rp.deliver(
      nlohmann::json{{"graph", format == "dot" ? graph_dot(s.st, run) : graph_text(s.st, run)}}
          .dump());
}

// `diff` with --from and --to (whole numbers from 1); an unknown version is not_found.
void diff(self_ptr self, const api_command& cmd, caf::response_promise rp) {
  std::uint32_t v[2] = {0, 0};
  const char* keys[2] = {"from", "to"};
  for (int i = 0; i < 2; ++i) {
    auto it = cmd.args.find(keys[i]);
    auto n = parse_whole_number(it == cmd.args.end() ? "" : it->second, std::string("--") + keys[i],
                                1, UINT32_MAX);
    if (!n) return reply_error(rp, n.err());
    v[i] = static_cast<std::uint32_t>(*n);
  }
  auto d = diff_versions(self->state.st, v[0], v[1]);
  if (!d) return reply_error(rp, d.err());
  rp.deliver(d->dump());
}

// A trigger of an api campaign goes to its trigger actor (batched, answered once durable).
void api_trigger(self_ptr self, const api_command& cmd, const command_context& c,
                 caf::response_promise rp) {
  auto& s = self->state;
  auto order = make_trigger_order(s.st, cmd, c);
  if (!order) return reply_error(rp, order.err());
  if (!s.triggers) {
    s.triggers = spawn_trigger_actor(self, s.ctx, s.id);
    self->attach_functor([t = s.triggers] { caf::anon_send(t, shutdown_atom::value); });
  }
  self->request(s.triggers, caf::infinite, trigger_atom::value, std::move(order.value()))
      .then([rp](std::string& r) mutable { rp.deliver(r); },
            [rp](caf::error& e) mutable { rp.deliver(e); });
}

// Proofs are rendered and sent on a one-shot worker (they read the data plane).
void proof(self_ptr self, const api_command& cmd, const command_context& c,
           caf::response_promise rp) {
  auto job = make_proof_job(self->state.st, cmd, c);
  if (!job) return reply_error(rp, job.err());
  auto worker = spawn_proof_worker(self, self->state.ctx->opts.runner);
  self->request(worker, caf::infinite, proof_atom::value, std::move(job.value()))
      .then([rp](std::string& r) mutable { rp.deliver(r); },
            [rp](caf::error& e) mutable { rp.deliver(e); });
}

void handle_command(self_ptr self, api_command& cmd, caf::response_promise rp) {
  auto& s = self->state;
  command_context c{cmd.actor, s.ctx->role_of(cmd.actor), s.ctx->now(),
                    s.ctx->opts.config.require_approval};
  if (s.quarantined) {
    reply_error(rp, *s.quarantined);
    // A read that failed may succeed later: the next command spawns this campaign again. A log
    // that does not fold stays quarantined (this actor keeps answering).
    if (s.quarantined->code != errc::integrity && s.tasks.empty()) self->quit();
    return;
  }
  bool gone = !s.st.exists() || s.st.status == campaign_status::deleted;
  if (cmd.verb == "create") {
    auto d =
        decide_create(s.st, s.id, cmd.body,
                      cmd.args.count("duplicatedFrom") ? cmd.args.at("duplicatedFrom") : "", c);
    return carry_out(self, std::move(d), c, cmd, rp);
  }
  if (gone) return reply_error(rp, make_error(errc::not_found, s.id, "no such campaign"));
  if (cmd.verb == "show") {
    auto j = campaign_to_json(s.st);
    if (!j.contains("approval")) j["approval"] = nullptr;  // INTERFACES.md §8: null or the step
    return rp.deliver(j.dump());
  }
  if (cmd.verb == "graph") return graph(self, cmd, rp);
  if (cmd.verb == "wait") {
    s.waiters.push_back(rp);
    return deliver_waiters(self);
  }
  if (cmd.verb == "duplicate") return duplicate(self, cmd, c, rp);
  if (cmd.verb == "report") {
    // Experiments' variants come from the data plane (a short read; none without variants).
    auto variants = variant_report(s.ctx->opts.data_url, s.ctx->opts.data_dir, s.st);
    if (!variants) return reply_error(rp, variants.err());
    return rp.deliver(campaign_report(s.st,
                                      cmd.args.count("activity") ? cmd.args.at("activity") : "",
                                      variants.value())
                          .dump());
  }
  if (cmd.verb == "feedback") return record_feedback(self, cmd, c, rp);
  if (cmd.verb == "versions") return rp.deliver(versions_json(s.st).dump());
  if (cmd.verb == "diff") return diff(self, cmd, rp);
  if (cmd.verb == "trigger" && s.st.def && s.st.def->schedule.k == schedule::kind::api)
    return api_trigger(self, cmd, c, rp);
  if (cmd.verb == "proof") return proof(self, cmd, c, rp);
  if (!cmd.command_id.empty()) {
    auto prev = s.ctx->opts.store->command_result(cmd.command_id);
    // Unknown whether the command ran: answer the error rather than run it again.
    if (!prev) return reply_error(rp, prev.err());
    if (*prev) {
      auto j = ok_json(self);
      j["duplicate"] = true;
      return rp.deliver(j.dump());
    }
  }
  if (cmd.verb == "edit")  // which version was made, and whether it is in force or waits
    return carry_out(self, lifecycle(self, cmd, c), c, cmd, rp, [self] {
      auto& st = self->state.st;
      auto j = ok_json(self);
      j["version"] = st.latest_version();
      j["inForce"] = st.def_version;
      j["proposed"] =
          st.proposed ? nlohmann::json(st.latest_version() + 1) : nlohmann::json(nullptr);
      return j;
    });
  carry_out(self, lifecycle(self, cmd, c), c, cmd, rp);
}

void finish_task(self_ptr self, std::uint32_t run, const std::string& activity, decision d) {
  if (!d) {
    spdlog::info("campaign {}: result of {} (run {}) ignored: {}", self->state.id, activity, run,
                 d.err().message());
    return step(self);
  }
  if (d->empty())
    spdlog::debug("campaign {}: late result of {} (run {}) ignored: the task was cancelled",
                  self->state.id, activity, run);
  commit(self, std::move(d.value()), engine_context_for(self), "",
         [self](result<append_result>) { step(self); });
}

void handle_task_done(self_ptr self, std::uint32_t run, const std::string& activity,
                      task_outcome& o) {
  auto& s = self->state;
  s.tasks.erase(std::to_string(run) + "/" + activity);
  if (s.quarantined) return maybe_end_draining(self);
  if (o.interrupted) {  // the engine stops; the task runs again on the next start
    spdlog::info("campaign {}: {} of run {} stopped with the engine; it resumes on the next start",
                 s.id, activity, run);
    return step(self);
  }
  if (!o.signal)
    return finish_task(self, run, activity,
                       decide_task_done(s.st, run, activity, o, engine_context_for(self)));
  // The command id names this task: if a crash makes the task run again, the target recognises
  // the repeat and does not start a second run.
  api_command trigger{
      "trigger",          o.signal->target,
      "engine",           "signal/" + s.id + "/" + std::to_string(run) + "/" + activity,
      "campaign/" + s.id, o.signal->vars};
  self->request(s.ctx->registry, std::chrono::seconds(30), command_atom::value, trigger)
      .then(
          [self, run, activity, o](std::string&) {
            finish_task(
                self, run, activity,
                decide_task_done(self->state.st, run, activity, o, engine_context_for(self)));
          },
          [self, run, activity, o](caf::error& e) {
            auto msg =
                "signal to campaign " + o.signal->target + " failed: " + from_caf(e).message();
            finish_task(
                self, run, activity,
                decide_task_failed(self->state.st, run, activity, msg, engine_context_for(self)));
          });
}

void handle_task_fail(self_ptr self, std::uint32_t run, const std::string& activity,
                      const std::string& msg) {
  auto& s = self->state;
  s.tasks.erase(std::to_string(run) + "/" + activity);
  if (s.quarantined) return maybe_end_draining(self);
  spdlog::warn("campaign {}: task {} of run {} failed: {}", s.id, activity, run, msg);
  finish_task(self, run, activity,
              decide_task_failed(s.st, run, activity, msg, engine_context_for(self)));
}

void handle_tick(self_ptr self) {
  auto& s = self->state;
  if (s.quarantined) return;
  s.armed = -1;  // the timer fired (or we are starting): arm again
  std::vector<ev::campaign_event> events;
  if (auto* r = s.st.active_run()) {
    auto c = engine_context_for(self);
    for (auto& [id, t] : r->tasks)
      if (t.status == task_status::running && t.wait_until && t.wait_until <= c.now)
        if (auto d = decide_wait_elapsed(s.st, r->number, id, c))
          events.insert(events.end(), d->begin(), d->end());
  }
  if (events.empty()) return step(self);
  commit(self, std::move(events), engine_context_for(self), "",
         [self](result<append_result>) { step(self); });
}

}  // namespace

caf::actor spawn_campaign_actor(caf::local_actor* parent, engine_ctx_ptr ctx,
                                const std::string& id) {
  return parent->spawn([ctx, id](self_ptr self) -> caf::behavior {
    auto& s = self->state;
    s.ctx = ctx;
    s.id = id;
    auto loaded = load_campaign(*ctx->opts.store, id);
    if (loaded)
      s.st = std::move(loaded.value());
    else  // never an empty state: "no such campaign" would be a wrong answer
      quarantine(self, loaded.err());
    self->send(self, tick_atom::value);
    return {
        [self](command_atom, api_command& cmd) -> caf::result<std::string> {
          ++self->state.activity;
          auto rp = self->make_response_promise();
          try {
            handle_command(self, cmd, rp);
          } catch (const std::exception& e) {
            // The last line of defence: no client command may take the campaign down. Decisions
            // are pure, so nothing was half applied; the client gets the error.
            spdlog::error("campaign {}: command {} failed: {}", self->state.id, cmd.verb, e.what());
            if (rp.pending())
              reply_error(rp, make_error(errc::failed, cmd.verb,
                                         std::string("internal error: ") + e.what()));
          }
          return caf::delegated<std::string>{};
        },
        [self](task_done_atom, std::uint32_t run, const std::string& activity, task_outcome& o) {
          ++self->state.activity;
          handle_task_done(self, run, activity, o);
        },
        [self](task_fail_atom, std::uint32_t run, const std::string& activity,
               const std::string& msg) {
          ++self->state.activity;
          handle_task_fail(self, run, activity, msg);
        },
        [self](progress_atom, ev::delivery_progress& p) -> caf::result<bool> {
          ++self->state.activity;
          if (self->state.quarantined) return to_caf(*self->state.quarantined);
          auto rp = self->make_response_promise();
          auto d = decide_progress(self->state.st, p, engine_context_for(self));
          if (!d) return to_caf(d.err());
          commit(self, std::move(d.value()), engine_context_for(self), "",
                 [rp](result<append_result> r) mutable {
                   if (r)
                     rp.deliver(true);
                   else
                     rp.deliver(to_caf(r.err()));
                 });
          return caf::delegated<bool>{};
        },
        [self](tick_atom) {
          ++self->state.activity;
          handle_tick(self);
        },
        [self](drain_atom) {
          auto& s = self->state;
          s.draining = true;
          if (s.quarantined) return self->quit();  // nothing of it is carried on
          deliver_waiters(self, true);
          maybe_end_draining(self);
        },
        [self](idle_atom, std::uint64_t seen) {
          auto& s = self->state;
          if (seen != s.activity || s.st.active_run() || !s.tasks.empty() || !s.waiters.empty())
            return;
          save_snapshot(self);  // the next spawn folds nothing
          self->quit();
        },
    };
  });
}

}  // namespace baton
