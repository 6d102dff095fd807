// Ending a run settles its tasks, end to end (issue 16 item 2): under the `abort` policy a task
// fails while its sibling is still running in the runner; the run fails, the sibling is
// `cancelled` through a task_cancelled event — in `campaign show` and in `baton-replay state` —
// and its late result, once the runner lets it go, changes nothing, not even after a new run.
#include <condition_variable>
#include <mutex>

#include "engine_fixture.hpp"
#include "process_util.hpp"

using namespace baton;
using namespace baton::testing;

namespace {

// build_audience only: "bad" fails once; "slow" blocks until released (then builds 4 rows);
// anything else builds 1 row.
class gated_runner final : public activity_runner {
 public:
  std::atomic<int> bad_failures{1};
  std::atomic<int> slow_started{0}, slow_finished{0};

  result<task_outcome> run(const task_input& in) override {
    const activity& a = *in.act;
    if (a.type != activity_type::build_audience)
      return make_error(errc::failed, a.id, "the test runner only builds audiences");
    if (a.id == "bad" && bad_failures.fetch_sub(1) > 0)
      return make_error(errc::failed, a.id, "no such table");
    if (a.id == "slow") {
      ++slow_started;
      std::unique_lock lock(m_);
      // Bounded, so that a broken test cannot hang the suite; the release comes much sooner.
      cv_.wait_for(lock, std::chrono::seconds(30), [this] { return released_; });
      ++slow_finished;
    }
    task_outcome o;
    o.outputs.push_back(
        ev::population{"out", "wt_" + in.campaign + "_" + std::to_string(in.run) + "_" + a.id,
                       a.id == "slow" ? 4u : 1u, "profiles", "fp-" + a.id});
    return o;
  }
  void release() {
    {
      std::lock_guard lock(m_);
      released_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool released_ = false;
};

const char* two_branches = R"({"name": "abort with a sibling", "dimension": "profiles",
  "errorPolicy": {"mode": "abort"},
  "activities": [{"id": "bad", "type": "build_audience"},
                 {"id": "slow", "type": "build_audience"},
                 {"id": "fin", "type": "end"}, {"id": "fin2", "type": "end"}],
  "transitions": [{"from": "bad", "to": "fin"}, {"from": "slow", "to": "fin2"}]})";

// The run's tasks from a `campaign show` document, by activity.
std::map<std::string, std::string> statuses(const json& run) {
  std::map<std::string, std::string> out;
  for (auto& t : run["tasks"]) out[t["activity"]] = t["status"];
  return out;
}

}  // namespace

TEST_CASE("abort: the sibling still running when the run fails is cancelled, end to end",
          "[engine][errors][cancel][e2e]") {
  auto runner = std::make_shared<gated_runner>();
  engine_fixture f(runner);
  struct release_at_end {  // never leave a worker blocked behind a failed REQUIRE
    gated_runner& r;
    ~release_at_end() { r.release(); }
  } guard{*runner};

  // "bad" must not queue behind the blocked "slow" on one worker thread: the engine spreads tasks
  // over its `workers` (2 by default) by hash of "campaign/activity" (actors/task_actor.cpp).
  auto worker_of = [](const std::string& id, const std::string& activity) {
    return std::hash<std::string>{}(id + "/" + activity) % 2;
  };
  auto id = f.create(two_branches);
  while (worker_of(id, "bad") == worker_of(id, "slow")) id = f.create(two_branches);
  f.ok("publish", id);
  CHECK(f.wait_run(id)["runStatus"] == "failed");
  auto v = f.show(id);
  CHECK(v["status"] == "paused");
  CHECK(runner->slow_finished == 0);  // not returned yet: the run did not wait for it
  auto run1 = statuses(v["runs"][0]);
  CHECK(run1 ==
        std::map<std::string, std::string>{
            {"bad", "failed"}, {"slow", "cancelled"}, {"fin", "cancelled"}, {"fin2", "cancelled"}});
  CHECK(task_of(v["runs"][0], "slow")["cancelReason"] == "run failed");
  auto cancelled = f.events_of_type(id, "task_cancelled");
  REQUIRE(cancelled.size() == 3);
  for (auto& e : cancelled) CHECK(e["payload"]["reason"] == "run failed");

  // baton-replay state, read beside the running engine, says the same.
  work_dir wd;
  auto state =
      run_tool(wd, "baton-replay", {"--data-dir", f.dir.path.string(), "--json", "state", id});
  INFO(state.err);
  REQUIRE(state.code == 0);
  CHECK(statuses(json::parse(state.out)["runs"][0]) == run1);

  // The late result arrives; a new run (resume) completes; run 1 stays as it ended.
  runner->release();
  CHECK(f.ok("resume", id)["status"] == "live");
  CHECK(f.wait_run(id)["runStatus"] == "completed");
  f.await(
      id, [&](const json&) { return runner->slow_finished == 2; }, "both slow tasks to return");
  v = f.show(id);
  REQUIRE(v["runs"].size() == 2);
  CHECK(statuses(v["runs"][0]) == run1);
  CHECK(v["runs"][0]["status"] == "failed");
  CHECK(task_status_of(v, "slow", 2) == "done");
  for (auto& e : f.events_of_type(id, "task_completed")) CHECK(e["payload"]["run"] != 1);
  CHECK(f.events_of_type(id, "task_cancelled").size() == 3);
}
