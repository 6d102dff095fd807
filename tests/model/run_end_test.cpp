// Ending a run settles every task of it (task_cancelled, in the run_ended's append): under the
// abort policy while a sibling runs, on stop, back to draft and maxConsecutiveErrors; a completed
// run needs none. The late result of a cancelled task is ignored without an error, the state
// reads `cancelled` with its reason, and snapshots keep it.
#include <catch2/catch.hpp>

#include "campaign_fixture.hpp"
#include "model/campaign_view.hpp"

using namespace campaign_fixture;
using cs = campaign_status;
using ts = task_status;

namespace {

// Two parallel roots: slow (data plane) and quick (fails), each feeding an email.
std::string two_branches(const json& settings) {
  json acts = json::array({{{"id", "quick"}, {"type", "build_audience"}},
                           {{"id", "slow"}, {"type", "build_audience"}},
                           {{"id", "mail_q"}, {"type", "email"}, {"subject", "s"}, {"body", "b"}},
                           {{"id", "mail_s"}, {"type", "email"}, {"subject", "s"}, {"body", "b"}}});
  return campaign_json(
      acts,
      json::array({{{"from", "quick"}, {"to", "mail_q"}}, {{"from", "slow"}, {"to", "mail_s"}}}),
      settings);
}

campaign published(const std::string& text) {
  campaign c(text);
  c.accept(decide_publish(c.s, c.ctx()));
  c.step();
  return c;
}

void check_no_task_left_open(const run_state& r) {
  for (auto& [id, t] : r.tasks) {
    INFO(id << " is " << to_string(t.status));
    CHECK(is_terminal(t.status));
  }
}

}  // namespace

TEST_CASE("abort: a sibling still running when the run fails is cancelled, not left running",
          "[lifecycle][errors][cancel]") {
  campaign c = published(two_branches({{"errorPolicy", "abort"}}));
  REQUIRE(c.status_of("slow") == ts::running);
  REQUIRE(c.status_of("quick") == ts::running);
  c.now += us_per_minute;
  auto evs = c.fail("quick", "no such table");
  CHECK(names(evs) == std::vector<std::string>{"task_failed", "task_cancelled", "task_cancelled",
                                               "task_cancelled", "run_ended",
                                               "campaign_status_changed"});
  auto cancelled = only<ev::task_cancelled>(evs);
  REQUIRE(cancelled.size() == 3);
  std::map<std::string, std::string> was;
  for (auto& e : cancelled) {
    CHECK(e.run == 1);
    CHECK(e.reason == "run failed");
    was[e.activity] = e.was;
  }
  CHECK(was == std::map<std::string, std::string>{
                   {"mail_q", "pending"}, {"mail_s", "pending"}, {"slow", "running"}});
  CHECK(c.run(1).status == "failed");
  CHECK(c.status_of("quick") == ts::failed);
  CHECK(c.status_of("slow") == ts::cancelled);
  CHECK(c.task("slow").cancel_reason == "run failed");
  CHECK(c.task("slow").ended_at == c.now);
  CHECK(c.status_of("mail_s") == ts::cancelled);
  check_no_task_left_open(c.run(1));

  // The late result of the cancelled task changes nothing and is not an error.
  auto late = decide_task_done(c.s, 1, "slow", outcome(0, {pop(5)}), c.ctx());
  REQUIRE(late.ok());
  CHECK(late->empty());
  auto late_failure = decide_task_failed(c.s, 1, "slow", "interrupted", c.ctx());
  REQUIRE(late_failure.ok());
  CHECK(late_failure->empty());

  // The view (campaign show, baton-replay state) says so.
  auto view = campaign_to_json(c.s);
  for (auto& t : view["runs"][0]["tasks"])
    if (t["activity"] == "slow") {
      CHECK(t["status"] == "cancelled");
      CHECK(t["cancelReason"] == "run failed");
      CHECK_FALSE(t["endedAt"].is_null());
    }

  // Still so after a new run, whose own tasks the late result does not touch.
  c.accept(decide_resume(c.s, c.ctx()));
  c.step();
  REQUIRE(c.s.runs.size() == 2);
  CHECK(c.status_of("slow") == ts::running);
  late = decide_task_done(c.s, 1, "slow", outcome(0, {pop(5)}), c.ctx());
  REQUIRE(late.ok());
  CHECK(late->empty());
  CHECK(c.run(1).task("slow")->status == ts::cancelled);
}

TEST_CASE("stop settles running, waiting and pending tasks", "[lifecycle][cancel]") {
  json acts = json::array({{{"id", "aud"}, {"type", "build_audience"}},
                           {{"id", "pause"}, {"type", "wait"}, {"duration", "PT1H"}},
                           {{"id", "mail"}, {"type", "email"}, {"subject", "s"}, {"body", "b"}}});
  campaign c = published(campaign_json(acts, json::array({{{"from", "aud"}, {"to", "mail"}}}),
                                       {{"errorPolicy", "abort"}}));
  REQUIRE(c.status_of("pause") == ts::running);
  REQUIRE(c.task("pause").wait_until != 0);
  auto evs = c.accept(decide_stop(c.s, c.ctx(role::approver, "bob")));
  CHECK(names(evs) == std::vector<std::string>{"task_cancelled", "task_cancelled", "task_cancelled",
                                               "run_ended", "campaign_status_changed"});
  for (auto& e : only<ev::task_cancelled>(evs)) CHECK(e.reason == "run stopped");
  CHECK(c.run(1).status == "stopped");
  CHECK(c.status_of("aud") == ts::cancelled);
  CHECK(c.status_of("pause") == ts::cancelled);
  CHECK(c.task("pause").wait_until == 0);  // no timer for a cancelled wait
  CHECK(c.status_of("mail") == ts::cancelled);
  check_no_task_left_open(c.run(1));
}

TEST_CASE("a task waiting for its send confirmation is cancelled when the run stops",
          "[lifecycle][cancel][confirm]") {
  campaign c = published(linear({}, {{"confirm", true}}));
  c.complete("aud", 3);
  c.step();
  REQUIRE(c.status_of("mail") == ts::needs_confirmation);
  auto evs = c.accept(decide_stop(c.s, c.ctx()));
  auto cancelled = only<ev::task_cancelled>(evs);
  REQUIRE(cancelled.size() == 1);
  CHECK(cancelled[0].activity == "mail");
  CHECK(cancelled[0].was == "needs-confirmation");
  CHECK(c.status_of("mail") == ts::cancelled);
  CHECK(c.status_of("aud") == ts::done);  // ended tasks keep their state
}

TEST_CASE("a stopped test run and back to draft settle their tasks", "[lifecycle][cancel]") {
  SECTION("test run stopped") {
    campaign c(linear());
    c.accept(decide_test(c.s, c.ctx(role::manager)));
    c.step();
    c.accept(decide_stop(c.s, c.ctx(role::manager)));
    CHECK(c.s.status == cs::draft);
    CHECK(c.status_of("aud") == ts::cancelled);
    check_no_task_left_open(c.run(1));
  }
  SECTION("back to draft") {
    campaign c = published(linear());
    c.accept(decide_pause(c.s, c.ctx()));
    c.accept(decide_back_to_draft(c.s, c.ctx()));
    CHECK(c.run(1).status == "stopped");
    CHECK(c.status_of("aud") == ts::cancelled);
    check_no_task_left_open(c.run(1));
  }
  SECTION("a failure in a test run") {
    campaign c(two_branches({}));
    c.accept(decide_test(c.s, c.ctx(role::manager)));
    c.step();
    c.fail("quick");
    CHECK(c.run(1).status == "failed");
    CHECK(c.status_of("slow") == ts::cancelled);
    check_no_task_left_open(c.run(1));
  }
}

TEST_CASE("maxConsecutiveErrors ends the run with its other tasks cancelled",
          "[lifecycle][cancel]") {
  campaign c =
      published(two_branches({{"errorPolicy", {{"mode", "ignore"}, {"maxConsecutiveErrors", 1}}}}));
  c.fail("quick");
  CHECK(c.s.status == cs::stopped);
  CHECK(c.status_of("quick") == ts::failed);
  CHECK(c.status_of("slow") == ts::cancelled);
  check_no_task_left_open(c.run(1));
}

TEST_CASE("a completed run cancels nothing", "[lifecycle][cancel]") {
  campaign c = published(linear());
  c.complete("aud", 2);
  c.step();
  auto evs = c.accept(decide_task_done(c.s, 1, "mail", outcome(2, {pop(2)}), c.ctx()), "engine");
  evs = c.step();
  CHECK(only<ev::task_cancelled>(evs).empty());
  CHECK(c.run(1).status == "completed");
}

TEST_CASE("cancelled tasks survive a snapshot", "[lifecycle][cancel][snapshot]") {
  campaign c = published(two_branches({{"errorPolicy", "abort"}}));
  c.fail("quick");
  auto back = decode_state(encode_state(c.s));
  REQUIRE(back.ok());
  auto* t = back->runs[0].task("slow");
  REQUIRE(t != nullptr);
  CHECK(t->status == ts::cancelled);
  CHECK(t->cancel_reason == "run failed");
  CHECK(campaign_to_json(back.value()) == campaign_to_json(c.s));
}
