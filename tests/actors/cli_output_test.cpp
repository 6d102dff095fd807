// What batonctl and baton-replay print, end to end through the real binaries: bad numeric
// arguments are exit 2 with `error: --flag: ...` and leave the campaign working; every command
// that accepts --json prints JSON (one document, or JSON lines for streams); `audiences list |
// show`; `campaign schedule` previews run times across DST changes (Europe/Paris).
#include "delivery_fixture.hpp"

using namespace baton;
using namespace baton::testing;

namespace {

struct cli_dir {
  work_dir wd;
  std::string data = wd.str("data");

  cli_dir() { REQUIRE(ctl({"init"}).code == 0); }
  run_result ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--data-dir", data});
    return run_tool(wd, "batonctl", args);
  }
  run_result replay(std::vector<std::string> args) {
    args.insert(args.begin(), {"--data-dir", data});
    return run_tool(wd, "baton-replay", args);
  }
  // Each stdout line is a JSON document (at least one line).
  std::vector<json> json_lines(const run_result& r) {
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.code == 0);
    std::vector<json> out;
    for (auto& l : lines_of(r.out)) {
      INFO("line: " << l);
      auto j = json::parse(l, nullptr, false);
      CHECK_FALSE(j.is_discarded());
      out.push_back(j);
    }
    CHECK_FALSE(out.empty());
    return out;
  }
  json json_of(const run_result& r) {
    auto lines = json_lines(r);
    REQUIRE(lines.size() == 1);
    return lines[0];
  }
  std::string run_flow() {
    auto r = ctl(
        {"--json", "run", std::string(BATON_SOURCE_DIR) + "/config/campaigns/flow-control.json"});
    return json_of(r)["id"].get<std::string>();
  }
};

void check_usage_error(const run_result& r, const std::string& line) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == 2);
  CHECK(r.err == "error: " + line + "\n");
}

// A campaign file: alert-only, scheduled by `schedule`.
std::string scheduled_json(const json& schedule) {
  json doc = {{"name", "scheduled"},
              {"dimension", "profiles"},
              {"activities", {{{"id", "hi"}, {"type", "alert"}, {"title", "t"}, {"message", "m"}}}},
              {"transitions", json::array()}};
  if (!schedule.is_null()) doc["schedule"] = schedule;
  return doc.dump();
}

}  // namespace

TEST_CASE("bad numeric arguments are usage errors naming the flag and the campaign keeps working",
          "[cli][arguments][e2e]") {
  cli_dir d;
  auto id = d.run_flow();
  const std::string run_range = "expected a whole number from 1 to 4294967295, got '";
  for (auto bad : {"abc", "-1", "0", "1x", "99999999999999999999"})
    check_usage_error(d.ctl({"campaign", "graph", id, "--run", bad}),
                      "--run: " + run_range + bad + "'");
  CHECK(d.ctl({"campaign", "graph", id, "--run", "7"}).code == 4);
  CHECK(d.ctl({"campaign", "graph", id, "--run", "1"}).code == 0);
  check_usage_error(d.ctl({"events", "--run", "-1"}), "--run: " + run_range + "-1'");
  check_usage_error(d.ctl({"events", "--limit", "-1"}), "--limit: " + run_range + "-1'");
  check_usage_error(d.ctl({"events", "--limit", "abc"}), "--limit: " + run_range + "abc'");
  check_usage_error(d.ctl({"campaign", "wait", id, "--timeout", "abc"}),
                    "--timeout: expected a number from 0 to 1000000000, got 'abc'");
  check_usage_error(d.ctl({"campaign", "wait", id, "--timeout", "-5"}),
                    "--timeout: expected a number from 0 to 1000000000, got '-5'");
  check_usage_error(d.ctl({"run", "x.json", "--timeout", "soon"}),
                    "--timeout: expected a number from 0 to 1000000000, got 'soon'");
  auto r = d.ctl({"campaign", "list", "--status", "bogus"});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::StartsWith("error: --status: "));
  check_usage_error(d.replay({"state", id, "--seq", "12x"}),
                    "--seq: expected a whole number from 1 to 18446744073709551615, got '12x'");
  // The campaign still answers.
  auto shown = d.json_of(d.ctl({"--json", "campaign", "show", id}));
  CHECK(shown["status"] == "completed");
}

TEST_CASE("every command that accepts --json prints JSON", "[cli][json][e2e]") {
  cli_dir d;
  auto id = d.run_flow();
  auto file = std::string(BATON_SOURCE_DIR) + "/config/campaigns/flow-control.json";
  const std::vector<std::vector<std::string>> ctl_commands = {
      {"init"},
      {"campaign", "validate", file},
      {"campaign", "list"},
      {"campaign", "show", id},
      {"campaign", "graph", id},
      {"campaign", "schedule", id},
      {"campaign", "schedule", "--file", file},
      {"campaign", "duplicate", id},
      {"campaign", "wait", id},
      {"report", id},
      {"events", "--campaign", id},
      {"audiences", "list"},
  };
  for (auto& cmd : ctl_commands) {
    INFO("batonctl --json " << cmd[0] << " " << (cmd.size() > 1 ? cmd[1] : ""));
    auto args = cmd;
    args.insert(args.begin(), "--json");
    d.json_lines(d.ctl(args));
  }
  auto anchor = d.json_of(d.replay({"--json", "anchor"}));
  auto exported = d.wd.str("export.jsonl");
  const std::vector<std::vector<std::string>> replay_commands = {
      {"verify"},
      {"state", id},
      {"diff", id, "--from", "@1", "--to", "@" + anchor["seq"].dump()},
      {"timeline", id},
      {"export", "--campaign", id},
  };
  for (auto& cmd : replay_commands) {
    INFO("baton-replay --json " << cmd[0]);
    auto args = cmd;
    args.insert(args.begin(), "--json");
    d.json_lines(d.replay(args));
  }
  // timeline --json: one line per event of the campaign, each with its human line.
  auto timeline = d.json_lines(d.replay({"--json", "timeline", id}));
  auto events = d.json_lines(d.ctl({"--json", "events", "--campaign", id}));
  REQUIRE(timeline.size() == events.size());
  for (std::size_t i = 0; i < timeline.size(); ++i) {
    CHECK(timeline[i]["seq"] == events[i]["seq"]);
    CHECK(timeline[i]["type"] == events[i]["type"]);
    CHECK(timeline[i]["text"].get<std::string>().find(events[i]["type"].get<std::string>()) !=
          std::string::npos);
  }
  // import --json into an empty data dir
  REQUIRE(d.replay({"export", "-o", exported}).code == 0);
  auto other = d.wd.str("other");
  auto imported = d.json_of(
      run_tool(d.wd, "baton-replay", {"--data-dir", other, "--json", "import", exported}));
  CHECK(imported["imported"] == anchor["seq"]);
  CHECK(imported["ok"] == true);
}

TEST_CASE("audiences list and show: what save_audience kept, with a sample of keys",
          "[cli][audiences][e2e]") {
  cli_dir d;
  REQUIRE(d.ctl({"schema", "apply", schema_file()}).code == 0);
  REQUIRE(d.ctl({"data", "load", "profiles", d.wd.write("p.csv", profiles_csv(5))}).code == 0);
  auto r = d.ctl({"audiences", "list"});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("no saved audience"));
  CHECK(d.json_of(d.ctl({"--json", "audiences", "list"})) == json::array());

  json def = {{"name", "savers"},
              {"dimension", "profiles"},
              {"activities",
               {{{"id", "all"}, {"type", "build_audience"}},
                {{"id", "keep"}, {"type", "save_audience"}, {"audience", "Everyone"}}}},
              {"transitions", {{{"from", "all"}, {"to", "keep"}}}}};
  auto shown = d.json_of(d.ctl({"--json", "run", d.wd.write("save.json", def.dump())}));
  auto id = shown["id"].get<std::string>();

  auto list = d.json_of(d.ctl({"--json", "audiences", "list"}));
  REQUIRE(list.size() == 1);
  CHECK(list[0]["name"] == "Everyone");
  CHECK(list[0]["dimension"] == "profiles");
  CHECK(list[0]["count"] == 5);
  CHECK(list[0]["campaign"] == id);
  CHECK(list[0]["run"] == 1);
  CHECK(list[0]["savedAt"].is_string());
  r = d.ctl({"audiences", "list"});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("Everyone") && Catch::Contains(id + " run 1"));

  auto one = d.json_of(d.ctl({"--json", "audiences", "show", "Everyone", "--limit", "2"}));
  CHECK(one["name"] == "Everyone");
  CHECK(one["count"] == 5);
  CHECK(one["keys"] == json{1, 2});
  CHECK(d.json_of(d.ctl({"--json", "audiences", "show", "Everyone"}))["keys"] ==
        json{1, 2, 3, 4, 5});
  r = d.ctl({"audiences", "show", "Everyone", "--limit", "3"});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("keys (3 of 5): 1 2 3"));

  r = d.ctl({"audiences", "show", "Nobody"});
  CHECK(r.code == 4);
  CHECK(r.err == "error: Nobody: no saved audience `Nobody`\n");
  check_usage_error(d.ctl({"audiences", "show", "Everyone", "--limit", "x"}),
                    "--limit: expected a whole number from 0 to 100000, got 'x'");
}

TEST_CASE("campaign schedule previews the next run times across DST changes",
          "[cli][schedule][dst][e2e]") {
  cli_dir d;
  // A validity window in 2030 makes the preview independent of today.
  auto march = d.wd.write("march.json", scheduled_json({{"cron", "0 9 * * *"},
                                                        {"timezone", "Europe/Paris"},
                                                        {"from", "2030-03-29T00:00:00Z"}}));
  auto j = d.json_of(d.ctl({"--json", "campaign", "schedule", "--file", march}));
  CHECK(j["id"].is_null());
  CHECK(j["file"] == march);
  CHECK(j["schedule"]["cron"] == "0 9 * * *");
  CHECK(j["timezone"] == "Europe/Paris");
  CHECK(j["next"] == json{"2030-03-29T08:00:00Z", "2030-03-30T08:00:00Z", "2030-03-31T07:00:00Z",
                          "2030-04-01T07:00:00Z", "2030-04-02T07:00:00Z"});
  CHECK(j["nextLocal"] == json{"2030-03-29T09:00:00+01:00", "2030-03-30T09:00:00+01:00",
                               "2030-03-31T09:00:00+02:00", "2030-04-01T09:00:00+02:00",
                               "2030-04-02T09:00:00+02:00"});
  CHECK(j["note"].is_null());

  auto october = d.wd.write("october.json", scheduled_json({{"cron", "0 9 * * *"},
                                                            {"timezone", "Europe/Paris"},
                                                            {"from", "2030-10-26T00:00:00Z"}}));
  auto id = d.json_of(d.ctl({"--json", "campaign", "create", october}))["id"].get<std::string>();
  j = d.json_of(d.ctl({"--json", "campaign", "schedule", id, "--next", "3"}));
  CHECK(j["id"] == id);
  CHECK(j["next"] == json{"2030-10-26T07:00:00Z", "2030-10-27T08:00:00Z", "2030-10-28T08:00:00Z"});
  CHECK(j["nextLocal"] == json{"2030-10-26T09:00:00+02:00", "2030-10-27T09:00:00+01:00",
                               "2030-10-28T09:00:00+01:00"});
  auto r = d.ctl({"campaign", "schedule", id, "--next", "2"});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("2030-10-26T07:00:00Z  2030-10-26T09:00:00+02:00") &&
                        Catch::Contains("2030-10-27T08:00:00Z  2030-10-27T09:00:00+01:00"));

  // Not recurring: the single time, or none with a note.
  auto once = d.wd.write("once.json", scheduled_json({{"at", "2030-01-01T10:00:00Z"}}));
  j = d.json_of(d.ctl({"--json", "campaign", "schedule", "--file", once}));
  CHECK(j["next"] == json{"2030-01-01T10:00:00Z"});
  auto asap = d.wd.write("asap.json", scheduled_json(nullptr));
  j = d.json_of(d.ctl({"--json", "campaign", "schedule", "--file", asap}));
  CHECK(j["next"] == json::array());
  CHECK_THAT(j["note"].get<std::string>(), Catch::Contains("as soon as it is published"));
  r = d.ctl({"campaign", "schedule", "--file", asap});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("(no planned time: it runs as soon as it is published"));
  // A stopped campaign runs no more.
  REQUIRE(d.ctl({"campaign", "publish", id}).code == 0);
  REQUIRE(d.ctl({"campaign", "stop", id}).code == 0);
  j = d.json_of(d.ctl({"--json", "campaign", "schedule", id}));
  CHECK(j["next"] == json::array());
  CHECK(j["note"] == "the campaign is stopped: no further runs");

  check_usage_error(d.ctl({"campaign", "schedule", id, "--next", "abc"}),
                    "--next: expected a whole number from 1 to 1000, got 'abc'");
  check_usage_error(d.ctl({"campaign", "schedule"}),
                    "campaign schedule: give a campaign ID or --file F.json");
  CHECK(d.ctl({"campaign", "schedule", "c-00000000"}).code == 4);
}
