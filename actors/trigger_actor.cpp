#include "actors/trigger_actor.hpp"

#include <map>
#include <random>

#include <spdlog/spdlog.h>

#include "actors/engine_context.hpp"
#include "events/trigger_events.hpp"
#include "model/json_parse.hpp"

namespace baton {

namespace {

constexpr std::size_t max_batch = 512;  // triggers per worker batch

struct waiting_trigger {
  trigger_request request;
  caf::response_promise rp;
  std::string actor, command_id;
};

struct trigger_actor_state {
  engine_ctx_ptr ctx;
  std::string campaign;
  caf::actor worker;
  trigger_job base;  // the latest order's job (the definition in force)
  std::vector<waiting_trigger> queue;
  bool busy = false, flush_sent = false;
  // Trigger ids being handled -> the repeats waiting for their first result.
  std::map<std::string, std::vector<caf::response_promise>> in_flight;
  bool closing = false;  // the campaign actor ended: end once nothing is in flight
  static inline const char* name = "trigger";
};

using self_ptr = caf::stateful_actor<trigger_actor_state>*;

void maybe_quit(self_ptr self) {
  auto& s = self->state;
  if (s.closing && !s.busy && s.queue.empty() && s.in_flight.empty()) self->quit();
}

std::string command_of(const std::string& campaign, const std::string& trigger_id) {
  return "trigger/" + campaign + "/" + trigger_id;
}

trigger_result result_of(const ev::trigger_handled& e) {
  return {std::nullopt, e.message_id, e.status, e.excluded, e.activity};
}

// The first result of a trigger id already in the log, or nullopt when it is not there.
result<std::optional<trigger_result>> recorded(self_ptr self, const std::string& trigger_id) {
  auto& store = *self->state.ctx->opts.store;
  auto prev = store.command_result(command_of(self->state.campaign, trigger_id));
  if (!prev) return prev.err();
  if (!*prev || (*prev)->ranges.empty()) return std::optional<trigger_result>{};
  const auto& range = (*prev)->ranges.front();
  auto events = store.read_stream(range.stream, range.first_seq, range.first_seq);
  if (!events) return events.err();
  if (events->empty())
    return make_error(errc::integrity, range.stream, "the recorded trigger event is missing");
  auto e = ev::trigger_handled_from(events->front());
  if (!e) return e.err();
  return std::optional<trigger_result>{result_of(*e)};
}

void settle(self_ptr self, const std::string& trigger_id, const result<trigger_result>& r,
            caf::response_promise& first, bool duplicate) {
  auto waiting = std::move(self->state.in_flight[trigger_id]);
  self->state.in_flight.erase(trigger_id);
  if (!r) {
    first.deliver(to_caf(r.err()));
    for (auto& w : waiting) w.deliver(to_caf(r.err()));
    maybe_quit(self);
    return;
  }
  first.deliver(trigger_reply(trigger_id, *r, duplicate).dump());
  for (auto& w : waiting) w.deliver(trigger_reply(trigger_id, *r, true).dump());
  maybe_quit(self);
}

// Records one sent or excluded trigger; answers once the event is durable.
void record(self_ptr self, waiting_trigger t, trigger_result r) {
  auto& s = self->state;
  ev::trigger_handled h{t.request.trigger_id,
                        t.request.recipient,
                        r.activity.empty() ? s.base.act.id : r.activity,
                        r.message_id,
                        r.status,
                        r.excluded,
                        s.base.category};
  auto e = ev::to_event(h);
  e.actor = t.actor;
  e.correlation_id = s.campaign;
  e.causation_id = t.command_id.empty() ? "api" : t.command_id;
  append_batch b;
  b.opts.sync = s.ctx->opts.durable;
  b.opts.command_id = command_of(s.campaign, t.request.trigger_id);
  b.requests.push_back({ev::trigger_stream(s.campaign), any_version, {std::move(e)}});
  self->request(s.ctx->writer, caf::infinite, append_atom::value, std::move(b))
      .then(
          [self, t, r](append_result& a) mutable {
            if (!a.duplicate) return settle(self, t.request.trigger_id, r, t.rp, false);
            auto first = recorded(self, t.request.trigger_id);  // another engine's, first
            if (!first || !*first)
              return settle(self, t.request.trigger_id,
                            first ? result<trigger_result>(r) : result<trigger_result>(first.err()),
                            t.rp, true);
            settle(self, t.request.trigger_id, **first, t.rp, true);
          },
          [self, t](caf::error& err) mutable {
            settle(self, t.request.trigger_id, from_caf(err), t.rp, false);
          });
}

void flush(self_ptr self);

void batch_done(self_ptr self, std::vector<waiting_trigger> batch, trigger_batch_done& d) {
  auto& s = self->state;
  s.busy = false;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto& t = batch[i];
    if (d.failure || i >= d.results.size()) {
      auto why = d.failure.value_or(make_error(errc::failed, "trigger", "no result"));
      settle(self, t.request.trigger_id, why, t.rp, false);
    } else if (d.results[i].failure) {
      settle(self, t.request.trigger_id, *d.results[i].failure, t.rp, false);
    } else {
      record(self, std::move(t), std::move(d.results[i]));
    }
  }
  if (!s.queue.empty()) flush(self);
}

// Sends the queued triggers to the worker as one batch (the next batch forms meanwhile).
void flush(self_ptr self) {
  auto& s = self->state;
  s.flush_sent = false;
  if (s.busy || s.queue.empty()) return;
  std::vector<waiting_trigger> batch;
  auto n = std::min(max_batch, s.queue.size());
  batch.assign(std::make_move_iterator(s.queue.begin()),
               std::make_move_iterator(s.queue.begin() + static_cast<std::ptrdiff_t>(n)));
  s.queue.erase(s.queue.begin(), s.queue.begin() + static_cast<std::ptrdiff_t>(n));
  trigger_job job = s.base;
  job.now = s.ctx->now();
  for (auto& t : batch) job.triggers.push_back(t.request);
  s.busy = true;
  self->request(s.worker, caf::infinite, send_triggers_atom::value, std::move(job))
      .then([self, batch](trigger_batch_done& d) mutable { batch_done(self, std::move(batch), d); },
            [self, batch](caf::error& err) mutable {
              trigger_batch_done d;
              d.failure = from_caf(err);
              batch_done(self, std::move(batch), d);
            });
}

void take(self_ptr self, trigger_order& o, caf::response_promise rp) {
  auto& s = self->state;
  const auto& id = o.request.trigger_id;
  if (auto it = s.in_flight.find(id); it != s.in_flight.end()) {
    it->second.push_back(rp);  // the first is on its way: same answer, as a repeat
    return;
  }
  auto first = recorded(self, id);
  if (!first) {
    rp.deliver(to_caf(first.err()));
    return;
  }
  if (*first) {
    rp.deliver(trigger_reply(id, **first, true).dump());
    return;
  }
  s.in_flight[id];
  s.base = std::move(o.job);
  s.queue.push_back({std::move(o.request), rp, std::move(o.actor), std::move(o.command_id)});
  if (!s.busy && !s.flush_sent) {  // the triggers already in the mailbox join this batch
    s.flush_sent = true;
    self->send(self, flush_atom::value);
  }
}

caf::actor spawn_trigger_worker(caf::local_actor* parent, engine_ctx_ptr ctx) {
  return parent->spawn<caf::detached + caf::linked>([ctx](
                                                        caf::event_based_actor*) -> caf::behavior {
    return {[ctx](send_triggers_atom, trigger_job& job) {
      trigger_batch_done d;
      job.recorded = [ctx, campaign = job.campaign](const std::string& id) -> result<bool> {
        auto prev = ctx->opts.store->command_result(command_of(campaign, id));
        if (!prev) return prev.err();
        return *prev && !(*prev)->ranges.empty();
      };
      try {
        auto& runner = *ctx->opts.runner;
        auto r = job.graph ? runner.send_graph_triggers(job, runner) : runner.send_triggers(job);
        if (r)
          d.results = std::move(r.value());
        else
          d.failure = r.err();
      } catch (const std::exception& e) {
        d.failure = make_error(errc::failed, "trigger", std::string("internal error: ") + e.what());
      }
      return d;
    }};
  });
}

std::string random_trigger_id() {
  std::random_device rd;
  std::string id = "t-";
  static const char* hex = "0123456789abcdef";
  for (int i = 0; i < 4; ++i) {
    auto v = rd();
    for (int k = 0; k < 8; ++k, v >>= 4) id += hex[v & 15];
  }
  return id;
}

std::string arg(const api_command& cmd, const char* name) {
  auto it = cmd.args.find(name);
  return it == cmd.args.end() ? "" : it->second;
}

}  // namespace

result<trigger_order> make_trigger_order(const campaign_state& st, const api_command& cmd,
                                         const command_context& c) {
  if (auto refused = check_role(c.actor, c.who, role::approver, "campaign trigger"))
    return *refused;
  if (st.status != campaign_status::live)
    return make_error(errc::refused, st.id,
                      std::string("a trigger needs a live campaign; this one is ") +
                          to_string(st.status) + " (publish it first)");
  trigger_order o;
  o.request.recipient = arg(cmd, "recipient");
  if (o.request.recipient.empty())
    return make_error(errc::validation, "--recipient",
                      "an api campaign sends to one recipient: give --recipient KEY");
  o.request.trigger_id = arg(cmd, "triggerId");
  if (o.request.trigger_id.empty()) o.request.trigger_id = random_trigger_id();
  if (o.request.trigger_id.size() > 200)
    return make_error(errc::validation, "--trigger-id", "at most 200 characters");
  if (!cmd.body.empty()) {
    problems ps;
    auto j = parse_json_text(cmd.body, ps, {64 * 1024, 32});
    if (!j || has_errors(ps))
      return make_error(
          errc::validation, "--context-file",
          "the context is not JSON: " + (ps.empty() ? std::string("?") : ps.front().message));
    if (!j->is_object())
      return make_error(errc::validation, "--context-file",
                        "the context must be a JSON object (its members render as "
                        "{{context.NAME}})");
    o.request.context = std::move(*j);
  }
  const campaign_definition& def = *st.def;
  std::vector<const activity*> roots;
  for (const auto& a : def.activities)
    if (def.sources_of(a.id).empty() && !a.disabled) roots.push_back(&a);
  if (roots.size() != 1)  // validation refuses it; a definition of an older engine may have it
    return make_error(errc::refused, st.id,
                      "an api campaign's graph starts at one activity; this one has " +
                          std::to_string(roots.size()));
  // A channel root takes the fast path; enrichment, test, split or deduplication the graph path.
  if (!is_channel(roots.front()->type))
    o.job.graph = std::make_shared<const campaign_definition>(def);
  o.job.campaign = st.id;
  o.job.dimension = def.dimension;
  o.job.act = *roots.front();
  o.job.category = def.category;
  o.job.now = c.now;
  o.actor = cmd.actor;
  o.command_id = cmd.command_id;
  return o;
}

nlohmann::json trigger_reply(const std::string& trigger_id, const trigger_result& r,
                             bool duplicate) {
  bool sent = r.status == "sent";
  return {{"triggerId", trigger_id},
          {"messageId", sent ? nlohmann::json(r.message_id) : nlohmann::json(nullptr)},
          {"status", r.status},
          {"excluded", sent ? nlohmann::json(nullptr) : nlohmann::json(r.excluded)},
          {"duplicate", duplicate}};
}

caf::actor spawn_trigger_actor(caf::local_actor* parent, engine_ctx_ptr ctx,
                               const std::string& campaign) {
  return parent->spawn([ctx, campaign](self_ptr self) -> caf::behavior {
    self->state.ctx = ctx;
    self->state.campaign = campaign;
    self->state.worker = spawn_trigger_worker(self, ctx);
    return {
        [self](trigger_atom, trigger_order& o) -> caf::result<std::string> {
          auto rp = self->make_response_promise();
          take(self, o, rp);
          return caf::delegated<std::string>{};
        },
        [self](flush_atom) {
          flush(self);
          maybe_quit(self);
        },
        [self](shutdown_atom) {
          self->state.closing = true;
          maybe_quit(self);
        },
    };
  });
}

}  // namespace baton
