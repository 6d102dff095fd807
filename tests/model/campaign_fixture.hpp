// Shared by the campaign lifecycle, planner, state and flow tests: a campaign built from a JSON
// text and driven like the engine drives it, without a data plane or a clock. Decided events are
// turned into store-like events (stream "campaign/c-1", sequences, fake time, actor) and folded
// through the same `apply` as replay; `step` runs `advance` until it has nothing left to do and
// plays the flow-control tasks (fork, and_join, test, alert, end) itself. Population sources,
// channels and waits are completed by the tests.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "events/campaign_events.hpp"
#include "model/flow_activities.hpp"
#include "model/lifecycle.hpp"
#include "model/planner.hpp"

namespace campaign_fixture {

using namespace baton;
using nlohmann::json;
using event_list = std::vector<ev::campaign_event>;

inline const std::string k_stream = "campaign/c-1";

inline time_us at(std::string_view iso) {
  auto t = parse_time(iso);
  REQUIRE(t.ok());
  return *t;
}

// The fake "now" every campaign starts at.
inline time_us t0() {
  return at("2030-01-01T00:00:00Z");
}

// A campaign document: name and dimension, the given activities and transitions, and any other
// top-level members (schedule, errorPolicy, variables).
inline std::string campaign_json(const json& activities, const json& transitions,
                                 const json& settings = json::object()) {
  json doc = {{"name", "c"},
              {"dimension", "profiles"},
              {"activities", activities},
              {"transitions", transitions}};
  for (auto& [k, v] : settings.items()) doc[k] = v;
  return doc.dump();
}

inline std::string validated(const std::string& text) {
  auto v = validate_campaign(text, nullptr);
  std::string problems;
  for (auto& p : v.issues) problems += p.pointer + ": " + p.message + "\n";
  INFO(problems);
  REQUIRE(v.ok());
  return text;
}

inline campaign_definition definition_of(const std::string& text) {
  auto v = validate_campaign(text, nullptr);
  REQUIRE(v.ok());
  return *v.definition;
}

// aud (build_audience) -> mail (email): the smallest campaign that targets and sends.
inline std::string linear(const json& settings = json::object(),
                          const json& mail_options = json::object()) {
  json mail = {{"id", "mail"}, {"type", "email"}, {"subject", "Hi"}, {"body", "Hello"}};
  for (auto& [k, v] : mail_options.items()) mail[k] = v;
  return campaign_json(json::array({{{"id", "aud"}, {"type", "build_audience"}}, mail}),
                       json::array({{{"from", "aud"}, {"to", "mail"}}}), settings);
}

inline json cron_daily_9() {
  return {{"cron", "0 9 * * *"}, {"timezone", "UTC"}};
}
inline json signal_schedule() {
  return {{"signal", true}};
}

// A population as a source activity reports it.
inline ev::population pop(std::uint64_t count, const std::string& output = "out",
                          const std::string& table = "wt_1") {
  return ev::population{output, table, count, "profiles", "fp-" + table};
}

inline task_outcome outcome(std::uint64_t count_in, std::vector<ev::population> outputs) {
  task_outcome o;
  o.count_in = count_in;
  o.outputs = std::move(outputs);
  return o;
}

inline std::string describe(const error& e) {
  return std::string(to_string(e.code)) + ": " + e.message();
}

inline std::vector<std::string> names(const event_list& evs) {
  std::vector<std::string> out;
  for (auto& e : evs) out.push_back(ev::name_of(e));
  return out;
}

template <class T>
std::vector<T> only(const event_list& evs) {
  std::vector<T> out;
  for (auto& e : evs)
    if (auto* x = std::get_if<T>(&e)) out.push_back(*x);
  return out;
}

// The refusal of a decision (fails the test when it was accepted).
inline error refusal(const decision& d) {
  INFO("expected a refusal");
  REQUIRE_FALSE(d.ok());
  return d.err();
}

struct campaign {
  campaign_state s;
  std::vector<event> log;  // every folded event, as the store would hold it
  time_us now = t0();
  std::uint64_t global = 1000;  // global sequences differ from stream ones on purpose
  bool auto_flow = true;        // step() runs started flow-control tasks

  campaign() = default;
  explicit campaign(const std::string& text, role who = role::manager) {
    accept(decide_create(s, "c-1", validated(text), "", ctx(who)));
  }

  command_context ctx(role who = role::admin, const std::string& actor = "alice") const {
    return command_context{actor, who, now};
  }

  // Store-like events for the decided ones, folded into the state in order.
  void fold(const event_list& evs, const std::string& actor = "alice") {
    for (auto& ce : evs) {
      event e = ev::to_event(ce);
      e.stream = k_stream;
      e.stream_seq = log.size() + 1;
      e.global_seq = ++global;
      e.time = now;
      e.actor = actor;
      auto st = apply(s, e);
      INFO(ev::name_of(ce) << ": " << (st.ok() ? "" : describe(st.err())));
      REQUIRE(st.ok());
      log.push_back(e);
    }
  }

  // Folds an accepted decision and returns its events (fails the test on a refusal).
  event_list accept(const decision& d, const std::string& actor = "alice") {
    INFO((d.ok() ? "" : describe(d.err())));
    REQUIRE(d.ok());
    fold(d.value(), actor);
    return d.value();
  }

  // One `advance` at the current time, folded.
  event_list advance_once() {
    auto evs = advance(s, now);
    fold(evs, "engine");
    return evs;
  }

  // advance() until it has nothing to do, running flow-control tasks as the engine would.
  // Returns everything folded.
  event_list step() {
    event_list all;
    for (int guard = 0; guard < 1000; ++guard) {
      auto evs = advance(s, now);
      fold(evs, "engine");
      if (evs.empty() && auto_flow) evs = run_one_flow_task();
      if (evs.empty()) return all;
      all.insert(all.end(), evs.begin(), evs.end());
    }
    FAIL("the engine did not settle");
    return all;
  }

  // Runs the first running flow-control task of the active run (folded); empty if none.
  event_list run_one_flow_task() {
    const run_state* r = s.active_run();
    if (!r) return {};
    for (auto& id : topological_order(*s.def)) {
      const task_state* t = r->task(id);
      const activity* a = s.def->find_activity(id);
      if (!t || t->status != task_status::running || !is_flow_activity(a->type)) continue;
      task_input in{s.id,         r->number, a,       inputs_of(*s.def, *r, id),
                    r->vars,      r->test,   now,     s.def->dimension,
                    std::nullopt, nullptr,   nullptr, ""};
      auto o = run_flow_activity(in);
      REQUIRE(o.ok());
      return accept(decide_task_done(s, r->number, id, *o, ctx()), "engine");
    }
    return {};
  }

  std::uint32_t active() const {
    auto* r = s.active_run();
    REQUIRE(r != nullptr);
    return r->number;
  }

  // A source task of the active run finishes with `count` rows on its `out` output.
  event_list complete(const std::string& activity, std::uint64_t count,
                      const std::string& table = "wt_1") {
    return accept(
        decide_task_done(s, active(), activity, outcome(0, {pop(count, "out", table)}), ctx()),
        "engine");
  }
  event_list fail(const std::string& activity, const std::string& message = "boom") {
    return accept(decide_task_failed(s, active(), activity, message, ctx()), "engine");
  }

  const run_state& run(std::uint32_t n) const {
    REQUIRE(n >= 1);
    REQUIRE(n <= s.runs.size());
    return s.runs[n - 1];
  }
  const run_state& last() const {
    REQUIRE(!s.runs.empty());
    return s.runs.back();
  }
  const task_state& task(const std::string& activity) const {
    const task_state* t = last().task(activity);
    REQUIRE(t != nullptr);
    return *t;
  }
  task_status status_of(const std::string& activity) const { return task(activity).status; }
};

}  // namespace campaign_fixture

namespace Catch {
template <>
struct StringMaker<baton::campaign_status> {
  static std::string convert(baton::campaign_status s) { return baton::to_string(s); }
};
template <>
struct StringMaker<baton::task_status> {
  static std::string convert(baton::task_status s) { return baton::to_string(s); }
};
template <>
struct StringMaker<baton::errc> {
  static std::string convert(baton::errc c) { return baton::to_string(c); }
};
}  // namespace Catch
