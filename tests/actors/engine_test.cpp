// The engine in-process on a manual clock, driven only through api_command messages: flow
// control to completion, waits, pause/resume/stop, cron and signal schedules, an end activity
// signalling another campaign, targeting counts from a test-double runner, error policies.
#include <sys/resource.h>
#include <atomic>
#include <fstream>
#include <sstream>

#include "engine_fixture.hpp"

using namespace baton;
using namespace baton::testing;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string flow_control_json() {
  return read_text(std::string(BATON_SOURCE_DIR) + "/config/campaigns/flow-control.json");
}

// Test double for the data plane (tests only): build_audience emits a population whose size
// is the activity's label "count:N" or, without one, a fixed table by activity id. An activity
// labelled "flaky" fails while `failures_left` > 0.
class counting_runner final : public activity_runner {
 public:
  std::atomic<int> failures_left{0};
  std::atomic<int> runs{0};

  result<task_outcome> run(const task_input& in) override {
    ++runs;
    const activity& a = *in.act;
    if (a.type != activity_type::build_audience)
      return make_error(errc::failed, a.id, "the test runner only builds audiences");
    if (a.label.find("flaky") != std::string::npos && failures_left.fetch_sub(1) > 0)
      return make_error(errc::failed, a.id, "transient failure of the data plane");
    task_outcome o;
    o.outputs.push_back(
        ev::population{"out", "wt_" + in.campaign + "_" + std::to_string(in.run) + "_" + a.id,
                       count_for(a), "profiles", "fp-" + a.id});
    o.logs.push_back("built " + std::to_string(o.outputs[0].count) + " rows");
    return o;
  }

 private:
  static std::uint64_t count_for(const activity& a) {
    if (auto p = a.label.find("count:"); p != std::string::npos)
      return std::stoull(a.label.substr(p + 6));
    static const std::map<std::string, std::uint64_t> table = {{"silver", 7}, {"bronze", 0}};
    auto it = table.find(a.id);
    return it == table.end() ? 1 : it->second;
  }
};

// A signal-triggered campaign that routes on the variable `tier` (default "basic").
std::string signal_campaign_json() {
  return R"({"name": "on signal", "dimension": "profiles", "schedule": {"signal": true},
    "variables": {"tier": "basic"},
    "activities": [
      {"id": "route", "type": "test",
       "conditions": [{"name": "gold", "variable": "tier", "op": "eq", "value": "gold"}]},
      {"id": "vip", "type": "alert", "title": "vip", "message": "gold tier"},
      {"id": "std", "type": "alert", "title": "std", "message": "other tier"}],
    "transitions": [{"from": "route", "output": "gold", "to": "vip"},
                    {"from": "route", "output": "default", "to": "std"}]})";
}

// A one-shot campaign whose end activity signals `target`.
std::string signalling_campaign_json(const std::string& target, const std::string& policy) {
  return json{{"name", "signaller"},
              {"dimension", "profiles"},
              {"errorPolicy", {{"mode", policy}}},
              {"activities",
               {{{"id", "hello"}, {"type", "alert"}, {"title", "hi"}, {"message", "hello"}},
                {{"id", "fin"},
                 {"type", "end"},
                 {"signal", {{"campaign", target}, {"variables", {{"tier", "gold"}}}}}}}},
              {"transitions", {{{"from", "hello"}, {"to", "fin"}}}}}
      .dump();
}

bool wait_started(const json& v, const std::string& activity) {
  return !v["runs"].empty() && task_of(v["runs"].back(), activity).contains("waitUntil");
}

}  // namespace

TEST_CASE(
    "a flow-control campaign runs to completion, its wait ending only once the clock passes it",
    "[engine]") {
  engine_fixture f;
  auto id = f.create(flow_control_json());
  CHECK(f.show(id)["status"] == "draft");
  CHECK(f.ok("publish", id)["status"] == "live");
  auto v = f.await(
      id,
      [](const json& v) {
        return wait_started(v, "pause") && task_status_of(v, "check") == "done";
      },
      "the wait to start and the other branch to finish");
  CHECK(task_status_of(v, "join") == "pending");

  f.settle(seconds_us(0.6));  // 0.6 s of the 1 s wait
  v = f.show(id);
  CHECK(task_status_of(v, "pause") == "running");
  CHECK(task_status_of(v, "join") == "pending");
  CHECK(v["runs"][0]["status"] == "running");

  f.settle(seconds_us(0.5));  // past the wait
  auto w = f.wait_run(id);
  CHECK(w["runStatus"] == "completed");
  v = f.show(id);
  CHECK(v["status"] == "completed");
  for (auto& t : v["runs"][0]["tasks"]) CHECK(t["status"] == "done");
  auto run = v["runs"][0];
  CHECK(task_of(run, "start")["outputs"].contains("a"));
  CHECK(task_of(run, "start")["outputs"].contains("b"));
  CHECK(task_of(run, "check")["outputs"].contains("winter"));
  CHECK_FALSE(task_of(run, "check")["outputs"].contains("default"));
  REQUIRE(v["alerts"].size() == 1);
  CHECK(v["alerts"][0]["title"] == "Done");
  // The wait ended when the clock said so, not before.
  auto waiting = f.events_of_type(id, "task_waiting");
  REQUIRE(waiting.size() == 1);
  for (auto& e : f.events_of_type(id, "task_completed"))
    if (e["payload"]["activity"] == "pause")
      CHECK(e["timeUs"].get<std::int64_t>() >=
            waiting[0]["payload"]["untilUs"].get<std::int64_t>());  // a number (issue 18)
  CHECK(f.events_of_type(id, "run_ended").size() == 1);
}

TEST_CASE("pause during a wait starts nothing, resume completes the run", "[engine]") {
  engine_fixture f;
  auto id = f.create(flow_control_json());
  f.ok("publish", id);
  f.await(
      id,
      [](const json& v) {
        return wait_started(v, "pause") && task_status_of(v, "check") == "done";
      },
      "the wait to start");
  CHECK(f.ok("pause", id)["status"] == "paused");
  f.settle(seconds_us(2));  // the running wait may finish; nothing new may start
  auto v = f.await(
      id, [](const json& v) { return task_status_of(v, "pause") == "done"; }, "the wait to end");
  CHECK(v["status"] == "paused");
  CHECK(task_status_of(v, "join") == "pending");
  f.settle(seconds_us(60));
  v = f.show(id);
  CHECK(task_status_of(v, "join") == "pending");
  CHECK(v["runs"][0]["status"] == "running");

  CHECK(f.ok("resume", id)["status"] == "live");
  CHECK(f.wait_run(id)["runStatus"] == "completed");
  v = f.show(id);
  CHECK(v["status"] == "completed");
  CHECK(task_status_of(v, "fin") == "done");
}

TEST_CASE("stop is final: the run ends stopped and resume is refused", "[engine]") {
  engine_fixture f;
  auto id = f.create(flow_control_json());
  f.ok("publish", id);
  f.await(
      id, [](const json& v) { return wait_started(v, "pause"); }, "the wait to start");
  CHECK(f.ok("stop", id)["status"] == "stopped");
  CHECK(f.wait_run(id)["runStatus"] == "stopped");
  CHECK(f.refused_code("resume", id) == errc::refused);
  CHECK(f.refused_code("pause", id) == errc::refused);
  CHECK(f.refused_code("start", id) == errc::refused);
  CHECK(f.refused_code("stop", id) == errc::refused);
  f.settle(seconds_us(5));  // the wait's time passes: nothing of the stopped run moves
  auto v = f.show(id);
  CHECK(v["status"] == "stopped");
  CHECK(v["runs"].size() == 1);
  // The stop settled the run's open tasks (issue 16 item 2; they used to stay running/pending).
  CHECK(task_status_of(v, "pause") == "cancelled");
  CHECK(task_status_of(v, "join") == "cancelled");
  auto es = f.events(id);
  REQUIRE(es.back()["type"] == "campaign_status_changed");
  CHECK(es.back()["payload"]["status"] == "stopped");
  // Duplicate is the way to run it again.
  auto copy = f.ok("duplicate", id)["id"].get<std::string>();
  CHECK(copy != id);
  CHECK(f.show(copy)["status"] == "draft");
}

TEST_CASE("a cron campaign runs on schedule with a manual clock, never overlapping", "[engine]") {
  engine_fixture f;
  f.clk.advance(seconds_us(30));  // 2026-01-01T00:00:30Z
  auto id = f.create(R"({"name": "hourly", "dimension": "profiles",
    "schedule": {"cron": "0 * * * *", "timezone": "UTC"},
    "activities": [{"id": "hold", "type": "wait", "duration": "PT90M"},
                   {"id": "fin", "type": "end"}],
    "transitions": [{"from": "hold", "to": "fin"}]})");
  auto p = f.ok("publish", id);
  CHECK(p["status"] == "scheduled");
  auto v = f.show(id);
  CHECK(v["nextRun"].get<std::string>().rfind("2026-01-01T01:00:00", 0) == 0);
  f.settle(seconds_us(30 * 60));  // 00:30:30: not yet
  CHECK(f.show(id)["runs"].empty());

  f.settle(seconds_us(29 * 60 + 40));  // 01:00:10: past the slot
  v = f.await(
      id, [](const json& v) { return v["runs"].size() == 1 && wait_started(v, "hold"); },
      "the scheduled run");
  CHECK(v["status"] == "live");
  CHECK(v["runs"][0]["trigger"] == "schedule");

  f.settle(seconds_us(60 * 60));  // 02:00:10: the 02:00 slot passes during run 1
  v = f.show(id);
  CHECK(v["runs"].size() == 1);
  CHECK(v["runs"][0]["status"] == "running");

  f.settle(seconds_us(40 * 60));  // 02:40:10: the wait is over, run 1 ends
  CHECK(f.wait_run(id)["runStatus"] == "completed");
  v = f.show(id);
  CHECK(v["runs"].size() == 1);
  CHECK(v["status"] == "live");
  CHECK(v["nextRun"].get<std::string>().rfind("2026-01-01T03:00:00", 0) == 0);

  f.settle(seconds_us(30 * 60));  // 03:10:10
  v = f.await(
      id, [](const json& v) { return v["runs"].size() == 2; }, "the second run");
  CHECK(v["runs"][1]["trigger"] == "schedule");
  // The log shows one run at a time.
  int active = 0, most = 0;
  for (auto& e : f.events(id)) {
    if (e["type"] == "run_started") most = std::max(most, ++active);
    if (e["type"] == "run_ended") --active;
  }
  CHECK(most == 1);
  CHECK(f.ok("close", id)["status"] == "closed");
}

TEST_CASE("a cron slot passing during a run does not keep the real-time timer busy", "[engine]") {
  engine_fixture f(nullptr, true);
  auto id = f.create(R"({"name": "hourly", "dimension": "profiles",
    "schedule": {"cron": "0 * * * *", "timezone": "UTC"},
    "activities": [{"id": "hold", "type": "wait", "duration": "PT90M"}], "transitions": []})");
  f.ok("publish", id);
  f.clk.advance(seconds_us(3600 + 10));  // 01:00:10
  f.tick();
  f.await(
      id, [](const json& v) { return wait_started(v, "hold"); }, "the scheduled run");
  f.clk.advance(seconds_us(3600));  // 02:00:10: the next slot is due, but run 1 goes on
  f.tick();
  // The engine has nothing to do until the wait ends: it must stay (nearly) idle rather than
  // re-arming the past slot again and again.
  auto cpu = [] {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1'000'000 + u.ru_utime.tv_usec +
           u.ru_stime.tv_usec;
  };
  auto cpu0 = cpu();
  auto wall0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(500ms);  // real time is what this test is about
  auto wall = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - wall0)
                  .count();
  auto used = cpu() - cpu0;
  INFO("CPU " << used << " us in " << wall << " us");
  CHECK(used < wall / 4);
  auto v = f.show(id);
  CHECK(v["runs"].size() == 1);
  CHECK(v["runs"][0]["status"] == "running");
}

TEST_CASE("a signal campaign runs once per trigger with the signal's variables", "[engine]") {
  engine_fixture f;
  auto id = f.create(signal_campaign_json());
  CHECK(f.refused_code("trigger", id) == errc::refused);  // a draft takes no signal
  CHECK(f.ok("publish", id)["status"] == "live");
  CHECK(f.show(id)["runs"].empty());

  f.ok("trigger", id, {{"tier", "gold"}});
  CHECK(f.wait_run(id)["runStatus"] == "completed");
  auto v = f.show(id);
  REQUIRE(v["runs"].size() == 1);
  CHECK(v["runs"][0]["trigger"] == "signal");
  CHECK(v["runs"][0]["variables"]["tier"] == "gold");
  CHECK(task_status_of(v, "vip") == "done");
  CHECK(task_status_of(v, "std") == "skipped");

  f.ok("trigger", id);  // no variables: the campaign's own
  CHECK(f.wait_run(id)["runStatus"] == "completed");
  v = f.show(id);
  REQUIRE(v["runs"].size() == 2);
  CHECK(v["runs"][1]["variables"]["tier"] == "basic");
  CHECK(task_status_of(v, "vip") == "skipped");
  CHECK(task_status_of(v, "std") == "done");
  CHECK(v["status"] == "live");  // recurring: waits for the next signal
}

TEST_CASE("an end activity signals another campaign, and a signal to a draft fails the task",
          "[engine]") {
  engine_fixture f;
  SECTION("to a live signal campaign: it starts with the variables") {
    auto target = f.create(signal_campaign_json());
    f.ok("publish", target);
    auto source = f.create(signalling_campaign_json(target, "abort"));
    f.ok("publish", source);
    CHECK(f.wait_run(source)["runStatus"] == "completed");
    CHECK(f.events_of_type(source, "signal_sent").size() == 1);
    auto v = f.await(
        target, [](const json& v) { return !v["runs"].empty(); }, "the signalled run");
    CHECK(f.wait_run(target)["runStatus"] == "completed");
    v = f.show(target);
    CHECK(v["runs"][0]["trigger"] == "signal");
    CHECK(v["runs"][0]["variables"]["tier"] == "gold");
    CHECK(task_status_of(v, "vip") == "done");
    auto received = f.events_of_type(target, "signal_received");
    REQUIRE(received.size() == 1);
    CHECK(received[0]["payload"]["source"] == "campaign/" + source);
  }
  SECTION("to an unpublished campaign: the task fails and abort fails the run") {
    auto target = f.create(signal_campaign_json());  // stays a draft
    auto source = f.create(signalling_campaign_json(target, "abort"));
    f.ok("publish", source);
    CHECK(f.wait_run(source)["runStatus"] == "failed");
    auto v = f.show(source);
    CHECK(task_status_of(v, "fin") == "failed");
    auto fin = task_of(v["runs"][0], "fin");
    CHECK(fin["error"].get<std::string>().find("signal to campaign " + target) !=
          std::string::npos);
    CHECK(v["status"] == "paused");  // one-shot abort: paused with the error shown
    REQUIRE(v["error"].is_object());
    CHECK(v["error"]["activity"] == "fin");
    CHECK(f.show(target)["runs"].empty());
    CHECK(f.events_of_type(source, "signal_sent").empty());
  }
}

TEST_CASE("targeting counts flow through fork, test and and_join (test-double runner)",
          "[engine]") {
  auto runner = std::make_shared<counting_runner>();
  engine_fixture f(runner);
  auto id = f.create(R"({"name": "targeting", "dimension": "profiles",
    "activities": [
      {"id": "gold", "type": "build_audience", "label": "count:120"},
      {"id": "silver", "type": "build_audience"},
      {"id": "both", "type": "fork", "branches": ["a", "b"]},
      {"id": "big", "type": "test",
       "conditions": [{"name": "large", "count": {"op": "gt", "value": 100}}]},
      {"id": "note", "type": "alert", "title": "n", "message": "m"},
      {"id": "join", "type": "and_join", "primary": "big"},
      {"id": "small", "type": "test",
       "conditions": [{"name": "large", "count": {"op": "gt", "value": 100}}]},
      {"id": "fin", "type": "end"}, {"id": "fin2", "type": "end"}],
    "transitions": [
      {"from": "gold", "to": "both"},
      {"from": "both", "output": "a", "to": "big"},
      {"from": "both", "output": "b", "to": "note"},
      {"from": "big", "output": "large", "to": "join"},
      {"from": "note", "to": "join"},
      {"from": "join", "to": "fin"},
      {"from": "silver", "to": "small"},
      {"from": "small", "output": "default", "to": "fin2"}]})");
  f.ok("publish", id);
  CHECK(f.wait_run(id)["runStatus"] == "completed");
  auto v = f.show(id);
  auto run = v["runs"][0];
  CHECK(task_of(run, "gold")["outputs"]["out"] == 120);
  CHECK(task_of(run, "silver")["outputs"]["out"] == 7);
  CHECK(task_of(run, "both")["countIn"] == 120);
  CHECK(task_of(run, "both")["outputs"]["a"] == 120);
  CHECK(task_of(run, "both")["outputs"]["b"] == 120);
  CHECK(task_of(run, "big")["outputs"]["large"] == 120);
  CHECK(task_of(run, "join")["countIn"] == 120);
  CHECK(task_of(run, "join")["outputs"]["out"] == 120);
  CHECK(task_of(run, "small")["outputs"]["default"] == 7);
  CHECK_FALSE(task_of(run, "small")["outputs"].contains("large"));
  CHECK(task_of(run, "fin2")["countIn"] == 7);
  CHECK(runner->runs == 2);  // only the targeting activities reach the runner
  for (auto& t : run["transitions"])
    if (t["from"] == "gold") CHECK(t["count"] == 120);
}

TEST_CASE("error policies through the engine", "[engine]") {
  auto runner = std::make_shared<counting_runner>();
  engine_fixture f(runner);
  SECTION("suspend: the campaign pauses with the error; resume re-runs the task") {
    runner->failures_left = 1;
    auto id = f.create(R"({"name": "suspend", "dimension": "profiles",
      "activities": [{"id": "src", "type": "build_audience", "label": "flaky count:10"},
                     {"id": "fin", "type": "end"}],
      "transitions": [{"from": "src", "to": "fin"}]})");
    f.ok("publish", id);
    auto v = f.await(
        id, [](const json& v) { return v["status"] == "paused"; }, "the suspension");
    CHECK(v["runs"][0]["status"] == "running");
    CHECK(task_status_of(v, "src") == "failed");
    REQUIRE(v["error"].is_object());
    CHECK(v["error"]["activity"] == "src");
    CHECK(v["error"]["message"].get<std::string>().find("transient") != std::string::npos);
    CHECK(task_status_of(v, "fin") == "pending");

    CHECK(f.ok("resume", id)["status"] == "live");
    CHECK(f.wait_run(id)["runStatus"] == "completed");
    v = f.show(id);
    CHECK(v["status"] == "completed");
    CHECK(v["error"].is_null());
    auto src = task_of(v["runs"][0], "src");
    CHECK(src["status"] == "done");
    CHECK(src["attempt"] == 2);
    CHECK(src["outputs"]["out"] == 10);
    CHECK(f.events_of_type(id, "task_failed").size() == 1);
  }
  SECTION("ignore: the task fails, its branch stops, the run completes") {
    runner->failures_left = 1;
    auto id = f.create(R"({"name": "ignore", "dimension": "profiles",
      "errorPolicy": {"mode": "ignore"},
      "activities": [{"id": "src", "type": "build_audience", "label": "flaky count:10"},
                     {"id": "other", "type": "build_audience", "label": "count:3"},
                     {"id": "fin", "type": "end"}, {"id": "fin2", "type": "end"}],
      "transitions": [{"from": "src", "to": "fin"}, {"from": "other", "to": "fin2"}]})");
    f.ok("publish", id);
    CHECK(f.wait_run(id)["runStatus"] == "completed");
    auto v = f.show(id);
    CHECK(task_status_of(v, "src") == "failed");
    CHECK(task_status_of(v, "fin") == "skipped");
    CHECK(task_status_of(v, "fin2") == "done");
  }
  SECTION("abort on one activity (onError) fails the run; resume starts again") {
    runner->failures_left = 1;
    auto id = f.create(R"({"name": "abort", "dimension": "profiles",
      "activities": [{"id": "src", "type": "build_audience", "label": "flaky count:5",
                      "onError": {"mode": "abort"}},
                     {"id": "fin", "type": "end"}],
      "transitions": [{"from": "src", "to": "fin"}]})");
    f.ok("publish", id);
    CHECK(f.wait_run(id)["runStatus"] == "failed");
    auto v = f.show(id);
    CHECK(v["status"] == "paused");
    CHECK(f.ok("resume", id)["status"] == "live");
    CHECK(f.wait_run(id)["runStatus"] == "completed");
    v = f.show(id);
    REQUIRE(v["runs"].size() == 2);
    CHECK(v["runs"][0]["status"] == "failed");
    CHECK(v["runs"][1]["status"] == "completed");
    CHECK(v["status"] == "completed");
  }
}
