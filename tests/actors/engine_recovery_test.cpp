// Recovery in-process, at exact points: an engine restarted over the same store resumes a wait
// where the log left it, and a crash in the window between an end activity's signal and the
// record of its completion (re-created by copying the log without its tail) re-runs the task
// without signalling the other campaign twice.
#include <functional>

#include "engine_fixture.hpp"
#include "log_copy.hpp"

using namespace baton;
using namespace baton::testing;

namespace {

const char* flow_with_wait = R"({"name": "flow", "dimension": "profiles",
  "activities": [{"id": "start", "type": "fork", "branches": ["a", "b"]},
                 {"id": "pause", "type": "wait", "duration": "PT10M"},
                 {"id": "join", "type": "and_join", "primary": "pause"},
                 {"id": "fin", "type": "end"}],
  "transitions": [{"from": "start", "output": "a", "to": "pause"},
                  {"from": "start", "output": "b", "to": "join"},
                  {"from": "pause", "to": "join"}, {"from": "join", "to": "fin"}]})";

const char* signalled_json = R"({"name": "signalled", "dimension": "profiles",
  "schedule": {"signal": true},
  "activities": [{"id": "note", "type": "alert", "title": "t", "message": "m"}],
  "transitions": []})";

std::string signalling_json(const std::string& target) {
  return json{{"name", "signaller"},
              {"dimension", "profiles"},
              {"activities",
               {{{"id", "hello"}, {"type", "alert"}, {"title", "hi"}, {"message", "hello"}},
                {{"id", "fin"},
                 {"type", "end"},
                 {"signal", {{"campaign", target}, {"variables", {{"k", "v"}}}}}}}},
              {"transitions", {{{"from", "hello"}, {"to", "fin"}}}}}
      .dump();
}

}  // namespace

TEST_CASE("a restarted engine resumes a wait where the log left it", "[engine][recovery]") {
  engine_fixture f;
  auto id = f.create(flow_with_wait);
  f.ok("publish", id);
  f.await(
      id, [](const json& v) { return task_of(v["runs"][0], "pause").contains("waitUntil"); },
      "the wait to start");
  f.restart(f.dir.str("events"));
  auto v = f.show(id);
  CHECK(task_status_of(v, "pause") == "running");
  CHECK(task_status_of(v, "join") == "pending");
  f.settle(seconds_us(5 * 60));  // half way: still waiting
  CHECK(task_status_of(f.show(id), "pause") == "running");
  f.settle(seconds_us(6 * 60));
  CHECK(f.wait_run(id)["runStatus"] == "completed");
  v = f.show(id);
  CHECK(task_of(v["runs"][0], "pause")["attempt"] == 1);  // a wait is resumed, not re-run
  CHECK(f.events_of_type(id, "task_completed").size() == 4);
}

TEST_CASE("a crash between an end activity's signal and its completion does not signal twice",
          "[engine][recovery]") {
  engine_fixture f;
  auto target = f.create(signalled_json);
  f.ok("publish", target);
  auto source = f.create(signalling_json(target));
  f.ok("publish", source);
  REQUIRE(f.wait_run(source)["runStatus"] == "completed");
  f.await(
      target, [](const json& v) { return !v["runs"].empty(); }, "the signalled run");
  REQUIRE(f.wait_run(target)["runStatus"] == "completed");

  // The crash: the target recorded the signal, the source had not yet recorded fin's completion.
  std::uint64_t cut = 0;
  for (auto& e : f.events(source))
    if (e["type"] == "task_started" && e["payload"]["activity"] == "fin") cut = e["seq"];
  REQUIRE(cut > 0);
  auto crashed = f.dir.str("crashed");
  copy_log(*f.store, crashed,
           [&](const event& e) { return e.stream == "campaign/" + source && e.global_seq > cut; });
  f.restart(crashed);

  CHECK(f.wait_run(source)["runStatus"] == "completed");
  auto v = f.show(source);
  CHECK(task_status_of(v, "fin") == "done");
  CHECK(task_of(v["runs"][0], "fin")["attempt"] == 2);  // re-run after the crash
  CHECK(f.events_of_type(source, "signal_sent").size() == 1);
  // The target recognised the repeated signal: still one signal, one run.
  CHECK(f.events_of_type(target, "signal_received").size() == 1);
  auto t = f.show(target);
  CHECK(t["runs"].size() == 1);
  CHECK(t["status"] == "live");
}
