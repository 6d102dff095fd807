// The engine's side of the lifecycle (PRODUCT.md §1): error policies (suspend, ignore with
// maxConsecutiveErrors, abort, per-activity overrides), send confirmations, signals, waits, and
// cron schedules driven by `advance` on a fake clock.
#include <catch2/catch.hpp>

#include "campaign_fixture.hpp"

using namespace campaign_fixture;
using cs = campaign_status;
using ts = task_status;

namespace {

errc code_of(const decision& d) {
  return refusal(d).code;
}

// Four independent roots a1..a4, a1 feeding m1 (email).
std::string four_roots(const json& settings) {
  json acts = json::array();
  for (auto id : {"a1", "a2", "a3", "a4"}) acts.push_back({{"id", id}, {"type", "build_audience"}});
  acts.push_back({{"id", "m1"}, {"type", "email"}, {"subject", "s"}, {"body", "b"}});
  return campaign_json(acts, json::array({{{"from", "a1"}, {"to", "m1"}}}), settings);
}

campaign published(const std::string& text) {
  campaign c(text);
  c.accept(decide_publish(c.s, c.ctx()));
  c.step();
  return c;
}

}  // namespace

TEST_CASE("suspend: the campaign pauses with an error marker, resume retries the task",
          "[lifecycle][errors]") {
  campaign c = published(linear());  // suspend is the default
  auto evs = c.fail("aud", "database unreachable");
  CHECK(names(evs) == std::vector<std::string>{"task_failed", "campaign_status_changed"});
  CHECK(only<ev::task_failed>(evs)[0].policy == "suspend");
  CHECK(c.s.status == cs::paused);
  REQUIRE(c.s.error);
  CHECK(c.s.error->activity == "aud");
  CHECK(c.s.error->message == "database unreachable");
  CHECK(c.s.error->run == 1);
  CHECK(c.status_of("aud") == ts::failed);
  CHECK(c.task("aud").error == "database unreachable");
  CHECK(c.s.active_run() != nullptr);  // the run is suspended, not ended
  CHECK(c.step().empty());

  c.accept(decide_resume(c.s, c.ctx()));
  CHECK(c.s.status == cs::live);
  CHECK_FALSE(c.s.error);
  CHECK(c.status_of("aud") == ts::pending);
  auto restarted = only<ev::task_started>(c.step());
  REQUIRE(restarted.size() == 1);
  CHECK(restarted[0].activity == "aud");
  CHECK(restarted[0].attempt == 2);
  CHECK(c.task("aud").attempt == 2);
  c.complete("aud", 4);
  c.step();
  CHECK(c.status_of("mail") == ts::running);
  CHECK(c.s.runs.size() == 1);
}

TEST_CASE("suspend keeps a closing campaign closing after resume", "[lifecycle][errors]") {
  campaign c(linear({{"schedule", signal_schedule()}}));
  c.accept(decide_publish(c.s, c.ctx()));
  c.accept(decide_trigger(c.s, {}, "api", c.ctx()));
  c.step();
  c.accept(decide_close(c.s, c.ctx()));
  c.fail("aud");
  CHECK(c.s.status == cs::paused);
  c.accept(decide_resume(c.s, c.ctx()));
  CHECK(c.s.status == cs::closed);
  c.step();
  c.complete("aud", 1);
  c.step();
  c.complete("mail", 1);
  c.step();
  CHECK(c.s.status == cs::completed);
}

TEST_CASE("ignore: the task fails, the run goes on", "[lifecycle][errors]") {
  SECTION("what follows a failed task is skipped; the run still completes") {
    campaign c = published(four_roots({{"errorPolicy", "ignore"}}));
    auto evs = c.fail("a1");
    CHECK(names(evs) == std::vector<std::string>{"task_failed"});
    CHECK(c.s.status == cs::live);
    REQUIRE(c.s.error);  // the marker is visible
    CHECK(c.s.error->activity == "a1");
    c.step();
    CHECK(c.status_of("m1") == ts::skipped);
    CHECK(c.task("m1").skip_reason == "upstream failed");
    c.fail("a2");
    c.fail("a3");
    c.fail("a4");  // maxConsecutiveErrors 0: never stops
    c.step();
    CHECK(c.last().status == "completed");
    CHECK(c.s.status == cs::completed);
  }
  SECTION("K consecutive errors stop the campaign") {
    campaign c =
        published(four_roots({{"errorPolicy", {{"mode", "ignore"}, {"maxConsecutiveErrors", 3}}}}));
    c.fail("a1");
    c.fail("a2");
    CHECK(c.last().consecutive_errors == 2);
    CHECK(c.s.status == cs::live);
    auto evs = c.fail("a3");
    CHECK(names(evs) ==
          std::vector<std::string>{"task_failed", "run_ended", "campaign_status_changed"});
    CHECK(c.last().status == "failed");
    CHECK(c.last().error == "3 consecutive errors");
    CHECK(c.s.status == cs::stopped);
    CHECK(code_of(decide_resume(c.s, c.ctx())) == errc::refused);
  }
  SECTION("a success resets the count") {
    campaign c =
        published(four_roots({{"errorPolicy", {{"mode", "ignore"}, {"maxConsecutiveErrors", 2}}}}));
    c.fail("a1");
    CHECK(c.last().consecutive_errors == 1);
    c.complete("a2", 5);
    CHECK(c.last().consecutive_errors == 0);
    c.fail("a3");
    CHECK(c.s.status == cs::live);
    auto evs = c.fail("a4");
    CHECK(c.s.status == cs::stopped);
    CHECK(only<ev::run_ended>(evs).at(0).status == "failed");
  }
  SECTION("K = 1 stops at the first error") {
    campaign c =
        published(four_roots({{"errorPolicy", {{"mode", "ignore"}, {"maxConsecutiveErrors", 1}}}}));
    c.fail("a2");
    CHECK(c.s.status == cs::stopped);
  }
}

TEST_CASE("abort: the run fails, a one-shot campaign pauses and restarts from the beginning",
          "[lifecycle][errors]") {
  campaign c = published(linear({{"errorPolicy", "abort"}}));
  c.complete("aud", 8);
  c.step();
  c.now += us_per_minute;
  auto evs = c.fail("mail", "smtp down");
  CHECK(names(evs) ==
        std::vector<std::string>{"task_failed", "run_ended", "campaign_status_changed"});
  CHECK(c.run(1).status == "failed");
  CHECK(c.run(1).error == "mail: smtp down");
  CHECK(c.s.active_run() == nullptr);
  CHECK(c.s.status == cs::paused);
  REQUIRE(c.s.error);
  CHECK(c.s.error->activity == "mail");
  CHECK(c.step().empty());

  auto resumed = c.accept(decide_resume(c.s, c.ctx()));
  CHECK(names(resumed) == std::vector<std::string>{"campaign_status_changed", "run_started"});
  CHECK(c.s.status == cs::live);
  CHECK_FALSE(c.s.error);
  REQUIRE(c.s.active_run());
  CHECK(c.s.active_run()->number == 2);
  CHECK(c.s.active_run()->trigger == "resume");
  c.step();
  CHECK(c.status_of("aud") == ts::running);  // from the beginning
  CHECK(c.task("aud").attempt == 1);
  CHECK(c.status_of("mail") == ts::pending);
  CHECK(code_of(decide_task_done(c.s, 1, "mail", outcome(0, {}), c.ctx())) == errc::refused);
}

TEST_CASE("abort on a recurring campaign fails the run and keeps the schedule",
          "[lifecycle][errors]") {
  campaign c(linear({{"schedule", cron_daily_9()}, {"errorPolicy", "abort"}}));
  c.accept(decide_publish(c.s, c.ctx()));
  c.now = at("2030-01-01T09:00:00Z");
  c.step();
  c.now = at("2030-01-01T09:05:00Z");
  auto evs = c.fail("aud");
  CHECK(names(evs) == std::vector<std::string>{"task_failed", "run_ended"});
  CHECK(c.run(1).status == "failed");
  CHECK(c.s.status == cs::live);
  CHECK(c.s.next_run == at("2030-01-02T09:00:00Z"));
  c.now = at("2030-01-02T09:00:00Z");
  c.step();
  CHECK(c.s.runs.size() == 2);
  CHECK(c.status_of("aud") == ts::running);
}

TEST_CASE("an activity's onError overrides the campaign policy", "[lifecycle][errors]") {
  std::string text =
      campaign_json(json::array({{{"id", "a1"}, {"type", "build_audience"}, {"onError", "ignore"}},
                                 {{"id", "a2"}, {"type", "build_audience"}, {"onError", "abort"}},
                                 {{"id", "a3"}, {"type", "build_audience"}}}),
                    json::array(), {{"errorPolicy", "suspend"}});
  auto def = definition_of(text);
  CHECK(policy_for(def, "a1").mode == error_mode::ignore);
  CHECK(policy_for(def, "a2").mode == error_mode::abort);
  CHECK(policy_for(def, "a3").mode == error_mode::suspend);

  SECTION("ignore on a suspend campaign") {
    campaign c = published(text);
    auto evs = c.fail("a1");
    CHECK(only<ev::task_failed>(evs)[0].policy == "ignore");
    CHECK(c.s.status == cs::live);
  }
  SECTION("abort on a suspend campaign") {
    campaign c = published(text);
    c.fail("a2");
    CHECK(c.last().status == "failed");
    CHECK(c.s.status == cs::paused);
  }
  SECTION("the campaign's own policy elsewhere") {
    campaign c = published(text);
    c.fail("a3");
    CHECK(c.s.status == cs::paused);
    CHECK(c.s.active_run() != nullptr);
  }
}

TEST_CASE("a failure in a test run fails the run, the draft stays a draft", "[lifecycle][errors]") {
  campaign c(linear());
  c.accept(decide_test(c.s, c.ctx(role::manager)));
  c.step();
  auto evs = c.fail("aud");
  CHECK(names(evs) == std::vector<std::string>{"task_failed", "run_ended"});
  CHECK(c.last().status == "failed");
  CHECK(c.s.status == cs::draft);
  CHECK(decide_test(c.s, c.ctx(role::manager)).ok());
}

TEST_CASE("failures and completions only for running tasks of the active run",
          "[lifecycle][errors]") {
  campaign c = published(linear());
  CHECK(code_of(decide_task_failed(c.s, 1, "mail", "x", c.ctx())) == errc::refused);  // pending
  CHECK(code_of(decide_task_failed(c.s, 2, "aud", "x", c.ctx())) == errc::refused);   // no run 2
  CHECK(code_of(decide_task_done(c.s, 1, "nope", outcome(0, {}), c.ctx())) == errc::refused);
  c.complete("aud", 1);
  CHECK(code_of(decide_task_done(c.s, 1, "aud", outcome(0, {pop(1)}), c.ctx())) ==
        errc::refused);  // already done
}

TEST_CASE("send confirmation on one-shot published campaigns", "[lifecycle][confirm]") {
  campaign c = published(linear({}, {{"confirm", true}}));
  c.complete("aud", 12);
  auto evs = c.step();
  CHECK(names(evs) == std::vector<std::string>{"task_waiting"});
  CHECK(only<ev::task_waiting>(evs)[0].reason == "needs-confirmation");
  CHECK(c.status_of("mail") == ts::needs_confirmation);
  CHECK(c.step().empty());  // it waits; the run does not end

  CHECK(code_of(decide_confirm(c.s, "mail", c.ctx(role::manager))) == errc::refused);
  CHECK(code_of(decide_confirm(c.s, "aud", c.ctx())) == errc::refused);  // not waiting
  CHECK(code_of(decide_confirm(c.s, "nope", c.ctx())) == errc::refused);
  auto given = c.accept(decide_confirm(c.s, "mail", c.ctx(role::approver)));
  CHECK(given.size() == 1);
  CHECK(std::get<ev::confirmation_given>(given[0]).run == 1);
  CHECK(c.task("mail").confirmed);
  auto started = only<ev::task_started>(c.step());
  REQUIRE(started.size() == 1);
  CHECK(started[0].activity == "mail");
  CHECK(started[0].count_in == 12);
  CHECK(started[0].attempt == 1);
  CHECK(code_of(decide_confirm(c.s, "mail", c.ctx())) == errc::refused);  // already confirmed
}

TEST_CASE("a confirmed send is not asked again when it is retried", "[lifecycle][confirm]") {
  campaign c = published(linear({}, {{"confirm", true}}));
  c.complete("aud", 3);
  c.step();
  c.accept(decide_confirm(c.s, "mail", c.ctx()));
  c.step();
  c.fail("mail");  // suspend
  c.accept(decide_resume(c.s, c.ctx()));
  auto started = only<ev::task_started>(c.step());
  REQUIRE(started.size() == 1);
  CHECK(started[0].attempt == 2);
}

TEST_CASE("no confirmation while paused starts the task", "[lifecycle][confirm]") {
  campaign c = published(linear({}, {{"confirm", true}}));
  c.complete("aud", 3);
  c.step();
  c.accept(decide_pause(c.s, c.ctx()));
  c.accept(decide_confirm(c.s, "mail", c.ctx()));
  CHECK(c.step().empty());
  CHECK(c.status_of("mail") == ts::pending);
  c.accept(decide_resume(c.s, c.ctx()));
  c.step();
  CHECK(c.status_of("mail") == ts::running);
}

TEST_CASE("recurring campaigns and test runs need no confirmation", "[lifecycle][confirm]") {
  campaign r(linear({{"schedule", signal_schedule()}}, {{"confirm", true}}));
  r.accept(decide_publish(r.s, r.ctx()));
  r.accept(decide_trigger(r.s, {}, "api", r.ctx()));
  r.step();
  r.complete("aud", 2);
  r.step();
  CHECK(r.status_of("mail") == ts::running);

  campaign t(linear({}, {{"confirm", true}}));
  t.accept(decide_test(t.s, t.ctx()));
  t.step();
  t.complete("aud", 2);
  t.step();
  CHECK(t.status_of("mail") == ts::skipped);
  CHECK(t.last().status == "completed");
}

TEST_CASE("signals start runs with their variables, one during a run is queued",
          "[lifecycle][signal]") {
  campaign c(linear({{"schedule", signal_schedule()}, {"variables", {{"season", "winter"}}}}));
  CHECK(code_of(decide_trigger(c.s, {}, "api", c.ctx())) == errc::refused);  // a draft
  c.accept(decide_publish(c.s, c.ctx()));
  CHECK(code_of(decide_trigger(c.s, {}, "api", c.ctx(role::manager))) == errc::refused);

  auto evs = c.accept(decide_trigger(c.s, {{"season", "summer"}, {"code", "X1"}}, "api", c.ctx()));
  CHECK(names(evs) == std::vector<std::string>{"signal_received", "run_started"});
  REQUIRE(c.s.active_run());
  CHECK(c.s.active_run()->trigger == "signal");
  CHECK(c.s.active_run()->vars == ev::variables{{"code", "X1"}, {"season", "summer"}});
  CHECK(c.s.pending_signals.empty());

  auto queued = c.accept(decide_trigger(c.s, {{"code", "X2"}}, "campaign/c-9", c.ctx()));
  CHECK(names(queued) == std::vector<std::string>{"signal_received"});
  CHECK(c.s.pending_signals.size() == 1);
  CHECK(c.s.runs.size() == 1);

  c.step();
  c.complete("aud", 1);
  c.step();
  c.complete("mail", 1);
  c.step();  // run 1 ends, then the queued signal starts run 2
  CHECK(c.run(1).status == "completed");
  CHECK(c.s.status == cs::live);  // recurring: stays live
  REQUIRE(c.s.runs.size() == 2);
  CHECK(c.run(2).vars == ev::variables{{"code", "X2"}, {"season", "winter"}});
  CHECK(c.run(2).trigger == "signal");
  CHECK(c.s.pending_signals.empty());
  CHECK(c.status_of("aud") == ts::running);
}

TEST_CASE("only signal campaigns take signals", "[lifecycle][signal]") {
  campaign c = published(linear());
  CHECK(code_of(decide_trigger(c.s, {}, "api", c.ctx())) == errc::refused);
  campaign k(linear({{"schedule", cron_daily_9()}}));
  k.accept(decide_publish(k.s, k.ctx()));
  CHECK(code_of(decide_trigger(k.s, {}, "api", k.ctx())) == errc::refused);
}

TEST_CASE("wait: a durable timer that completes once elapsed", "[lifecycle][wait]") {
  std::string text = campaign_json(
      json::array({{{"id", "aud"}, {"type", "build_audience"}},
                   {{"id", "w"}, {"type", "wait"}, {"duration", "PT2H"}},
                   {{"id", "mail"}, {"type", "email"}, {"subject", "s"}, {"body", "b"}}}),
      json::array({{{"from", "aud"}, {"to", "w"}}, {{"from", "w"}, {"to", "mail"}}}));
  campaign c = published(text);
  c.complete("aud", 7, "wt_aud");
  auto evs = c.step();
  CHECK(names(evs) == std::vector<std::string>{"task_started", "task_waiting"});
  auto waiting = only<ev::task_waiting>(evs).at(0);
  CHECK(waiting.until_us == c.now + 2 * us_per_hour);
  CHECK(waiting.reason == "wait");
  CHECK(c.status_of("w") == ts::running);
  CHECK(c.task("w").wait_until == c.now + 2 * us_per_hour);
  CHECK(c.task("w").count_in == 7);

  time_us until = c.task("w").wait_until;
  c.now = until - 1;
  CHECK(code_of(decide_wait_elapsed(c.s, 1, "w", c.ctx())) == errc::refused);
  CHECK(code_of(decide_wait_elapsed(c.s, 1, "aud", c.ctx())) == errc::refused);  // not waiting
  c.now = until;
  auto done = c.accept(decide_wait_elapsed(c.s, 1, "w", c.ctx()));
  CHECK(names(done) == std::vector<std::string>{"task_completed", "transition_fired"});
  CHECK(c.status_of("w") == ts::done);
  CHECK(c.task("w").wait_until == 0);
  REQUIRE(c.task("w").outputs.size() == 1);
  CHECK(c.task("w").outputs[0] == pop(7, "out", "wt_aud"));
  c.step();
  CHECK(c.status_of("mail") == ts::running);
  CHECK(c.task("mail").count_in == 7);
}

TEST_CASE("a wait at the root opens its branch when it elapses", "[lifecycle][wait]") {
  std::string text =
      campaign_json(json::array({{{"id", "w"}, {"type", "wait"}, {"duration", "PT10M"}},
                                 {{"id", "al"}, {"type", "alert"}, {"title", "t"}}}),
                    json::array({{{"from", "w"}, {"to", "al"}}}));
  campaign c = published(text);
  CHECK(c.status_of("w") == ts::running);
  c.now += 10 * us_per_minute;
  c.accept(decide_wait_elapsed(c.s, 1, "w", c.ctx()));
  c.step();
  CHECK(c.status_of("al") == ts::done);
  CHECK(c.s.status == cs::completed);
}

TEST_CASE("cron: a due slot starts a run, the next slot is planned, runs never overlap",
          "[lifecycle][schedule]") {
  campaign c(linear({{"schedule", cron_daily_9()}}));
  c.accept(decide_publish(c.s, c.ctx()));
  REQUIRE(c.s.next_run == at("2030-01-01T09:00:00Z"));

  c.now = at("2030-01-01T08:59:59Z");
  CHECK(c.step().empty());
  c.now = at("2030-01-01T09:00:00Z");
  auto evs = c.advance_once();
  CHECK(names(evs) == std::vector<std::string>{"run_started", "next_run_planned"});
  CHECK(only<ev::run_started>(evs)[0].trigger == "schedule");
  CHECK(c.s.status == cs::live);
  CHECK(c.s.next_run == at("2030-01-02T09:00:00Z"));
  c.step();

  // The run is still going at the next slot: no second run.
  c.now = at("2030-01-02T09:00:00Z");
  c.step();
  CHECK(c.s.runs.size() == 1);
  c.now = at("2030-01-02T09:30:00Z");
  c.complete("aud", 2);
  c.step();
  c.complete("mail", 2);
  auto ended = c.step();
  REQUIRE(only<ev::run_ended>(ended).size() == 1);
  CHECK(only<ev::run_ended>(ended)[0].next_run_us == at("2030-01-03T09:00:00Z"));
  CHECK(c.s.runs.size() == 1);  // the missed slot is not caught up
  CHECK(c.s.status == cs::live);
  CHECK(c.s.next_run == at("2030-01-03T09:00:00Z"));

  c.now = at("2030-01-03T09:00:00Z");
  c.step();
  CHECK(c.s.runs.size() == 2);
  CHECK(c.run(2).trigger == "schedule");
}

TEST_CASE("cron: the last slot of the window completes the campaign", "[lifecycle][schedule]") {
  json sched = cron_daily_9();
  sched["until"] = "2030-01-02T00:00:00Z";
  campaign c(linear({{"schedule", sched}}));
  c.accept(decide_publish(c.s, c.ctx()));
  c.now = at("2030-01-01T09:00:00Z");
  c.step();
  CHECK(c.s.next_run == 0);
  c.complete("aud", 1);
  c.step();
  c.complete("mail", 1);
  c.step();
  CHECK(c.run(1).status == "completed");
  CHECK(c.s.status == cs::completed);
}

TEST_CASE("queued signals start runs in the order they arrived", "[lifecycle][signal]") {
  campaign c(linear({{"schedule", signal_schedule()}, {"errorPolicy", "abort"}}));
  c.accept(decide_publish(c.s, c.ctx()));
  c.accept(decide_trigger(c.s, {{"code", "A"}}, "api", c.ctx()));
  c.step();
  c.accept(decide_trigger(c.s, {{"code", "B"}}, "api", c.ctx()));  // queued
  c.accept(decide_pause(c.s, c.ctx()));
  c.fail("aud");  // abort: run 1 ends while the campaign is paused
  REQUIRE(c.s.active_run() == nullptr);
  c.accept(decide_resume(c.s, c.ctx()));
  // C arrives before the engine has started B's run: B still goes first.
  c.accept(decide_trigger(c.s, {{"code", "C"}}, "api", c.ctx()));
  c.step();
  REQUIRE(c.s.runs.size() == 2);
  CHECK(c.run(2).vars.at("code") == "B");
  REQUIRE(c.s.pending_signals.size() == 1);
  CHECK(c.s.pending_signals.front().at("code") == "C");
  c.complete("aud", 1);
  c.step();
  c.complete("mail", 1);
  c.step();
  REQUIRE(c.s.runs.size() == 3);
  CHECK(c.run(3).vars.at("code") == "C");
  CHECK(c.s.pending_signals.empty());
}

TEST_CASE("closing a paused recurring campaign lets its current run finish",
          "[lifecycle][schedule]") {
  campaign c(linear({{"schedule", cron_daily_9()}}));
  c.accept(decide_publish(c.s, c.ctx()));
  c.now = at("2030-01-01T09:00:00Z");
  c.step();
  c.accept(decide_pause(c.s, c.ctx()));
  c.complete("aud", 2);
  CHECK(c.step().empty());
  c.accept(decide_close(c.s, c.ctx()));
  CHECK(c.s.status == cs::closed);
  c.step();
  CHECK(c.status_of("mail") == ts::running);
  c.complete("mail", 2);
  c.step();
  CHECK(c.s.status == cs::completed);
}
