// batonctl, batond, baton-replay and the example client as child processes: the remote API of
// batond (INTERFACES.md §7), daemon exclusivity and shutdown, and the CLI's exit codes and
// error lines (INTERFACES.md §1-2).
#include <regex>

#include "process_util.hpp"

using namespace baton::testing;
using nlohmann::json;

namespace {

std::string flow_json() {
  return std::string(BATON_SOURCE_DIR) + "/config/campaigns/flow-control.json";
}

// Every stderr line is "error: <json pointer>: <what>"; returns the pointers.
std::vector<std::string> error_pointers(const std::string& err) {
  static const std::regex line(R"(^error: (/[^ :]*): .+$)");
  std::vector<std::string> out;
  for (auto& l : lines_of(err)) {
    std::smatch m;
    INFO("stderr line: " << l);
    CHECK(std::regex_match(l, m, line));
    if (!m.empty()) out.push_back(m[1]);
  }
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string init_data_dir(const work_dir& wd) {
  auto data = wd.str("data");
  auto r = run_tool(wd, "batonctl", {"--data-dir", data, "init"});
  REQUIRE(r.code == 0);
  return data;
}

}  // namespace

TEST_CASE("batond publishes the API: batonctl --connect and the example client run campaigns",
          "[e2e]") {
  work_dir wd;
  auto data = wd.str("data");
  daemon_process d(wd, data);
  auto addr = d.address();
  CHECK(addr.rfind("127.0.0.1:", 0) == 0);

  auto r = run_tool(wd, "batonctl", {"--connect", addr, "run", flow_json()});
  INFO("batonctl run: " << r.out << r.err);
  CHECK(r.code == 0);
  CHECK(r.out.find("run 1 completed") != std::string::npos);
  CHECK(r.err.find("created c-") != std::string::npos);

  r = run_tool(wd, "batonctl", {"--connect", addr, "--json", "run", flow_json()});
  REQUIRE(r.code == 0);
  auto shown = json::parse(r.out);
  CHECK(shown["status"] == "completed");
  REQUIRE(shown["runs"].size() == 1);
  CHECK(shown["runs"][0]["status"] == "completed");
  for (auto& t : shown["runs"][0]["tasks"]) CHECK(t["status"] == "done");

  r = run_tool(wd, "baton-example-client", {addr, flow_json()});
  INFO("example client: " << r.out << r.err);
  CHECK(r.code == 0);
  auto lines = lines_of(r.out);
  REQUIRE(lines.size() > 3);
  CHECK(lines.front().rfind("created c-", 0) == 0);
  CHECK(lines.back().find(" run_ended ") != std::string::npos);
  CHECK(lines.back().find("\"status\":\"completed\"") != std::string::npos);
  CHECK(r.out.find(" task_waiting ") != std::string::npos);
  CHECK(r.out.find(" alert_raised ") != std::string::npos);

  r = run_tool(wd, "batonctl", {"--connect", addr, "--json", "campaign", "list"});
  REQUIRE(r.code == 0);
  auto list = json::parse(r.out);
  CHECK(list.size() == 3);
  for (auto& c : list) CHECK(c["status"] == "completed");

  // The data dir belongs to the daemon: a second batond and an embedded batonctl get exit 5
  // naming its pid; the read-only tools still work beside it.
  auto pid = "pid " + std::to_string(d.pid());
  r = run_tool(wd, "batond", {"--data-dir", data, "--listen", "127.0.0.1:0"});
  CHECK(r.code == 5);
  CHECK(r.err.find(pid) != std::string::npos);
  r = run_tool(wd, "batonctl", {"--data-dir", data, "campaign", "list"});
  CHECK(r.code == 5);
  CHECK(r.err.find(pid) != std::string::npos);
  CHECK(run_tool(wd, "baton-replay", {"--data-dir", data, "verify"}).code == 0);
  CHECK(run_tool(wd, "batonctl", {"--data-dir", data, "events", "--limit", "3"}).code == 0);

  CHECK(d.stop() == 0);
  r = run_tool(wd, "batonctl", {"--connect", addr, "campaign", "list"});
  CHECK(r.code == 5);
  r = run_tool(wd, "baton-replay", {"--data-dir", data, "verify"});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  // After a clean stop the data dir opens embedded with everything in it.
  r = run_tool(wd, "batonctl", {"--data-dir", data, "--json", "campaign", "list"});
  REQUIRE(r.code == 0);
  CHECK(json::parse(r.out).size() == 3);
}

TEST_CASE("batonctl exit codes and error lines", "[e2e][cli]") {
  work_dir wd;
  auto data = init_data_dir(wd);
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--data-dir", data});
    return run_tool(wd, "batonctl", args);
  };

  SECTION("unknown campaign id: 4") {
    for (auto verb : {"show", "pause", "publish", "delete", "wait", "graph"}) {
      auto r = ctl({"campaign", verb, "c-00000000"});
      INFO(verb << ": " << r.err);
      CHECK(r.code == 4);
      CHECK(r.err == "error: c-00000000: no such campaign\n");
    }
  }

  SECTION("invalid definition: 2, one error line per problem with its JSON pointer") {
    auto bad = wd.write("bad.json", R"({"name": "", "dimension": "profiles",
      "activities": [{"id": "a", "type": "nope"}, {"id": "w", "type": "wait", "duration": "PT5Y"},
                     {"id": "f", "type": "fork", "branches": ["x"]}],
      "transitions": [{"from": "f", "output": "x", "to": "ghost"}]})");
    for (auto cmd : {std::vector<std::string>{"campaign", "validate", bad},
                     std::vector<std::string>{"campaign", "create", bad},
                     std::vector<std::string>{"run", bad}}) {
      auto r = ctl(cmd);
      INFO(cmd[0] << " " << cmd[1] << ": " << r.err);
      CHECK(r.code == 2);
      auto ptrs = error_pointers(r.err);
      CHECK(ptrs.size() == 4);
      CHECK(contains(ptrs, "/name"));
      CHECK(contains(ptrs, "/activities/0/type"));
      CHECK(contains(ptrs, "/activities/1/duration"));
      CHECK(contains(ptrs, "/transitions/0/to"));
    }
    auto r = ctl({"--json", "campaign", "validate", bad});
    CHECK(r.code == 2);
    auto j = json::parse(r.out);
    CHECK(j["valid"] == false);
    CHECK(j["problems"].size() == 4);
    auto broken = wd.write("broken.json", "{\"name\": ");
    r = ctl({"campaign", "create", broken});
    CHECK(r.code == 2);
    CHECK(error_pointers(r.err) == std::vector<std::string>{"/"});
    CHECK(ctl({"--json", "campaign", "list"}).out == "[]\n");  // nothing was created
  }

  SECTION("refused by the lifecycle: 3; the run's outcome: 0 or 1") {
    auto r = ctl({"--json", "run", flow_json()});
    REQUIRE(r.code == 0);
    std::string done = json::parse(r.out)["id"];
    for (auto verb : {"pause", "resume", "delete", "publish", "back-to-draft", "close"}) {
      auto rr = ctl({"campaign", verb, done});
      INFO(verb << " on a completed campaign: " << rr.err);
      CHECK(rr.code == 3);
      CHECK(rr.err.rfind("error: ", 0) == 0);
      CHECK(lines_of(rr.err).size() == 1);
    }
    r = ctl({"campaign", "create", flow_json()});
    REQUIRE(r.code == 0);
    auto id = lines_of(r.out).at(0);
    CHECK(ctl({"campaign", "resume", id}).code == 3);  // a draft
    CHECK(ctl({"campaign", "publish", id}).code == 0);
    auto del = ctl({"campaign", "delete", id});  // live: its run waits to be resumed
    CHECK(del.code == 3);
    CHECK(del.err.find("only a draft can be deleted") != std::string::npos);
    CHECK(ctl({"campaign", "wait", id, "--timeout", "20"}).code == 0);
    CHECK(ctl({"campaign", "archive", id}).code == 0);
    CHECK(ctl({"campaign", "archive", id}).code == 3);

    auto failing = wd.write("failing.json", R"({"name": "needs data", "dimension": "profiles",
      "errorPolicy": {"mode": "abort"},
      "activities": [{"id": "q", "type": "build_audience"}], "transitions": []})");
    r = ctl({"run", failing});
    INFO(r.out << r.err);
    CHECK(r.code == 1);  // the run ran and failed
  }

  SECTION("events --json: one JSON document per line") {
    REQUIRE(ctl({"run", flow_json()}).code == 0);
    auto r = ctl({"--json", "events"});
    REQUIRE(r.code == 0);
    auto lines = lines_of(r.out);
    REQUIRE(lines.size() > 10);
    std::uint64_t last = 0;
    for (auto& l : lines) {
      auto e = json::parse(l, nullptr, false);
      INFO(l);
      REQUIRE_FALSE(e.is_discarded());
      CHECK(e["seq"].get<std::uint64_t>() == last + 1);
      last = e["seq"];
      CHECK(e["type"].is_string());
      CHECK(e["payload"].is_object());
    }
    r = ctl({"--json", "events", "--type", "run_ended"});
    REQUIRE(r.code == 0);
    CHECK(lines_of(r.out).size() == 1);
    CHECK(ctl({"events", "--type", "no_such_type"}).code == 2);
  }

  SECTION("usage errors: 2") {
    CHECK(ctl({"campaign", "show"}).code == 2);
    CHECK(ctl({"campaign", "frobnicate", "x"}).code == 2);
    CHECK(ctl({"--connect", "nowhere", "campaign", "list"}).code == 2);
    CHECK(ctl({"campaign", "trigger", "c-1", "--var", "novalue"}).code == 2);
  }
}

TEST_CASE("every command and subcommand answers --help", "[e2e][cli]") {
  work_dir wd;
  std::vector<std::vector<std::string>> batonctl = {
      {}, {"init"}, {"events"}, {"run"}, {"campaign"}};
  for (auto verb : {"validate", "create", "list", "show", "graph", "test", "publish", "start",
                    "pause", "resume", "stop", "close", "back-to-draft", "archive", "delete",
                    "duplicate", "confirm", "trigger", "wait"})
    batonctl.push_back({"campaign", verb});
  for (auto args : batonctl) {
    std::string what = "batonctl";
    for (auto& a : args) what += " " + a;
    args.push_back("--help");
    auto r = run_tool(wd, "batonctl", args);
    INFO(what << " --help: " << r.err);
    CHECK(r.code == 0);
    CHECK(r.out.find("Usage:") != std::string::npos);
  }
  for (auto [tool, args] : {std::pair<std::string, std::vector<std::string>>{"batond", {"--help"}},
                            {"baton-replay", {"--help"}},
                            {"baton-replay", {"verify", "--help"}},
                            {"baton-example-client", {"--help"}}}) {
    auto r = run_tool(wd, tool, args);
    INFO(tool << " --help: " << r.err);
    CHECK(r.code == 0);
    CHECK_FALSE(r.out.empty());
  }
}
