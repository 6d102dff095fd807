// Templates and versions end to end (INTERFACES.md §10), through embedded batonctl and through
// batond (batonctl --connect with a token), with the sample campaigns config/campaigns/
// weekly-digest.json and weekly-digest-v2.json: save, list, show and create from templates;
// edit a live signal campaign, whose next run is version 2 while run 1 stays on version 1;
// versions, diff, replay state; the bad input of the issue with its exit code and error line.
#include <fstream>

#include "process_util.hpp"

using namespace baton::testing;
using nlohmann::json;

namespace {

std::string sample(const std::string& name) {
  return std::string(BATON_SOURCE_DIR) + "/config/campaigns/" + name + ".json";
}

// One data dir reached either way: `via` is {"--data-dir", DIR} or {"--connect", ADDR}.
struct target {
  const work_dir& wd;
  std::vector<std::string> via;
  run_result ctl(std::vector<std::string> args, const std::vector<std::string>& extra = {}) const {
    args.insert(args.begin(), via.begin(), via.end());
    args.insert(args.begin(), extra.begin(), extra.end());
    auto r = run_tool(wd, "batonctl", args);
    return r;
  }
  json ok_json(std::vector<std::string> args) const {
    args.insert(args.begin(), "--json");
    auto r = ctl(args);
    INFO("batonctl " << args[1] << " " << args[2] << ": " << r.out << r.err);
    REQUIRE(r.code == 0);
    return json::parse(r.out);
  }
};

void check_error(const run_result& r, int code, const std::string& line) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == code);
  CHECK(r.err == line + "\n");
}

void templates_scenario(const target& t) {
  auto id = t.ok_json({"campaign", "create", sample("weekly-digest")})["id"].get<std::string>();
  auto saved = t.ok_json({"template", "save", id, "weekly"});
  CHECK(saved["name"] == "weekly");
  CHECK(saved["version"] == 1);
  CHECK(t.ok_json({"template", "save", id, "weekly"})["version"] == 2);
  auto list = t.ok_json({"template", "list"});
  REQUIRE(list.size() == 1);
  CHECK(list[0]["name"] == "weekly");
  CHECK(list[0]["version"] == 2);
  auto shown = t.ok_json({"template", "show", "weekly"});
  CHECK(shown["name"] == "weekly");
  CHECK(shown["version"] == 2);
  CHECK(shown["definition"]["variables"]["edition"] == "weekly");  // variables are kept
  CHECK(shown["definition"]["errorPolicy"]["mode"] == "suspend");  // and the guardrails
  CHECK(t.ok_json({"template", "show", "weekly", "--version", "1"})["version"] == 1);
  auto human = t.ctl({"template", "list"});
  CHECK(human.out.find("weekly") != std::string::npos);

  auto copy = t.ok_json({"campaign", "create", "--from-template", "weekly", "--name", "Copy"});
  auto copy_id = copy["id"].get<std::string>();
  CHECK(copy_id != id);
  auto view = t.ok_json({"campaign", "show", copy_id});
  CHECK(view["name"] == "Copy");
  CHECK(view["status"] == "draft");
  CHECK(view["version"] == 1);
  CHECK(view["schedule"]["signal"] == true);
  CHECK(t.ok_json({"template", "save", copy_id, "copy"})["version"] == 1);
  CHECK(t.ok_json({"template", "show", "copy"})["definition"]["variables"]["edition"] == "weekly");

  check_error(t.ctl({"template", "show", "nope"}), 4, "error: nope: no such template");
  check_error(t.ctl({"template", "show", "weekly", "--version", "9"}), 4,
              "error: --version: template weekly has no version 9 (versions 1 to 2)");
  check_error(t.ctl({"campaign", "create", "--from-template", "nope"}), 4,
              "error: nope: no such template");
  check_error(t.ctl({"template", "save", "c-00000000", "x"}), 4,
              "error: c-00000000: no such campaign");
  CHECK(t.ctl({"template", "save", id, "a/b"}).code == 2);
  CHECK(t.ctl({"campaign", "create", "--name", "x", sample("weekly-digest")}).code == 2);
}

// Runs the campaign's current run to its end: embedded, `campaign wait` runs the engine.
void wait_run(const target& t, const std::string& id) {
  auto r = t.ctl({"campaign", "wait", id, "--timeout", "60"});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
}

void versions_scenario(const target& t) {
  auto id = t.ok_json({"campaign", "create", sample("weekly-digest")})["id"].get<std::string>();
  REQUIRE(t.ctl({"campaign", "publish", id}).code == 0);
  REQUIRE(t.ctl({"campaign", "trigger", id}).code == 0);
  auto edit = t.ok_json({"campaign", "edit", id, sample("weekly-digest-v2")});
  CHECK(edit["version"] == 2);
  CHECK(edit["proposed"].is_null());
  wait_run(t, id);
  auto view = t.ok_json({"campaign", "show", id});
  REQUIRE(view["runs"].size() == 1);
  CHECK(view["runs"][0]["version"] == 1);  // the run in progress finished on its own version
  CHECK(view["runs"][0]["tasks"].size() == 3);
  CHECK(view["version"] == 2);
  CHECK(view["streamVersion"].get<int>() > 5);

  REQUIRE(t.ctl({"campaign", "trigger", id}).code == 0);
  wait_run(t, id);
  view = t.ok_json({"campaign", "show", id});
  REQUIRE(view["runs"].size() == 2);
  CHECK(view["runs"][1]["version"] == 2);
  CHECK(view["runs"][1]["tasks"].size() == 4);
  CHECK(view["runs"][1]["variables"]["tone"] == "friendly");

  auto versions = t.ok_json({"campaign", "versions", id});
  REQUIRE(versions.size() == 2);
  CHECK(versions[0]["version"] == 1);
  CHECK(versions[1]["version"] == 2);
  CHECK(versions[1]["createdBy"].is_string());
  CHECK(versions[1]["createdAt"].is_string());
  auto diff = t.ok_json({"campaign", "diff", id, "--from", "1", "--to", "2"});
  std::vector<std::string> pointers;
  for (auto& c : diff)
    pointers.push_back(c["change"].get<std::string>() + " " + c["pointer"].get<std::string>());
  CHECK(std::find(pointers.begin(), pointers.end(), "changed /activities/2/message") !=
        pointers.end());
  CHECK(std::find(pointers.begin(), pointers.end(), "added /activities/3") != pointers.end());
  CHECK(std::find(pointers.begin(), pointers.end(), "added /transitions/2") != pointers.end());
  CHECK(std::find(pointers.begin(), pointers.end(), "added /variables/tone") != pointers.end());
  CHECK(t.ctl({"campaign", "diff", id, "--from", "1", "--to", "2"}).out.find("changed") !=
        std::string::npos);

  check_error(t.ctl({"campaign", "diff", id, "--from", "1", "--to", "5"}), 4,
              "error: --to: campaign " + id + " has no version 5 (versions 1 to 2)");
  // A new version is validated like any definition: every problem with its pointer, exit 2.
  auto bad = json::parse(slurp(sample("weekly-digest-v2")));
  bad["activities"][0]["duration"] = "soon";
  auto bad_file = t.wd.write("bad-" + id + ".json", bad.dump());
  auto r = t.ctl({"campaign", "edit", id, bad_file});
  CHECK(r.code == 2);
  CHECK(r.err.rfind("error: /activities/0/duration: ", 0) == 0);
  auto cron = bad;
  cron["activities"][0]["duration"] = "PT1S";
  cron["schedule"] = {{"cron", "0 9 * * *"}};
  r = t.ctl({"campaign", "edit", id, t.wd.write("cron-" + id + ".json", cron.dump())});
  CHECK(r.code == 2);
  CHECK(r.err.rfind("error: /schedule: a published campaign keeps its kind of schedule", 0) == 0);

  REQUIRE(t.ctl({"campaign", "stop", id}).code == 0);
  check_error(t.ctl({"campaign", "edit", id, sample("weekly-digest-v2")}), 3,
              "error: a stopped campaign cannot be edited; duplicate it to change it");
  CHECK(t.ctl({"campaign", "versions", "c-00000000"}).code == 4);
}

// Viewer and manager roles: reads for viewers, saves for managers (INTERFACES.md §8 words).
void roles_scenario(const target& viewer, const target& manager, const std::string& id) {
  check_error(viewer.ctl({"template", "save", id, "v"}), 3,
              "error: permission: vic (viewer) may not template save");
  CHECK(viewer.ctl({"template", "list"}).code == 0);
  CHECK(viewer.ctl({"campaign", "versions", id}).code == 0);
  check_error(viewer.ctl({"campaign", "edit", id, sample("weekly-digest-v2")}), 3,
              "error: permission: vic (viewer) may not campaign edit");
  CHECK(manager.ok_json({"template", "save", id, "by-mia"})["version"] == 1);
}

std::string token_of(const work_dir& wd, const std::string& data, const std::string& user,
                     const std::string& role) {
  auto r = run_tool(wd, "batonctl", {"--data-dir", data, "user", "add", user, "--role", role});
  REQUIRE(r.code == 0);
  return wd.write(user + ".token", r.out.substr(0, 64));
}

}  // namespace

TEST_CASE("templates and versions through embedded batonctl", "[authoring][e2e][slow]") {
  work_dir wd;
  auto data = wd.str("data");
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
  auto cfg = json::parse(slurp(data + "/config.json"));
  cfg["security"]["roles"]["vic"] = "viewer";
  cfg["security"]["roles"]["mia"] = "manager";
  std::ofstream(data + "/config.json") << cfg.dump(2);
  target t{wd, {"--data-dir", data}};
  templates_scenario(t);
  versions_scenario(t);
  auto id = t.ok_json({"campaign", "create", sample("weekly-digest")})["id"].get<std::string>();
  roles_scenario(target{wd, {"--data-dir", data, "--user", "vic"}},
                 target{wd, {"--data-dir", data, "--user", "mia"}}, id);

  // baton-replay shows the version in force at any point of the history.
  auto list = t.ok_json({"campaign", "list", "--status", "stopped"});
  REQUIRE(list.size() == 1);
  auto vid = list[0]["id"].get<std::string>();
  auto at = [&](int seq) {
    auto r = run_tool(wd, "baton-replay",
                      {"--data-dir", data, "--json", "state", vid, "--seq", std::to_string(seq)});
    INFO(r.err);
    REQUIRE(r.code == 0);
    return json::parse(r.out);
  };
  auto r = run_tool(wd, "batonctl",
                    {"--data-dir", data, "--json", "events", "--campaign", vid, "--type",
                     "definition_versioned"});
  REQUIRE(r.code == 0);
  auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 1);
  auto seq = json::parse(lines[0])["seq"].get<int>();
  CHECK(at(seq - 1)["version"] == 1);
  CHECK_FALSE(at(seq - 1).contains("nextVersion"));
  CHECK(at(seq)["version"] == 1);  // run 1 was in progress: version 2 waits for its end
  CHECK(at(seq)["nextVersion"] == 2);
  r = run_tool(
      wd, "batonctl",
      {"--data-dir", data, "--json", "events", "--campaign", vid, "--type", "run_started"});
  REQUIRE(r.code == 0);
  lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  CHECK(at(json::parse(lines[1])["seq"].get<int>())["version"] == 2);
}

TEST_CASE("templates and versions through batond", "[authoring][e2e][slow]") {
  work_dir wd;
  auto data = wd.str("data");
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
  auto vic = token_of(wd, data, "vic", "viewer");
  auto mia = token_of(wd, data, "mia", "manager");
  daemon_process d(wd, data);
  target t{wd, {"--connect", d.address()}};
  templates_scenario(t);
  versions_scenario(t);
  auto id = t.ok_json({"campaign", "create", sample("weekly-digest")})["id"].get<std::string>();
  roles_scenario(target{wd, {"--connect", d.address(), "--token-file", vic}},
                 target{wd, {"--connect", d.address(), "--token-file", mia}}, id);
  CHECK(d.stop() == 0);
}

TEST_CASE("with requireApproval an edit of a live campaign is approved by another approver",
          "[authoring][approval][e2e][slow]") {
  work_dir wd;
  auto data = wd.str("data");
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
  auto cfg = json::parse(slurp(data + "/config.json"));
  cfg["security"]["requireApproval"] = true;
  cfg["security"]["roles"]["mia"] = "manager";
  cfg["security"]["roles"]["abe"] = "approver";
  std::ofstream(data + "/config.json") << cfg.dump(2);
  target mia{wd, {"--data-dir", data, "--user", "mia"}};
  target abe{wd, {"--data-dir", data, "--user", "abe"}};
  auto id = mia.ok_json({"campaign", "create", sample("weekly-digest")})["id"].get<std::string>();
  REQUIRE(mia.ctl({"campaign", "submit", id}).code == 0);
  REQUIRE(abe.ctl({"campaign", "approve", id}).code == 0);
  REQUIRE(abe.ctl({"campaign", "publish", id}).code == 0);

  auto edit = mia.ok_json({"campaign", "edit", id, sample("weekly-digest-v2")});
  CHECK(edit["proposed"] == 2);
  auto view = mia.ok_json({"campaign", "show", id});
  CHECK(view["status"] == "live");  // still published, on version 1
  CHECK(view["version"] == 1);
  CHECK(view["proposedVersion"] == 2);
  CHECK(view["approval"]["state"] == "submitted");
  check_error(mia.ctl({"campaign", "approve", id}), 3,
              "error: permission: mia (manager) may not campaign approve");
  check_error(mia.ctl({"campaign", "edit", id, sample("weekly-digest-v2")}), 3,
              "error: version 2 is waiting for approval: `campaign approve` or `campaign reject` "
              "it first");
  REQUIRE(abe.ctl({"campaign", "approve", id}).code == 0);
  view = mia.ok_json({"campaign", "show", id});
  CHECK(view["version"] == 2);
  CHECK(view["approval"]["state"] == "approved");
  CHECK(view["approval"]["by"] == "abe");
  auto versions = mia.ok_json({"campaign", "versions", id});
  REQUIRE(versions.size() == 2);
  CHECK(versions[1]["createdBy"] == "abe");
}
