// The registry (the engine actor proper): creates campaigns, routes commands and timer firings
// to campaign actors (spawning and recovering them on demand, and again if one passivated in
// the meantime), lists campaigns, and fronts the typed API that clients use.
#include <algorithm>
#include <random>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "actors/backup.hpp"
#include "actors/engine_context.hpp"
#include "actors/feedback.hpp"
#include "actors/messages.hpp"
#include "actors/templates.hpp"
#include "actors/timer.hpp"
#include "actors/writer.hpp"
#include "channels/channel_activity.hpp"
#include "model/campaign_view.hpp"

namespace baton {

namespace {

struct registry_state {
  engine_ctx_ptr ctx;
  std::map<std::string, caf::actor> campaigns;
  // The same entries by actor: a down message finds its campaign without a scan (with 100 000
  // actors, a scan per down message made shutdown quadratic: minutes).
  std::unordered_map<caf::actor_addr, std::string> ids;
  std::mt19937_64 rng{std::random_device{}()};
  bool stopping = false;  // shutdown: no new commands; waits for the campaign actors to end
  static inline const char* name = "registry";
};

using registry_ptr = caf::stateful_actor<registry_state>*;

// Whether the campaign's stream has events; a failed read is an error, not "no".
result<bool> campaign_exists(registry_ptr self, const std::string& id) {
  auto v = self->state.ctx->opts.store->stream_version("campaign/" + id);
  if (!v) return v.err();
  return *v > 0;
}

caf::actor campaign_actor(registry_ptr self, const std::string& id) {
  auto& m = self->state.campaigns;
  if (auto it = m.find(id); it != m.end()) return it->second;
  auto a = spawn_campaign_actor(self, self->state.ctx, id);
  self->monitor(a);
  m[id] = a;
  self->state.ids[a.address()] = id;
  return a;
}

// Appends facts to the security stream through the writer (at `expected`: the version the
// decision saw, or any_version for records); each is applied to the security book once durable,
// then `done` (when set) hears the outcome.
void append_security(registry_ptr self, std::vector<ev::security_event> facts,
                     const std::string& actor, std::uint64_t expected,
                     std::function<void(result<append_result>)> done) {
  auto& ctx = *self->state.ctx;
  append_request req{ev::security_stream, expected, {}};
  for (auto& f : facts) {
    auto e = to_event(f);
    e.actor = actor;
    req.events.push_back(std::move(e));
  }
  auto events = req.events;
  append_batch b;
  b.opts.sync = ctx.opts.durable;
  b.requests.push_back(std::move(req));
  auto book = ctx.security;
  self->request(ctx.writer, caf::infinite, append_atom::value, std::move(b))
      .then(
          [book, events, done](append_result& r) {
            if (!r.ranges.empty()) {
              auto& range = r.ranges.front();
              for (std::size_t i = 0; i < events.size(); ++i) {
                event env = events[i];
                env.stream = range.stream;
                env.stream_seq = range.first_seq + i;
                env.global_seq = range.first_global + i;
                env.time = r.time;
                book->apply(env);
              }
            }
            if (done) done(r);
          },
          [done](caf::error& err) {
            auto e = from_caf(err);
            spdlog::warn("engine: security event not recorded: {}", e.message());
            if (done) done(e);
          });
}

// Records a refusal for permission (who tried what) in the security stream.
void record_refusal(registry_ptr self, const std::string& actor, role who,
                    const std::string& command, const std::string& campaign) {
  append_security(self, {ev::permission_refused{actor, to_string(who), command, campaign}}, actor,
                  any_version, nullptr);
}

// Decides a user command on the security book and appends its facts at the version the decision
// saw. A conflict means another fact (a refusal, a failed login, another admin) was appended
// first: that one is in the book by the time the conflict comes back (the writer answers in
// order), so the command is decided again on the fresh book, up to `tries` times.
void decide_user_command(registry_ptr self, api_command cmd, caf::response_promise rp, int tries) {
  auto state = self->state.ctx->security->get();
  auto d = decide_user(*state, cmd.verb, cmd.args);
  if (!d) {
    rp.deliver(to_caf(d.err()));
    return;
  }
  auto reply = d->reply;
  if (d->events.empty()) {
    rp.deliver(reply.dump());
    return;
  }
  if (!d->token.empty()) reply["token"] = d->token;
  auto actor = cmd.actor;
  append_security(self, std::move(d->events), actor,
                  state->version == 0 ? no_stream : state->version,
                  [self, cmd = std::move(cmd), rp, reply, tries](result<append_result> r) mutable {
                    if (!r && r.err().code == errc::conflict && tries > 1)
                      decide_user_command(self, std::move(cmd), rp, tries - 1);
                    else if (!r)
                      rp.deliver(to_caf(r.err()));
                    else
                      rp.deliver(reply.dump());
                  });
}

// `user add|list|token|revoke|remove` (the door checked for admin). A new token is in the reply
// only: shown once by the client, never stored, logged or recorded.
caf::result<std::string> user_command(registry_ptr self, const api_command& cmd) {
  auto rp = self->make_response_promise();
  decide_user_command(self, cmd, rp, 5);
  return caf::delegated<std::string>{};
}

// Forwards a command; when the campaign actor had just passivated, spawns it again once.
void forward(registry_ptr self, const std::string& id, api_command cmd, caf::response_promise rp,
             bool retry = true) {
  auto a = campaign_actor(self, id);
  self->request(a, caf::infinite, command_atom::value, cmd)
      .then([rp](std::string& r) mutable { rp.deliver(r); },
            [self, id, cmd, rp, retry, a](caf::error& e) mutable {
              if (retry && e == caf::sec::request_receiver_down && !self->state.stopping) {
                if (auto it = self->state.campaigns.find(id);
                    it != self->state.campaigns.end() && it->second == a) {
                  self->state.campaigns.erase(it);
                  self->state.ids.erase(a.address());
                }
                return forward(self, id, cmd, rp, false);
              }
              if (auto be = from_caf(e); be.code == errc::refused && be.where == "permission")
                record_refusal(self, cmd.actor, self->state.ctx->role_of(cmd.actor),
                               rule_of_verb(cmd.verb).typed, id);
              rp.deliver(e);
            });
}

result<std::string> new_campaign_id(registry_ptr self) {
  for (;;) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08llx",
                  static_cast<unsigned long long>(self->state.rng() & 0xffffffffull));
    std::string id = std::string("c-") + buf;
    auto exists = campaign_exists(self, id);
    if (!exists) return exists.err();
    if (!*exists && !self->state.campaigns.count(id)) return id;
  }
}

nlohmann::json warnings_json(const problems& ps) {
  nlohmann::json w = nlohmann::json::array();
  for (auto& p : ps)
    if (p.level == problem::severity::warning)
      w.push_back({{"pointer", p.pointer}, {"message", p.message}});
  return w;
}

caf::result<std::string> list_campaigns(registry_ptr self, const api_command& cmd) {
  auto& store = *self->state.ctx->opts.store;
  nlohmann::json out = nlohmann::json::array();
  std::string want = cmd.args.count("status") ? cmd.args.at("status") : "";
  campaign_status parsed;
  if (!want.empty() && (!parse_campaign_status(want, parsed) || parsed == campaign_status::none ||
                        parsed == campaign_status::deleted))
    return to_caf(make_error(errc::validation, "--status",
                             "unknown status '" + want +
                                 "' (draft, scheduled, live, paused, stopped, completed, closed, "
                                 "archived)"));
  auto heads = store.streams("campaign/");
  if (!heads) return to_caf(heads.err());
  for (auto& head : heads.value()) {
    auto s = load_campaign(store, head.stream.substr(9));
    if (!s) return to_caf(s.err());
    if (s->status == campaign_status::deleted || s->status == campaign_status::none) continue;
    if (!want.empty() && want != to_string(s->status)) continue;
    out.push_back(campaign_summary_json(s.value()));
  }
  return out.dump();
}

caf::result<std::string> create(registry_ptr self, api_command& cmd) {
  auto& ctx = *self->state.ctx;
  auto v = validate_campaign(cmd.body, ctx.opts.schema.get(), ctx.limits);
  if (!v.ok()) return to_caf(to_validation_error(v.issues));
  if (auto t = channels::check_channel_templates(*v.definition); has_errors(t))
    return to_caf(to_validation_error(t));
  if (!cmd.command_id.empty()) {
    auto prev = ctx.opts.store->command_result(cmd.command_id);
    if (!prev) return to_caf(prev.err());  // unknown whether it ran: never run it twice
    if (*prev && !(*prev)->ranges.empty())
      return nlohmann::json{{"id", (*prev)->ranges.front().stream.substr(9)}, {"duplicate", true}}
          .dump();
  }
  cmd.body = v.definition->to_json().dump();
  auto new_id = new_campaign_id(self);
  if (!new_id) return to_caf(new_id.err());
  auto id = new_id.value();
  cmd.campaign = id;
  auto rp = self->make_response_promise();
  auto warnings = warnings_json(v.issues);
  self->request(campaign_actor(self, id), caf::infinite, command_atom::value, cmd)
      .then(
          [rp, warnings](std::string& r) mutable {
            auto j = nlohmann::json::parse(r, nullptr, false);  // the campaign actor's reply
            if (!j.is_object()) j = nlohmann::json::object();
            j["warnings"] = warnings;
            rp.deliver(j.dump());
          },
          [rp](caf::error& e) mutable { rp.deliver(e); });
  return caf::delegated<std::string>{};
}

// Feedback rows go to the campaigns their messages came from; the reply adds up the answers:
// rows = accepted + rejected, accepted = recorded (new) + repeats. The role is checked before
// anything is read or written.
caf::result<std::string> feedback(registry_ptr self, const api_command& cmd) {
  auto& opts = self->state.ctx->opts;
  auto who = self->state.ctx->role_of(cmd.actor);
  if (auto refused = check_role(cmd.actor, who, role::approver, "feedback load"))
    return to_caf(*refused);
  auto batch = match_feedback(opts, cmd.body);
  if (!batch) return to_caf(batch.err());
  struct tally {
    caf::response_promise rp;
    std::size_t pending = 0;
    std::uint64_t recorded = 0;
    nlohmann::json rejected;
    std::uint64_t rows = 0, accepted = 0;
  };
  auto t = std::make_shared<tally>();
  t->rp = self->make_response_promise();
  t->rejected = batch->rejected;
  t->rows = batch->rows;
  t->accepted = batch->accepted;
  t->pending = batch->by_campaign.size();
  auto finish = [t] {
    if (t->pending > 0) return;
    std::stable_sort(t->rejected.begin(), t->rejected.end(),
                     [](const nlohmann::json& a, const nlohmann::json& b) {
                       return a.value("line", 0) < b.value("line", 0);
                     });
    t->rp.deliver(nlohmann::json{
        {"rows", t->rows},
        {"accepted", t->accepted},
        {"recorded", t->recorded},
        {"repeats", t->accepted - t->recorded},
        {"rejected",
         t->rejected}}.dump());
  };
  if (t->pending == 0) {
    finish();
    return caf::delegated<std::string>{};
  }
  for (auto& [id, items] : batch->by_campaign) {
    api_command fb{"feedback", id, cmd.actor, "", items.dump(), {}};
    self->request(campaign_actor(self, id), caf::infinite, command_atom::value, fb)
        .then(
            [t, finish](std::string& r) {
              auto j = nlohmann::json::parse(r, nullptr, false);
              if (j.is_object() && j["recorded"].is_number_unsigned())
                t->recorded += j["recorded"].get<std::uint64_t>();
              --t->pending;
              finish();
            },
            [t, finish, id = id, items = items](caf::error& e) {
              // The campaign took none of its rows: each one is rejected, on its own line.
              auto why = "campaign " + id + ": " + from_caf(e).message();
              for (auto& item : items)
                t->rejected.push_back({{"line", item.value("line", 0)}, {"reason", why}});
              t->accepted -= items.size();
              --t->pending;
              finish();
            });
  }
  return caf::delegated<std::string>{};
}

// A backup runs on a thread of its own (it copies files); the registry goes on routing.
caf::result<std::string> backup(registry_ptr self, const api_command& cmd) {
  auto dir = cmd.args.count("dir") ? cmd.args.at("dir") : "";
  if (dir.empty()) return to_caf(make_error(errc::validation, "dir", "backup needs a directory"));
  auto ctx = self->state.ctx;
  auto job = self->spawn<caf::detached>([ctx](caf::event_based_actor* me) -> caf::behavior {
    return {[ctx, me](backup_atom, const std::string& target) -> caf::result<std::string> {
      me->quit();
      auto r = write_backup(*ctx->opts.store, ctx->opts.data_dir, ctx->opts.data_url, target);
      if (!r) return to_caf(r.err());
      return backup_to_json(r.value()).dump();
    }};
  });
  auto rp = self->make_response_promise();
  self->request(job, caf::infinite, backup_atom::value, dir)
      .then([rp](std::string& r) mutable { rp.deliver(r); },
            [rp](caf::error& e) mutable { rp.deliver(e); });
  return caf::delegated<std::string>{};
}

// Templates (actors/templates.hpp): save, list, show, and create --from-template (whose
// definition then goes through `create` like a file's). nullopt for any other verb.
std::optional<caf::result<std::string>> template_command(registry_ptr self, api_command& cmd) {
  auto& store = *self->state.ctx->opts.store;
  auto reply = [](result<std::string> r) -> caf::result<std::string> {
    if (!r) return to_caf(r.err());
    return std::move(r.value());
  };
  if (cmd.verb == "template-save") return save_template(self, *self->state.ctx, cmd);
  if (cmd.verb == "template-list") return reply(list_templates(store));
  if (cmd.verb == "template-show") return reply(show_template(store, cmd));
  if (cmd.verb != "create" || !cmd.args.count("template")) return std::nullopt;
  auto def = definition_from_template(store, cmd);
  if (!def) return caf::result<std::string>(to_caf(def.err()));
  cmd.body = std::move(def.value());
  return create(self, cmd);
}

caf::result<std::string> route(registry_ptr self, api_command& cmd) {
  if (self->state.stopping)
    return to_caf(make_error(errc::unavailable, "engine", "the engine is stopping"));
  // The door: the least role the verb needs, for the identity the command carries (stamped by
  // the API gate for network clients: actors/gate.hpp). Refusals are recorded.
  auto rule = rule_of_verb(cmd.verb);
  auto who = self->state.ctx->role_of(cmd.actor);
  if (auto refused = check_role(cmd.actor, who, rule.needed, rule.typed)) {
    record_refusal(self, cmd.actor, who, rule.typed, cmd.campaign);
    return to_caf(*refused);
  }
  if (cmd.verb.rfind("user-", 0) == 0) return user_command(self, cmd);
  if (auto t = template_command(self, cmd)) return std::move(*t);
  if (cmd.verb == "create") return create(self, cmd);
  if (cmd.verb == "list") return list_campaigns(self, cmd);
  // Feedback rows (CSV) find their own campaigns; items already matched to one campaign (the
  // tracking paths: JSON) go to it like any other command about it.
  if (cmd.verb == "feedback" && cmd.campaign.empty()) return feedback(self, cmd);
  if (cmd.verb == "backup") return backup(self, cmd);
  if (cmd.verb == "validate") {
    auto v =
        validate_campaign(cmd.body, self->state.ctx->opts.schema.get(), self->state.ctx->limits);
    if (!v.ok()) return to_caf(to_validation_error(v.issues));
    return nlohmann::json{{"ok", true}, {"warnings", warnings_json(v.issues)}}.dump();
  }
  if (cmd.campaign.empty())
    return to_caf(make_error(errc::validation, "campaign", "this command needs a campaign id"));
  if (!self->state.campaigns.count(cmd.campaign)) {
    auto exists = campaign_exists(self, cmd.campaign);
    if (!exists) return to_caf(exists.err());  // the cause, never "no such campaign"
    if (!*exists) return to_caf(make_error(errc::not_found, cmd.campaign, "no such campaign"));
  }
  auto rp = self->make_response_promise();
  forward(self, cmd.campaign, cmd, rp);
  return caf::delegated<std::string>{};
}

// The end of a shutdown. Campaign actors go first: each one finishes the append it is awaiting
// (stopping the writer under it would leave it waiting forever). Then the workers, the timer
// and the writer stop.
void finish_shutdown(registry_ptr self) {
  auto& st = self->state;
  if (!st.stopping || !st.campaigns.empty()) return;
  for (auto& w : st.ctx->workers) self->send_exit(w, caf::exit_reason::user_shutdown);
  self->send_exit(st.ctx->timer, caf::exit_reason::user_shutdown);
  self->send_exit(st.ctx->writer, caf::exit_reason::user_shutdown);
  self->quit();
}

caf::actor spawn_registry(caf::actor_system& sys, engine_ctx_ptr ctx) {
  return sys.spawn([ctx](registry_ptr self) -> caf::behavior {
    self->state.ctx = ctx;
    self->set_down_handler([self](const caf::down_msg& dm) {
      auto& st = self->state;
      if (auto id = st.ids.find(dm.source); id != st.ids.end()) {
        if (auto it = st.campaigns.find(id->second);
            it != st.campaigns.end() && it->second.address() == dm.source)
          st.campaigns.erase(it);
        st.ids.erase(id);
      }
      finish_shutdown(self);
    });
    return {
        [self](command_atom, api_command& cmd) -> caf::result<std::string> {
          try {
            return route(self, cmd);
          } catch (const std::exception& e) {  // no client command may take the engine down
            spdlog::error("engine: command {} failed: {}", cmd.verb, e.what());
            return to_caf(
                make_error(errc::failed, cmd.verb, std::string("internal error: ") + e.what()));
          }
        },
        [self](record_atom, security_record& r) {
          append_security(self, std::move(r.events), r.actor, any_version, nullptr);
        },
        [self](fired_atom, const std::string& id) {
          if (self->state.stopping) return;
          auto exists = campaign_exists(self, id);
          if (!exists)
            spdlog::error("engine: timer of campaign {} not delivered: {}", id,
                          exists.err().message());
          else if (*exists)
            self->send(campaign_actor(self, id), tick_atom::value);
        },
        [self](tick_atom) { self->send(self->state.ctx->timer, tick_atom::value); },
        [self](subscribe_atom a, std::string& campaign, caf::actor& who) {
          self->send(self->state.ctx->writer, a, campaign, who);
        },
        [self](unsubscribe_atom a, caf::actor& who) {
          self->send(self->state.ctx->writer, a, who);
        },
        [self](shutdown_atom) {
          // Campaign actors go first: each settles its running sends and its commits in flight
          // (the writer still answers), then ends; the writer, timer and workers follow once
          // the last campaign actor is down.
          self->state.stopping = true;
          for (auto& [id, a] : self->state.campaigns) self->send(a, drain_atom::value);
          finish_shutdown(self);
        },
        [self](idle_atom) {  // recover every campaign that has unfinished business
          if (self->state.stopping || !self->state.ctx->opts.start_work) return;
          auto heads = self->state.ctx->opts.store->streams("campaign/");
          if (!heads) {  // no campaign is skipped for good: try the whole list again
            spdlog::error("engine: recovery cannot list the campaigns, retrying in 5 s: {}",
                          heads.err().message());
            self->delayed_send(self, std::chrono::seconds(5), idle_atom::value);
            return;
          }
          for (auto& head : heads.value()) campaign_actor(self, head.stream.substr(9));
        },
    };
  });
}

}  // namespace

engine_handles spawn_engine(caf::actor_system& sys, engine_options opts) {
  auto ctx = std::make_shared<engine_context>();
  static const system_clock wall;
  ctx->clk = opts.time_source ? opts.time_source : &wall;
  if (!opts.runner) opts.runner = make_flow_runner();
  ctx->opts = std::move(opts);
  auto book = security_book::load(*ctx->opts.store);
  if (!book) spdlog::error("engine: the security stream cannot be read: {}", book.err().message());
  ctx->security = book ? book.value() : std::make_shared<security_book>();
  run_environment env;
  if (ctx->opts.config.channels.is_object())
    for (auto& [name, entry] : ctx->opts.config.channels.items()) env.channels.insert(name);
  env.import_dir = !ctx->opts.config.import_dir.empty() ? ctx->opts.config.import_dir
                   : ctx->opts.data_dir.empty()         ? ""
                                                        : ctx->opts.data_dir + "/import";
  ctx->limits.env = std::move(env);
  auto runner = ctx->opts.runner;
  auto stopping = ctx->stopping;
  auto busy = ctx->busy;
  for (int i = 0; i < std::max(1, ctx->opts.config.workers); ++i)
    ctx->workers.push_back(sys.spawn<caf::detached>(
        [runner, stopping, busy](caf::event_based_actor* self) -> caf::behavior {
          return {[runner, self, stopping, busy](run_task_atom,
                                                 task_job& j) -> caf::result<task_outcome> {
                    j.input.act = &j.act;
                    j.input.stop_requested = [stopping] { return stopping->load(); };
                    ++*busy;
                    struct done_guard {
                      std::atomic<int>& n;
                      ~done_guard() { --n; }
                    } guard{*busy};
                    // Each batch of a channel becomes durable (its campaign actor) first.
                    auto* sys = &self->system();
                    auto campaign = j.campaign;
                    j.input.checkpoint = [sys, campaign](const ev::delivery_progress& p) -> status {
                      caf::scoped_actor waiter{*sys};
                      status out = ok_status();
                      waiter->request(campaign, caf::infinite, progress_atom::value, p)
                          .receive([](bool) {}, [&](caf::error& e) { out = from_caf(e); });
                      return out;
                    };
                    auto r = runner->run(j.input);
                    if (r) return std::move(r.value());
                    return to_caf(r.err());
                  },
                  [runner](retain_atom, const std::string& campaign,
                           std::uint32_t last_run) -> caf::result<std::uint64_t> {
                    auto r = runner->drop_run_data(campaign, last_run);
                    if (r) return r.value();
                    return to_caf(r.err());
                  }};
        }));
  ctx->writer = spawn_event_writer(sys, ctx->opts.store);
  ctx->registry = spawn_registry(sys, ctx);
  ctx->timer = spawn_timer(sys, ctx->clk, ctx->registry, ctx->opts.real_time);
  caf::anon_send(ctx->registry, idle_atom::value);  // recovery
  auto registry = ctx->registry;
  auto api = sys.spawn([registry](engine_api::pointer self) -> engine_api::behavior_type {
    return {
        [self, registry](command_atom a, api_command& cmd) -> caf::result<std::string> {
          auto rp = self->make_response_promise<std::string>();
          self->request(registry, caf::infinite, a, std::move(cmd))
              .then([rp](std::string& r) mutable { rp.deliver(r); },
                    [rp](caf::error& e) mutable { rp.deliver(e); });
          return rp;
        },
        [registry](subscribe_atom a, std::string& campaign, caf::actor& who) {
          caf::anon_send(registry, a, campaign, who);
        },
        [registry](unsubscribe_atom a, caf::actor& who) { caf::anon_send(registry, a, who); },
    };
  });
  return {api, ctx->registry, ctx->writer, ctx->stopping, ctx->busy, ctx->security};
}

drain_outcome drain_engine(caf::actor_system& sys, const engine_handles& h,
                           std::chrono::milliseconds grace) {
  h.stopping->store(true);
  caf::scoped_actor self{sys};
  self->monitor(h.registry);
  caf::anon_send(h.registry, shutdown_atom::value);
  bool down = false;
  self->receive([&](caf::down_msg&) { down = true; }, caf::after(grace) >> [] {});
  // The API goes last: the answers to requests still in flight (a `wait` hears "interrupted")
  // pass through it.
  self->send_exit(h.api, caf::exit_reason::user_shutdown);
  if (!down) {
    spdlog::warn("engine: campaigns still at work {} ms after the stop began", grace.count());
    return drain_outcome::timed_out;
  }
  return h.busy->load() == 0 ? drain_outcome::stopped : drain_outcome::data_work_abandoned;
}

void stop_engine(caf::actor_system& sys, const engine_handles& h) {
  drain_engine(sys, h);
}

void configure_scheduler(caf::actor_system_config& cfg, const engine_config& c) {
  cfg.set("scheduler.max-threads", static_cast<std::size_t>(c.scheduler_threads));
  cfg.set("scheduler.policy", caf::atom_from_string(c.scheduler_policy));
}

}  // namespace baton
