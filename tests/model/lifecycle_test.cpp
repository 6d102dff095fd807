// The user-facing lifecycle of PRODUCT.md §1 and the roles of §6, each rule allowed and refused:
// create, edit, publish (asap, at, cron, signal), test runs, pause/resume, stop, close,
// back-to-draft, duplicate, delete, archive.
#include <catch2/catch.hpp>

#include "campaign_fixture.hpp"

using namespace campaign_fixture;
using cs = campaign_status;
using ts = task_status;

namespace {

// The test-run campaign: aud -> keep (save_audience) -> f (fork a, b); a -> mail -> after_mail
// (alert); b -> note (alert).
std::string test_run_campaign() {
  return campaign_json(
      json::array({{{"id", "aud"}, {"type", "build_audience"}},
                   {{"id", "keep"}, {"type", "save_audience"}, {"audience", "kept"}},
                   {{"id", "f"}, {"type", "fork"}, {"branches", {"a", "b"}}},
                   {{"id", "mail"}, {"type", "email"}, {"subject", "Hi"}, {"body", "Hello"}},
                   {{"id", "after_mail"}, {"type", "alert"}, {"title", "sent"}},
                   {{"id", "note"}, {"type", "alert"}, {"title", "counted"}}}),
      json::array({{{"from", "aud"}, {"to", "keep"}},
                   {{"from", "keep"}, {"to", "f"}},
                   {{"from", "f"}, {"output", "a"}, {"to", "mail"}},
                   {{"from", "mail"}, {"to", "after_mail"}},
                   {{"from", "f"}, {"output", "b"}, {"to", "note"}}}));
}

errc code_of(const decision& d) {
  return refusal(d).code;
}

}  // namespace

TEST_CASE("create makes a draft, a second create conflicts", "[lifecycle]") {
  campaign c(linear());
  CHECK(c.s.status == cs::draft);
  CHECK(c.s.id == "c-1");
  CHECK(c.s.created_by == "alice");
  CHECK(c.s.created_at == t0());
  CHECK_FALSE(c.s.published);
  CHECK(code_of(decide_create(c.s, "c-1", linear(), "", c.ctx())) == errc::conflict);

  campaign_state empty;
  CHECK(code_of(decide_create(empty, "c-2", linear(), "", c.ctx(role::viewer))) == errc::refused);
  auto d = decide_create(empty, "c-2", linear(), "c-1", c.ctx(role::manager));
  REQUIRE(d.ok());
  CHECK(only<ev::campaign_created>(d.value()).at(0).duplicated_from == "c-1");
}

TEST_CASE("only a draft can be edited", "[lifecycle]") {
  campaign c(linear());
  auto changed = validated(linear({{"variables", {{"season", "summer"}}}}));
  c.now += us_per_minute;
  c.accept(decide_update(c.s, changed, c.ctx(role::manager)));
  CHECK(c.s.definition_json == changed);
  CHECK(c.s.def->variables.at("season") == "summer");
  CHECK(c.s.updated_at == t0() + us_per_minute);
  CHECK(code_of(decide_update(c.s, changed, c.ctx(role::viewer))) == errc::refused);

  c.accept(decide_publish(c.s, c.ctx(role::approver)));
  auto e = refusal(decide_update(c.s, changed, c.ctx(role::admin)));
  CHECK(e.code == errc::refused);
  CHECK(e.what.find("only a draft") != std::string::npos);
}

TEST_CASE("publish goes from draft to live or scheduled", "[lifecycle]") {
  SECTION("as soon as possible: live, and run 1 starts") {
    campaign c(linear());
    auto evs = c.accept(decide_publish(c.s, c.ctx(role::approver)));
    CHECK(names(evs) == std::vector<std::string>{"campaign_published", "run_started"});
    CHECK(c.s.status == cs::live);
    CHECK(c.s.published);
    REQUIRE(c.s.active_run());
    CHECK(c.s.active_run()->number == 1);
    CHECK_FALSE(c.s.active_run()->test);
    CHECK(c.s.active_run()->trigger == "start");
    CHECK(names(c.step()) == std::vector<std::string>{"task_started"});
    CHECK(c.status_of("aud") == ts::running);
    CHECK(c.status_of("mail") == ts::pending);
    // published: read-only, and not publishable again
    CHECK(code_of(decide_publish(c.s, c.ctx())) == errc::refused);
  }
  SECTION("at a future instant: scheduled until then") {
    campaign c(linear({{"schedule", {{"at", "2030-01-02T08:00:00Z"}}}}));
    auto evs = c.accept(decide_publish(c.s, c.ctx(role::admin)));
    CHECK(names(evs) == std::vector<std::string>{"campaign_published"});
    CHECK(c.s.status == cs::scheduled);
    CHECK(c.s.next_run == at("2030-01-02T08:00:00Z"));
    CHECK(c.s.runs.empty());
    c.now = at("2030-01-02T07:59:59Z");
    CHECK(c.step().empty());
    c.now = at("2030-01-02T08:00:00Z");
    c.step();
    REQUIRE(c.s.runs.size() == 1);
    CHECK(c.s.runs[0].trigger == "schedule");
    CHECK(c.s.status == cs::live);
    CHECK(c.s.next_run == 0);
    CHECK(c.status_of("aud") == ts::running);
  }
  SECTION("at a past instant: live now") {
    campaign c(linear({{"schedule", {{"at", "2029-12-31T08:00:00Z"}}}}));
    c.accept(decide_publish(c.s, c.ctx()));
    CHECK(c.s.status == cs::live);
    CHECK(c.s.runs.size() == 1);
  }
  SECTION("cron: scheduled at the next slot") {
    campaign c(linear({{"schedule", cron_daily_9()}}));
    c.now = at("2030-01-01T10:00:00Z");
    c.accept(decide_publish(c.s, c.ctx()));
    CHECK(c.s.status == cs::scheduled);
    CHECK(c.s.next_run == at("2030-01-02T09:00:00Z"));
    CHECK(c.s.runs.empty());
  }
  SECTION("cron whose window has closed: refused") {
    json sched = cron_daily_9();
    sched["until"] = "2029-06-01T00:00:00Z";
    campaign c(linear({{"schedule", sched}}));
    CHECK(code_of(decide_publish(c.s, c.ctx())) == errc::refused);
    CHECK(c.s.status == cs::draft);
  }
  SECTION("signal: live, waiting for a signal") {
    campaign c(linear({{"schedule", signal_schedule()}}));
    c.accept(decide_publish(c.s, c.ctx()));
    CHECK(c.s.status == cs::live);
    CHECK(c.s.runs.empty());
    CHECK(c.step().empty());
  }
  SECTION("roles: managers and viewers may not publish") {
    campaign c(linear());
    CHECK(code_of(decide_publish(c.s, c.ctx(role::manager))) == errc::refused);
    CHECK(code_of(decide_publish(c.s, c.ctx(role::viewer))) == errc::refused);
    CHECK(c.s.status == cs::draft);
  }
  SECTION("not during a test run") {
    campaign c(linear());
    c.accept(decide_test(c.s, c.ctx(role::manager)));
    CHECK(code_of(decide_publish(c.s, c.ctx())) == errc::refused);
  }
}

TEST_CASE("a one-shot run that ends without error completes the campaign", "[lifecycle]") {
  campaign c(linear());
  c.accept(decide_publish(c.s, c.ctx()));
  c.step();
  c.complete("aud", 10);
  CHECK(c.last().transition_counts.at("aud|out|mail") == 10);
  c.step();
  CHECK(c.status_of("mail") == ts::running);
  CHECK(c.task("mail").count_in == 10);
  CHECK(c.task("mail").attempt == 1);
  c.now += us_per_hour;
  c.complete("mail", 9);
  auto evs = c.step();
  CHECK(names(evs) == std::vector<std::string>{"run_ended", "campaign_status_changed"});
  CHECK(c.run(1).status == "completed");
  CHECK(c.run(1).ended_at == c.now);
  CHECK(c.s.status == cs::completed);
  CHECK(c.s.active_run() == nullptr);
  CHECK(c.step().empty());
}

TEST_CASE("a test run skips save_audience and the channels, and leaves a draft", "[lifecycle]") {
  campaign c(test_run_campaign());
  auto evs = c.accept(decide_test(c.s, c.ctx(role::manager)));
  REQUIRE(only<ev::run_started>(evs).size() == 1);
  CHECK(only<ev::run_started>(evs)[0].test);
  c.step();
  CHECK(c.status_of("aud") == ts::running);
  c.complete("aud", 10);
  auto stepped = c.step();
  auto started = only<ev::task_started>(stepped);
  REQUIRE(started.size() == 2);
  CHECK(started[0].activity == "f");
  CHECK(started[0].count_in == 10);  // the population flows through save_audience
  CHECK(started[1].activity == "note");
  CHECK(started[1].count_in == 10);

  const auto& keep = c.task("keep");
  CHECK(keep.status == ts::skipped);
  CHECK(keep.skip_reason == "test run");
  CHECK(keep.pass_through);
  CHECK(c.status_of("f") == ts::done);
  CHECK(c.task("f").count_in == 10);
  CHECK(c.status_of("mail") == ts::skipped);
  CHECK(c.task("mail").skip_reason == "test run");
  CHECK(c.status_of("after_mail") == ts::skipped);  // downstream of a channel
  CHECK(c.task("after_mail").skip_reason == "test run");
  CHECK(c.status_of("note") == ts::done);
  CHECK(c.last().transition_counts.at("f|b|note") == 10);
  CHECK(c.last().transition_counts.at("f|a|mail") == 10);
  REQUIRE(c.s.alerts.size() == 1);
  CHECK(c.s.alerts[0].activity == "note");

  CHECK(c.last().status == "completed");
  CHECK(c.s.status == cs::draft);
  CHECK_FALSE(c.s.published);
  CHECK_FALSE(c.s.any_run_completed());  // test runs do not count

  SECTION("it can be restarted, stopped and restarted") {
    c.accept(decide_test(c.s, c.ctx(role::manager)));
    CHECK(c.s.active_run()->number == 2);
    CHECK(code_of(decide_test(c.s, c.ctx(role::manager))) == errc::refused);  // one at a time
    CHECK(code_of(decide_update(c.s, test_run_campaign(), c.ctx())) == errc::refused);
    CHECK(code_of(decide_delete(c.s, c.ctx())) == errc::refused);
    CHECK(code_of(decide_stop(c.s, c.ctx(role::viewer))) == errc::refused);
    c.accept(decide_stop(c.s, c.ctx(role::manager)));
    CHECK(c.run(2).status == "stopped");
    CHECK(c.s.status == cs::draft);
    CHECK(code_of(decide_stop(c.s, c.ctx())) == errc::refused);  // nothing left to stop
    c.accept(decide_test(c.s, c.ctx(role::manager)));
    CHECK(c.s.active_run()->number == 3);
    CHECK(c.s.active_run()->test);
  }
  SECTION("only drafts have test runs; viewers start none") {
    CHECK(code_of(decide_test(c.s, c.ctx(role::viewer))) == errc::refused);
    c.accept(decide_publish(c.s, c.ctx()));
    CHECK(c.s.active_run()->number == 2);  // run numbers continue after test runs
    CHECK_FALSE(c.s.active_run()->test);
    CHECK(code_of(decide_test(c.s, c.ctx())) == errc::refused);
  }
}

TEST_CASE("pause: no task starts, running tasks may finish, resume continues", "[lifecycle]") {
  campaign c(linear());
  c.accept(decide_publish(c.s, c.ctx()));
  c.step();
  CHECK(code_of(decide_pause(c.s, c.ctx(role::manager))) == errc::refused);
  CHECK(code_of(decide_resume(c.s, c.ctx())) == errc::refused);  // not paused
  c.accept(decide_pause(c.s, c.ctx(role::approver)));
  CHECK(c.s.status == cs::paused);
  CHECK(code_of(decide_pause(c.s, c.ctx())) == errc::refused);  // already paused

  c.complete("aud", 10);  // was running: it finishes
  CHECK(c.status_of("aud") == ts::done);
  CHECK(c.step().empty());  // but mail does not start
  CHECK(c.status_of("mail") == ts::pending);

  CHECK(code_of(decide_resume(c.s, c.ctx(role::manager))) == errc::refused);
  c.accept(decide_resume(c.s, c.ctx(role::approver)));
  CHECK(c.s.status == cs::live);
  c.step();
  CHECK(c.status_of("mail") == ts::running);
}

TEST_CASE("a paused scheduled campaign starts no run until resumed", "[lifecycle]") {
  campaign c(linear({{"schedule", {{"at", "2030-01-01T06:00:00Z"}}}}));
  c.accept(decide_publish(c.s, c.ctx()));
  c.accept(decide_pause(c.s, c.ctx()));
  c.now = at("2030-01-01T07:00:00Z");
  CHECK(c.step().empty());
  CHECK(c.s.runs.empty());
  c.accept(decide_resume(c.s, c.ctx()));
  CHECK(c.s.status == cs::scheduled);
  c.step();
  CHECK(c.s.runs.size() == 1);
  CHECK(c.s.status == cs::live);
}

TEST_CASE("pause and resume are refused where they make no sense", "[lifecycle]") {
  campaign c(linear());
  CHECK(code_of(decide_pause(c.s, c.ctx())) == errc::refused);  // draft
  CHECK(code_of(decide_resume(c.s, c.ctx())) == errc::refused);
  c.accept(decide_publish(c.s, c.ctx()));
  c.accept(decide_stop(c.s, c.ctx()));
  CHECK(code_of(decide_pause(c.s, c.ctx())) == errc::refused);  // stopped
}

TEST_CASE("stop is final", "[lifecycle]") {
  campaign c(linear());
  c.accept(decide_publish(c.s, c.ctx()));
  c.step();
  CHECK(code_of(decide_stop(c.s, c.ctx(role::manager))) == errc::refused);
  auto evs = c.accept(decide_stop(c.s, c.ctx(role::approver)));
  // aud (running) and mail (pending) are settled with the run
  CHECK(names(evs) == std::vector<std::string>{"task_cancelled", "task_cancelled", "run_ended",
                                               "campaign_status_changed"});
  CHECK(c.run(1).status == "stopped");
  CHECK(c.run(1).task("aud")->status == ts::cancelled);
  CHECK(c.s.status == cs::stopped);
  CHECK(c.s.active_run() == nullptr);
  CHECK(code_of(decide_resume(c.s, c.ctx())) == errc::refused);
  CHECK(code_of(decide_stop(c.s, c.ctx())) == errc::refused);
  CHECK(code_of(decide_publish(c.s, c.ctx())) == errc::refused);
  CHECK(code_of(decide_back_to_draft(c.s, c.ctx())) == errc::refused);
  // the task that was running can no longer report: its late result is ignored
  auto late = decide_task_done(c.s, 1, "aud", outcome(0, {pop(1)}), c.ctx());
  REQUIRE(late.ok());
  CHECK(late->empty());
  CHECK(c.step().empty());
  CHECK(decide_duplicate(c.s, c.ctx(role::manager)).ok());  // duplicate to run again
}

TEST_CASE("stop a paused or scheduled campaign", "[lifecycle]") {
  campaign c(linear({{"schedule", cron_daily_9()}}));
  c.accept(decide_publish(c.s, c.ctx()));
  auto evs = c.accept(decide_stop(c.s, c.ctx()));
  CHECK(names(evs) == std::vector<std::string>{"campaign_status_changed"});
  CHECK(c.s.status == cs::stopped);
  CHECK(c.s.next_run == 0);
  c.now = at("2030-01-05T09:00:00Z");
  CHECK(c.step().empty());

  campaign p(linear());
  p.accept(decide_publish(p.s, p.ctx()));
  p.accept(decide_pause(p.s, p.ctx()));
  p.accept(decide_stop(p.s, p.ctx()));
  CHECK(p.s.status == cs::stopped);
  CHECK(p.run(1).status == "stopped");
}

TEST_CASE("close: recurring campaigns only, the current run finishes", "[lifecycle]") {
  SECTION("one-shot campaigns cannot be closed") {
    campaign c(linear());
    c.accept(decide_publish(c.s, c.ctx()));
    CHECK(code_of(decide_close(c.s, c.ctx())) == errc::refused);
  }
  SECTION("drafts cannot be closed") {
    campaign c(linear({{"schedule", cron_daily_9()}}));
    CHECK(code_of(decide_close(c.s, c.ctx())) == errc::refused);
  }
  SECTION("with a run in progress: closed, then completed when the run ends") {
    campaign c(linear({{"schedule", cron_daily_9()}}));
    c.accept(decide_publish(c.s, c.ctx()));
    c.now = at("2030-01-01T09:00:00Z");
    c.step();
    REQUIRE(c.s.active_run());
    CHECK(code_of(decide_close(c.s, c.ctx(role::manager))) == errc::refused);
    c.accept(decide_close(c.s, c.ctx(role::approver)));
    CHECK(c.s.status == cs::closed);
    c.complete("aud", 3);
    c.step();  // the current run goes on
    CHECK(c.status_of("mail") == ts::running);
    c.complete("mail", 3);
    c.step();
    CHECK(c.run(1).status == "completed");
    CHECK(c.s.status == cs::completed);
    CHECK(c.s.next_run == 0);
    c.now = at("2030-01-02T09:00:00Z");  // no new runs
    CHECK(c.step().empty());
    CHECK(c.s.runs.size() == 1);
    CHECK(code_of(decide_close(c.s, c.ctx())) == errc::refused);
  }
  SECTION("without a run: completed at once") {
    campaign c(linear({{"schedule", signal_schedule()}}));
    c.accept(decide_publish(c.s, c.ctx()));
    c.accept(decide_close(c.s, c.ctx()));
    CHECK(c.s.status == cs::completed);
    CHECK(code_of(decide_trigger(c.s, {}, "api", c.ctx())) == errc::refused);
  }
  SECTION("a scheduled cron campaign") {
    campaign c(linear({{"schedule", cron_daily_9()}}));
    c.accept(decide_publish(c.s, c.ctx()));
    c.accept(decide_close(c.s, c.ctx()));
    CHECK(c.s.status == cs::completed);
    c.now = at("2030-01-02T09:00:00Z");
    CHECK(c.step().empty());
  }
}

TEST_CASE("back to draft only while no run has completed", "[lifecycle]") {
  SECTION("scheduled") {
    campaign c(linear({{"schedule", {{"at", "2030-01-03T00:00:00Z"}}}}));
    c.accept(decide_publish(c.s, c.ctx()));
    CHECK(code_of(decide_back_to_draft(c.s, c.ctx(role::manager))) == errc::refused);
    c.accept(decide_back_to_draft(c.s, c.ctx(role::approver)));
    CHECK(c.s.status == cs::draft);
    CHECK_FALSE(c.s.published);
    CHECK(c.s.next_run == 0);
    c.now = at("2030-01-04T00:00:00Z");
    CHECK(c.step().empty());
    // a draft again: editable, testable, deletable
    CHECK(decide_update(c.s, linear(), c.ctx(role::manager)).ok());
    CHECK(decide_test(c.s, c.ctx(role::manager)).ok());
    CHECK(code_of(decide_back_to_draft(c.s, c.ctx())) == errc::refused);
  }
  SECTION("live but paused by an error: the run stops, the error marker goes") {
    campaign c(linear());
    c.accept(decide_publish(c.s, c.ctx()));
    c.step();
    c.fail("aud", "no database");
    REQUIRE(c.s.status == cs::paused);
    REQUIRE(c.s.error);
    auto evs = c.accept(decide_back_to_draft(c.s, c.ctx()));
    CHECK(names(evs) == std::vector<std::string>{"task_cancelled", "run_ended",  // mail
                                                 "campaign_status_changed"});
    CHECK(c.run(1).status == "stopped");
    CHECK(c.s.status == cs::draft);
    CHECK_FALSE(c.s.error);
  }
  SECTION("refused once a run has completed") {
    campaign c(linear({{"schedule", cron_daily_9()}}));
    c.accept(decide_publish(c.s, c.ctx()));
    c.now = at("2030-01-01T09:00:00Z");
    c.step();
    c.complete("aud", 1);
    c.step();
    c.complete("mail", 1);
    c.step();
    REQUIRE(c.run(1).status == "completed");
    REQUIRE(c.s.status == cs::live);
    auto e = refusal(decide_back_to_draft(c.s, c.ctx()));
    CHECK(e.code == errc::refused);
    CHECK(e.what.find("completed") != std::string::npos);
  }
}

TEST_CASE("duplicate works in every status", "[lifecycle]") {
  campaign c(linear());
  CHECK(decide_duplicate(c.s, c.ctx(role::manager)).ok());
  CHECK(code_of(decide_duplicate(c.s, c.ctx(role::viewer))) == errc::refused);
  c.accept(decide_publish(c.s, c.ctx()));
  CHECK(decide_duplicate(c.s, c.ctx(role::manager)).ok());
  c.accept(decide_stop(c.s, c.ctx()));
  CHECK(decide_duplicate(c.s, c.ctx(role::manager)).ok());
  c.accept(decide_archive(c.s, c.ctx()));
  auto d = decide_duplicate(c.s, c.ctx(role::manager));
  REQUIRE(d.ok());
  CHECK(d.value().empty());  // the copy is a new campaign, created by decide_create
  CHECK(code_of(decide_duplicate(campaign_state{}, c.ctx())) == errc::not_found);
}

TEST_CASE("delete only drafts, a deleted campaign is not found", "[lifecycle]") {
  campaign live(linear());
  live.accept(decide_publish(live.s, live.ctx()));
  CHECK(code_of(decide_delete(live.s, live.ctx())) == errc::refused);

  campaign c(linear());
  CHECK(code_of(decide_delete(c.s, c.ctx(role::viewer))) == errc::refused);
  c.accept(decide_delete(c.s, c.ctx(role::manager)));
  CHECK(c.s.status == cs::deleted);
  auto cx = c.ctx();
  CHECK(code_of(decide_update(c.s, linear(), cx)) == errc::not_found);
  CHECK(code_of(decide_publish(c.s, cx)) == errc::not_found);
  CHECK(code_of(decide_test(c.s, cx)) == errc::not_found);
  CHECK(code_of(decide_pause(c.s, cx)) == errc::not_found);
  CHECK(code_of(decide_resume(c.s, cx)) == errc::not_found);
  CHECK(code_of(decide_stop(c.s, cx)) == errc::not_found);
  CHECK(code_of(decide_close(c.s, cx)) == errc::not_found);
  CHECK(code_of(decide_back_to_draft(c.s, cx)) == errc::not_found);
  CHECK(code_of(decide_archive(c.s, cx)) == errc::not_found);
  CHECK(code_of(decide_delete(c.s, cx)) == errc::not_found);
  CHECK(code_of(decide_duplicate(c.s, cx)) == errc::not_found);
  CHECK(code_of(decide_confirm(c.s, "mail", cx)) == errc::not_found);
  CHECK(code_of(decide_trigger(c.s, {}, "api", cx)) == errc::not_found);
  CHECK(code_of(decide_create(c.s, "c-1", linear(), "", cx)) == errc::conflict);
  CHECK(advance(c.s, c.now).empty());
}

TEST_CASE("every command on a campaign that does not exist is not_found", "[lifecycle]") {
  campaign_state none;
  command_context cx{"alice", role::admin, t0()};
  CHECK(code_of(decide_update(none, linear(), cx)) == errc::not_found);
  CHECK(code_of(decide_publish(none, cx)) == errc::not_found);
  CHECK(code_of(decide_test(none, cx)) == errc::not_found);
  CHECK(code_of(decide_stop(none, cx)) == errc::not_found);
  CHECK(code_of(decide_archive(none, cx)) == errc::not_found);
  CHECK(code_of(decide_delete(none, cx)) == errc::not_found);
  CHECK(code_of(decide_trigger(none, {}, "api", cx)) == errc::not_found);
  CHECK(advance(none, t0()).empty());
}

TEST_CASE("archive any non-draft campaign", "[lifecycle]") {
  campaign c(linear());
  CHECK(code_of(decide_archive(c.s, c.ctx())) == errc::refused);  // draft: delete instead
  c.accept(decide_publish(c.s, c.ctx()));
  CHECK(code_of(decide_archive(c.s, c.ctx())) == errc::refused);  // its run is in progress
  c.step();
  c.complete("aud", 1);
  c.step();
  c.complete("mail", 1);
  c.step();
  REQUIRE(c.s.status == cs::completed);
  CHECK(code_of(decide_archive(c.s, c.ctx(role::manager))) == errc::refused);
  c.accept(decide_archive(c.s, c.ctx(role::approver)));
  CHECK(c.s.status == cs::archived);
  CHECK(code_of(decide_archive(c.s, c.ctx())) == errc::refused);
  CHECK(code_of(decide_delete(c.s, c.ctx())) == errc::refused);
  CHECK(code_of(decide_resume(c.s, c.ctx())) == errc::refused);

  campaign sched(linear({{"schedule", cron_daily_9()}}));
  sched.accept(decide_publish(sched.s, sched.ctx()));
  sched.accept(decide_archive(sched.s, sched.ctx()));
  sched.now = at("2030-01-01T09:00:00Z");
  CHECK(sched.step().empty());  // an archived campaign runs no more
}

TEST_CASE("roles: viewers read only, managers edit and test, approvers and admins operate",
          "[lifecycle][roles]") {
  campaign draft(linear({{"schedule", signal_schedule()}}));
  auto v = draft.ctx(role::viewer), m = draft.ctx(role::manager);
  CHECK(code_of(decide_update(draft.s, linear(), v)) == errc::refused);
  CHECK(code_of(decide_test(draft.s, v)) == errc::refused);
  CHECK(code_of(decide_delete(draft.s, v)) == errc::refused);
  CHECK(code_of(decide_duplicate(draft.s, v)) == errc::refused);
  CHECK(code_of(decide_publish(draft.s, v)) == errc::refused);
  CHECK(decide_update(draft.s, linear(), m).ok());
  CHECK(decide_test(draft.s, m).ok());
  CHECK(decide_delete(draft.s, m).ok());
  CHECK(decide_duplicate(draft.s, m).ok());
  CHECK(code_of(decide_publish(draft.s, m)) == errc::refused);
  auto refusal_text = refusal(decide_publish(draft.s, m)).what;
  CHECK(refusal_text.find("manager") != std::string::npos);
  CHECK(refusal_text.find("alice") != std::string::npos);

  campaign live(linear({{"schedule", signal_schedule()}}));
  live.accept(decide_publish(live.s, live.ctx(role::admin)));
  for (role who : {role::viewer, role::manager}) {
    auto cx = live.ctx(who);
    CHECK(code_of(decide_pause(live.s, cx)) == errc::refused);
    CHECK(code_of(decide_stop(live.s, cx)) == errc::refused);
    CHECK(code_of(decide_close(live.s, cx)) == errc::refused);
    CHECK(code_of(decide_back_to_draft(live.s, cx)) == errc::refused);
    CHECK(code_of(decide_archive(live.s, cx)) == errc::refused);
    CHECK(code_of(decide_trigger(live.s, {}, "api", cx)) == errc::refused);
  }
  for (role who : {role::approver, role::admin}) {
    auto cx = live.ctx(who);
    CHECK(decide_pause(live.s, cx).ok());
    CHECK(decide_stop(live.s, cx).ok());
    CHECK(decide_close(live.s, cx).ok());
    CHECK(decide_back_to_draft(live.s, cx).ok());
    CHECK(decide_archive(live.s, cx).ok());
    CHECK(decide_trigger(live.s, {}, "api", cx).ok());
  }

  // A paused one-shot campaign waiting for a send confirmation: resume and confirm are allowed
  // by its status, so only the role refuses them.
  campaign paused(linear({}, {{"confirm", true}}));
  paused.accept(decide_publish(paused.s, paused.ctx()));
  paused.step();
  paused.complete("aud", 1);
  paused.step();
  paused.accept(decide_pause(paused.s, paused.ctx()));
  for (role who : {role::viewer, role::manager}) {
    auto cx = paused.ctx(who);
    CHECK(refusal(decide_resume(paused.s, cx)).what.find("may not") != std::string::npos);
    CHECK(refusal(decide_confirm(paused.s, "mail", cx)).what.find("may not") != std::string::npos);
  }
  for (role who : {role::approver, role::admin}) {
    CHECK(decide_resume(paused.s, paused.ctx(who)).ok());
    CHECK(decide_confirm(paused.s, "mail", paused.ctx(who)).ok());
  }
  // Role refusals say so (INTERFACES.md §8); status refusals do not blame the role.
  auto role_refusal = refusal(decide_pause(live.s, live.ctx(role::viewer)));
  CHECK(role_refusal.message() == "permission: alice (viewer) may not campaign pause");
  CHECK(refusal(decide_publish(live.s, live.ctx(role::admin))).what.find("role") ==
        std::string::npos);
}

TEST_CASE("the acting identity is recorded in the events it produces", "[lifecycle][roles]") {
  campaign c(linear());
  c.fold(decide_publish(c.s, c.ctx(role::approver, "bob")).value(), "bob");
  CHECK(c.log.back().actor == "bob");
  auto stop = decide_stop(c.s, c.ctx(role::approver, "carol"));
  REQUIRE(stop.ok());
  CHECK(only<ev::run_ended>(stop.value()).at(0).error == "stopped by carol");
}
