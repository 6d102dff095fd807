// Crash recovery end to end: batond is killed with SIGKILL at random moments while a campaign
// with waits, a fork and an and_join runs (and its end activity signals another campaign); a
// restarted engine (batond, or batonctl embedded) finishes the run. Every run must end exactly
// as an uninterrupted run does, no task may complete twice, the signal must start one run only,
// and baton-replay verify must accept the log.
#include <map>
#include <random>
#include <set>

#include "process_util.hpp"

using namespace baton::testing;
using nlohmann::json;

namespace {

// Three branches with waits of 0.3 s, 0.6 s and 1 s, joined, then a last wait of 0.4 s.
std::string source_json(const std::string& target) {
  auto j = json::parse(R"({"name": "recovery", "dimension": "profiles",
    "variables": {"season": "winter"},
    "activities": [
      {"id": "start", "type": "fork", "branches": ["a", "b", "c"]},
      {"id": "w1", "type": "wait", "duration": "PT0.3S"},
      {"id": "season", "type": "test",
       "conditions": [{"name": "winter", "variable": "season", "op": "eq", "value": "winter"}]},
      {"id": "w2", "type": "wait", "duration": "PT0.6S"},
      {"id": "mid", "type": "alert", "title": "mid", "message": "branch b"},
      {"id": "w3", "type": "wait", "duration": "PT1S"},
      {"id": "join", "type": "and_join", "primary": "season"},
      {"id": "w4", "type": "wait", "duration": "PT0.4S"},
      {"id": "notify", "type": "alert", "title": "done", "message": "all joined"},
      {"id": "fin", "type": "end", "signal": {"campaign": "", "variables": {"from": "recovery"}}}],
    "transitions": [
      {"from": "start", "output": "a", "to": "w1"}, {"from": "w1", "to": "season"},
      {"from": "season", "output": "winter", "to": "join"},
      {"from": "start", "output": "b", "to": "w2"}, {"from": "w2", "to": "mid"},
      {"from": "mid", "to": "join"},
      {"from": "start", "output": "c", "to": "w3"}, {"from": "w3", "to": "join"},
      {"from": "join", "to": "w4"}, {"from": "w4", "to": "notify"},
      {"from": "notify", "to": "fin"}]})");
  j["activities"][9]["signal"]["campaign"] = target;
  return j.dump();
}

const char* target_json = R"({"name": "signalled", "dimension": "profiles",
  "schedule": {"signal": true},
  "activities": [{"id": "hold", "type": "wait", "duration": "PT0.2S"}, {"id": "fin", "type": "end"}],
  "transitions": [{"from": "hold", "to": "fin"}]})";

// What must not depend on crashes: each task's status, counts, outputs and error.
json outcome(const json& shown) {
  json out = json::array();
  for (auto& r : shown["runs"]) {
    json tasks = json::array();
    for (auto& t : r["tasks"])
      tasks.push_back({t["activity"], t["status"], t["countIn"], t["outputs"], t["error"]});
    out.push_back({r["status"], tasks, r["transitions"]});
  }
  return {shown["status"], out, shown["alerts"].size()};
}

struct campaign_ids {
  std::string source, target;
};

// Creates and publishes the signalled campaign, then the source (its run starts at once).
campaign_ids start_campaigns(const work_dir& wd, const std::vector<std::string>& reach,
                             const std::string& tag) {
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), reach.begin(), reach.end());
    auto r = run_tool(wd, "batonctl", args);
    INFO("batonctl: " << r.err);
    REQUIRE(r.code == 0);
    return lines_of(r.out).at(0);
  };
  campaign_ids ids;
  ids.target = ctl({"campaign", "create", wd.write("target-" + tag + ".json", target_json)});
  ctl({"campaign", "publish", ids.target});
  ids.source =
      ctl({"campaign", "create", wd.write("source-" + tag + ".json", source_json(ids.target))});
  ctl({"campaign", "publish", ids.source});
  return ids;
}

json show(const work_dir& wd, const std::vector<std::string>& reach, const std::string& id) {
  auto args = reach;
  args.insert(args.end(), {"--json", "campaign", "show", id});
  auto r = run_tool(wd, "batonctl", args);
  REQUIRE(r.code == 0);
  return json::parse(r.out);
}

void wait_for_run(const work_dir& wd, const std::vector<std::string>& reach,
                  const std::string& id) {
  auto args = reach;
  args.insert(args.end(), {"campaign", "wait", id, "--timeout", "30"});
  auto r = run_tool(wd, "batonctl", args, std::chrono::seconds(40));
  INFO("campaign wait " << id << ": " << r.out << r.err);
  REQUIRE(r.code == 0);
}

std::vector<json> events_of(const work_dir& wd, const std::string& data, const std::string& id) {
  auto r = run_tool(wd, "batonctl", {"--data-dir", data, "--json", "events", "--campaign", id});
  REQUIRE(r.code == 0);
  std::vector<json> out;
  for (auto& l : lines_of(r.out)) out.push_back(json::parse(l));
  return out;
}

bool run_ended(const work_dir& wd, const std::string& data, const std::string& id) {
  for (auto& e : events_of(wd, data, id))
    if (e["type"] == "run_ended") return true;
  return false;
}

// The log of one campaign with one run: each task completed once, after its last start, with
// attempts counting up from 1; each transition fired once; one alert per alert activity.
void check_log_once(const std::vector<json>& log) {
  std::map<std::string, std::vector<int>> attempts;
  std::map<std::string, int> completed, fired, alerts;
  std::map<std::string, int> types;
  for (auto& e : log) {
    std::string type = e["type"];
    auto& p = e["payload"];
    ++types[type];
    if (type == "task_started") {
      std::string a = p["activity"];
      INFO("task " << a << " started again after it completed");
      CHECK(completed[a] == 0);
      attempts[a].push_back(p["attempt"].get<int>());
    }
    if (type == "task_completed") ++completed[p["activity"].get<std::string>()];
    if (type == "transition_fired")
      ++fired[p["from"].get<std::string>() + "|" + p["output"].get<std::string>() + "|" +
              p["to"].get<std::string>()];
    if (type == "alert_raised") ++alerts[p["activity"].get<std::string>()];
  }
  CHECK(types["run_started"] == 1);
  CHECK(types["run_ended"] == 1);
  for (auto& [a, n] : completed) {
    INFO("task " << a);
    CHECK(n == 1);
    auto& at = attempts[a];
    for (std::size_t i = 0; i < at.size(); ++i) CHECK(at[i] == static_cast<int>(i) + 1);
  }
  for (auto& [t, n] : fired) {
    INFO("transition " << t);
    CHECK(n == 1);
  }
  for (auto& [a, n] : alerts) {
    INFO("alert " << a);
    CHECK(n == 1);
  }
}

}  // namespace

TEST_CASE("kill -9 of batond during runs: the restarted engine finishes each run exactly once",
          "[e2e][recovery]") {
  work_dir wd;
  // The reference: the same campaigns, never interrupted.
  auto ref_data = wd.str("reference");
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", ref_data, "init"}).code == 0);
  std::vector<std::string> ref_reach{"--data-dir", ref_data};
  auto ref_ids = start_campaigns(wd, ref_reach, "ref");
  wait_for_run(wd, ref_reach, ref_ids.source);
  wait_for_run(wd, ref_reach, ref_ids.target);
  auto reference = outcome(show(wd, ref_reach, ref_ids.source));
  INFO("reference: " << reference.dump());
  REQUIRE(reference[0] == "completed");
  auto ref_target = show(wd, ref_reach, ref_ids.target);
  REQUIRE(ref_target["runs"].size() == 1);

  std::mt19937 rng(20261122);
  int interrupted = 0;
  const int trials = 10;
  for (int trial = 0; trial < trials; ++trial) {
    auto data = wd.str("trial-" + std::to_string(trial));
    REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
    campaign_ids ids;
    int kills = 1 + static_cast<int>(rng() % 2);
    std::vector<int> delays;
    {
      std::optional<daemon_process> d;
      d.emplace(wd, data);
      ids = start_campaigns(wd, {"--connect", d->address()}, std::to_string(trial));
      for (int k = 0; k < kills; ++k) {
        if (k > 0) d.emplace(wd, data);  // recovers, resumes the run — and is killed again
        delays.push_back(static_cast<int>(rng() % (k == 0 ? 1500 : 700)));
        std::this_thread::sleep_for(std::chrono::milliseconds(delays.back()));
        CHECK(d->kill9() == 128 + SIGKILL);
      }
    }
    bool cut = !run_ended(wd, data, ids.source);
    interrupted += cut;
    bool embedded = trial % 2 == 1;
    INFO("trial " << trial << ": " << kills << " kill(s) after " << delays[0] << " ms"
                  << (kills > 1 ? " and " + std::to_string(delays.back()) + " ms" : "")
                  << (cut ? ", run interrupted" : ", run had ended")
                  << (embedded ? "; finished embedded" : "; finished by batond"));
    json shown, target;
    if (embedded) {
      std::vector<std::string> reach{"--data-dir", data};
      wait_for_run(wd, reach, ids.source);
      wait_for_run(wd, reach, ids.target);
      shown = show(wd, reach, ids.source);
      target = show(wd, reach, ids.target);
    } else {
      daemon_process d(wd, data);
      std::vector<std::string> reach{"--connect", d.address()};
      wait_for_run(wd, reach, ids.source);
      wait_for_run(wd, reach, ids.target);
      shown = show(wd, reach, ids.source);
      target = show(wd, reach, ids.target);
      CHECK(d.stop() == 0);
    }
    CHECK(outcome(shown) == reference);
    REQUIRE(target["runs"].size() == 1);  // the end activity's signal started one run
    CHECK(target["runs"][0]["status"] == "completed");
    CHECK(target["runs"][0]["variables"]["from"] == "recovery");
    auto log = events_of(wd, data, ids.source);
    check_log_once(log);
    check_log_once(events_of(wd, data, ids.target));
    auto verify = run_tool(wd, "baton-replay", {"--data-dir", data, "verify"});
    INFO("baton-replay verify: " << verify.out << verify.err);
    CHECK(verify.code == 0);
  }
  INFO(interrupted << " of " << trials << " trials interrupted a run");
  CHECK(interrupted >= trials / 2);
}
