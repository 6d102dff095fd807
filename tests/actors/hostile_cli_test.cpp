// Issue 18, parts B and C, through the real binaries: hostile input (numbers beyond a double,
// nesting 100 000 levels deep, names the backends reserve, 3 000 columns) and wrong use
// (--connect with commands that work on a data dir, a missing data dir, a broken or missing
// config, typos in commands, machine output that was not machine output, timeouts) each get a
// clear answer: an exit code and one error line naming where — never a crash.
#include <regex>

#include "delivery_fixture.hpp"

using namespace baton;
using namespace baton::testing;

namespace {

std::string flow_json() {
  return std::string(BATON_SOURCE_DIR) + "/config/campaigns/flow-control.json";
}

std::string nested_nots(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += "{\"not\":";
  s += R"({"field":"email","op":"eq","value":"x"})";
  return s + std::string(n, '}');
}

// The campaign {build_audience -> `second`}, as text with `second` spliced in.
std::string two_steps(const std::string& first_extra, const std::string& second) {
  return R"({"name":"hostile","dimension":"profiles","activities":[{"id":"a","type":"build_audience")" +
         first_extra + "}," + second + R"(],"transitions":[{"from":"a","to":"b"}]})";
}

bool has_line(const std::string& text, const std::string& start) {
  for (auto& l : lines_of(text))
    if (l.rfind(start, 0) == 0) return true;
  return false;
}

struct data_dir {
  work_dir wd;
  std::string data = wd.str("data");
  data_dir() {
    REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
    REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "schema", "apply", schema_file()}).code ==
            0);
  }
  run_result ctl(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--data-dir", data});
    return run_tool(wd, "batonctl", args);
  }
};

}  // namespace

TEST_CASE("1e400 and 100 000 nested filters: exit 2 at their pointer, the engine lives on",
          "[e2e][hostile]") {
  data_dir d;
  auto keep =
      d.wd.write("keep.json", two_steps("", R"({"id":"b","type":"deduplication","keys":["email"],)"
                                            R"("keep":1e400})"));
  auto rate =
      d.wd.write("rate.json", two_steps("", R"({"id":"b","type":"email","subject":"s",)"
                                            R"("body":"b","throttle":{"perSecond":1e400}})"));
  auto deep = d.wd.write(
      "deep.json", two_steps(",\"filter\":" + nested_nots(100000), R"({"id":"b","type":"end"})"));
  std::string deep_pointer = "/activities/0/filter";
  for (int i = 0; i < 61; ++i) deep_pointer += "/not";
  for (auto [file, pointer] : {std::pair{keep, std::string("/activities/1/keep")},
                               {rate, std::string("/activities/1/throttle/perSecond")},
                               {deep, deep_pointer}}) {
    for (auto verb : {"validate", "create"}) {
      auto r = d.ctl({"campaign", verb, file});
      INFO(verb << " " << file << ": " << r.err);
      CHECK(r.code == 2);  // was 134 (SIGABRT) and 139 (SIGSEGV)
      CHECK(has_line(r.err, "error: " + pointer + ": "));
    }
  }
  auto r = d.ctl({"--json", "campaign", "list"});
  CHECK(r.code == 0);
  CHECK(r.out == "[]\n");

  // Through batond: the daemon answers the create with the problem and keeps serving.
  {
    daemon_process daemon(d.wd, d.data);
    for (auto& file : {keep, deep}) {
      r = run_tool(d.wd, "batonctl", {"--connect", daemon.address(), "campaign", "create", file});
      CHECK(r.code == 2);
    }
    r = run_tool(d.wd, "batonctl", {"--connect", daemon.address(), "run", flow_json()});
    CHECK(r.code == 0);
    CHECK(daemon.stop() == 0);
  }

  // The same number in a schema and in the config file.
  auto schema = d.wd.write("schema.json", R"({"entities": [{"name": "p", "key": "id",
      "columns": [{"name": "id", "type": "integer"}], "links": [], "x": 1e400}]})");
  r = d.ctl({"schema", "apply", schema});
  CHECK(r.code == 2);
  CHECK(has_line(r.err, "error: /entities/0/x: "));
  auto config = d.wd.write("config.json", R"({"engine": {"workers": 1e400}})");
  r = d.ctl({"--config", config, "campaign", "list"});
  CHECK(r.code == 2);
  CHECK(r.err.rfind("error: " + config + "/engine/workers: the number 1e400 is out of range", 0) ==
        0);
  r = run_tool(d.wd, "batond", {"--data-dir", d.data, "--config", config});
  CHECK(r.code == 2);
  CHECK(r.err.find(config + "/engine/workers") != std::string::npos);
}

TEST_CASE("names the backends reserve and 3 000 columns are refused by schema apply",
          "[e2e][hostile]") {
  data_dir d;
  for (std::string name : {"sqlite_master", "sqlite_sequence", "pg_class"}) {
    auto schema = d.wd.write("reserved.json", R"({"entities": [{"name": ")" + name +
                                                  R"(", "key": "id", "columns": [{"name": "id",
                                                   "type": "integer"}]}]})");
    auto r = d.ctl({"schema", "apply", schema});
    INFO(name << ": " << r.err);
    CHECK(r.code == 2);  // was 1: refused inside SQLite
    CHECK(has_line(r.err, "error: /entities/0/name: "));
  }
  json cols = json::array({{{"name", "id"}, {"type", "integer"}}});
  for (int i = 1; i < 3000; ++i)
    cols.push_back({{"name", "c" + std::to_string(i)}, {"type", "string"}});
  auto wide =
      d.wd.write("wide.json",
                 json{{"entities", {{{"name", "wide"}, {"key", "id"}, {"columns", cols}}}}}.dump());
  auto r = d.ctl({"schema", "apply", wide});
  CHECK(r.code == 2);
  CHECK(has_line(r.err, "error: /entities/0/columns: 3000 columns"));
}

TEST_CASE("with --connect a command that works on a data dir is refused, nothing is created",
          "[e2e][hostile]") {
  work_dir wd;
  auto data = wd.str("not-there");
  auto csv = wd.write("p.csv", "id\n1\n");
  std::vector<std::vector<std::string>> commands = {{"init"},
                                                    {"schema", "apply", schema_file()},
                                                    {"data", "load", "profiles", csv},
                                                    {"data", "count", "profiles"},
                                                    {"events"}};
  // `backup` goes through batond (its own verb, tested in backup_test): it is not refused.
  for (auto args : commands) {
    std::string what = args[0] + (args.size() > 1 ? " " + args[1] : "");
    args.insert(args.begin(), {"--connect", "127.0.0.1:1", "--data-dir", data});
    auto r = run_tool(wd, "batonctl", args);
    INFO(what << ": " << r.err);
    CHECK(r.code == 2);
    CHECK(r.err.rfind("error: --connect: `" + what + "` ", 0) == 0);
    CHECK_FALSE(std::filesystem::exists(data));
  }
  auto r = run_tool(wd, "batonctl",
                    {"--connect", "127.0.0.1:1", "--config", wd.str("c.json"), "campaign", "list"});
  CHECK(r.code == 2);
  CHECK(r.err.rfind("error: --config: ", 0) == 0);
}

TEST_CASE("no command but init creates a data dir and batond refuses a missing one",
          "[e2e][hostile]") {
  work_dir wd;
  auto data = wd.str("missing");
  auto csv = wd.write("p.csv", "id\n1\n");
  std::vector<std::vector<std::string>> commands = {{"schema", "apply", schema_file()},
                                                    {"data", "load", "profiles", csv},
                                                    {"data", "count", "profiles"},
                                                    {"backup", wd.str("backup")},
                                                    {"events"},
                                                    {"campaign", "list"},
                                                    {"run", flow_json()}};
  for (auto args : commands) {
    args.insert(args.begin(), {"--data-dir", data});
    auto r = run_tool(wd, "batonctl", args);
    INFO(args[2] << ": " << r.err);
    CHECK(r.code == 4);  // schema apply used to create the dir and succeed
    CHECK(r.err.find("batonctl init") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(data));
  }
  auto r = run_tool(wd, "batond", {"--data-dir", data, "--listen", "127.0.0.1:0"});
  CHECK(r.code == 4);  // used to create an empty data dir and start
  CHECK(r.err.find("batonctl init") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(data));
  CHECK(run_tool(wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
  CHECK(std::filesystem::exists(data + "/events/CURRENT"));
}

TEST_CASE("config problems are all reported at start, by pointer, by every binary",
          "[e2e][hostile]") {
  data_dir d;
  auto missing = d.wd.str("missing.json");
  auto r = d.ctl({"--config", missing, "campaign", "list"});
  CHECK(r.code == 2);  // was ignored
  CHECK(r.err.rfind("error: " + missing + ": ", 0) == 0);
  r = run_tool(d.wd, "batond", {"--data-dir", d.data, "--config", missing});
  CHECK(r.code == 2);
  r = run_tool(d.wd, "baton-replay", {"--data-dir", d.data, "--config", missing, "verify"});
  CHECK(r.code == 2);

  auto config = json::parse(slurp(d.data + "/config.json"));
  config["engine"]["listn"] = "127.0.0.1:1";
  config["channels"]["email"] = {{"connector", "smtp"}, {"tls", "bogus"}};
  auto path = d.data + "/config.json";
  std::ofstream(path) << config.dump(2);
  std::vector<std::string> expected = {
      "error: " + path + "/engine/listn: unknown member `listn` (did you mean `listen`?)",
      "error: " + path + "/channels/email/url: required member `url` is missing",
      "error: " + path + "/channels/email/tls: `bogus` is not one of none, try, starttls"};
  std::sort(expected.begin(), expected.end());
  for (auto args : std::vector<std::vector<std::string>>{{"campaign", "list"},
                                                         {"campaign", "validate", flow_json()},
                                                         {"data", "count", "profiles"}}) {
    r = d.ctl(args);
    INFO(args[1] << ": " << r.err);
    CHECK(r.code == 2);
    auto lines = lines_of(r.err);
    std::sort(lines.begin(), lines.end());
    CHECK(lines == expected);
  }
  r = run_tool(d.wd, "batond", {"--data-dir", d.data, "--listen", "127.0.0.1:0"});
  CHECK(r.code == 2);
  auto lines = lines_of(r.err);
  std::sort(lines.begin(), lines.end());
  CHECK(lines == expected);

  std::ofstream(path) << "{\n  \"engine\": {\n    \"workers\": 2,\n  }\n}\n";
  r = d.ctl({"campaign", "list"});
  CHECK(r.code == 2);
  CHECK(r.err.rfind("error: " + path + ": malformed JSON at line 4, column ", 0) == 0);
}

TEST_CASE("validate knows the config: channels without a connector, paths out of the import dir",
          "[e2e][hostile]") {
  data_dir d;
  auto newsletter = d.wd.write("newsletter.json",
                               two_steps("", R"({"id":"b","type":"email","channel":"newsletter",)"
                                             R"("subject":"s","body":"b"})"));
  auto escape = d.wd.write("escape.json", R"({"name":"x","dimension":"profiles","activities":[
      {"id":"f","type":"load_file","path":"../../etc/passwd","columns":[{"name":"id","type":"integer"}]},
      {"id":"r","type":"reconciliation","rules":[["id","id"]]}],
      "transitions":[{"from":"f","to":"r"}]})");
  for (auto [file, pointer] : {std::pair{newsletter, std::string("/activities/1/channel")},
                               {escape, std::string("/activities/0/path")}}) {
    for (auto verb : {"validate", "create"}) {
      auto r = d.ctl({"campaign", verb, file});
      INFO(verb << " " << file << ": " << r.out << r.err);
      CHECK(r.code == 2);  // both used to pass and fail at run time
      CHECK(has_line(r.err, "error: " + pointer + ": "));
    }
  }
  daemon_process daemon(d.wd, d.data);
  for (auto verb : {"validate", "create"}) {
    auto r =
        run_tool(d.wd, "batonctl", {"--connect", daemon.address(), "campaign", verb, newsletter});
    INFO(verb << " through batond: " << r.err);
    CHECK(r.code == 2);
    CHECK(has_line(r.err, "error: /activities/1/channel: no connector"));
  }
  CHECK(daemon.stop() == 0);
}

TEST_CASE("mistyped commands are named with the closest one, help and --version",
          "[e2e][cli][hostile]") {
  work_dir wd;
  auto r = run_tool(wd, "batonctl", {"campain", "list"});
  CHECK(r.code == 2);
  CHECK(lines_of(r.err).at(0) == "error: unknown command 'campain' (did you mean 'campaign'?)");
  r = run_tool(wd, "batonctl", {"--data-dir", "x", "campaign", "shwo", "c-1"});
  CHECK(r.code == 2);
  CHECK(lines_of(r.err).at(0) ==
        "error: unknown command 'shwo' for 'batonctl campaign' (did you mean 'show'?)");
  r = run_tool(wd, "baton-replay", {"verfy"});
  CHECK(r.code == 2);
  CHECK(lines_of(r.err).at(0) == "error: unknown command 'verfy' (did you mean 'verify'?)");
  r = run_tool(wd, "batonctl", {"frobnicate"});
  CHECK(r.code == 2);
  CHECK(lines_of(r.err).at(0) == "error: unknown command 'frobnicate'");

  r = run_tool(wd, "batonctl", {"help"});
  CHECK(r.code == 0);
  for (auto cmd : {"campaign", "schema", "data", "events", "run", "init"})
    CHECK(r.out.find(cmd) != std::string::npos);
  auto bare = run_tool(wd, "batonctl", {});
  CHECK(bare.code == 1);  // as git: the command list, and a non-zero exit
  CHECK(bare.out == r.out);
  r = run_tool(wd, "batonctl", {"help", "campaign"});
  CHECK(r.code == 0);
  CHECK(r.out.find("validate") != std::string::npos);
  CHECK(r.out == run_tool(wd, "batonctl", {"campaign", "--help"}).out);
  r = run_tool(wd, "batonctl", {"campaign"});
  CHECK(r.code == 1);
  CHECK(r.out.find("validate") != std::string::npos);
  CHECK(run_tool(wd, "batonctl", {"help", "campain"}).code == 2);

  for (auto tool : {"batonctl", "batond", "baton-replay"}) {
    r = run_tool(wd, tool, {"--version"});
    CHECK(r.code == 0);
    CHECK(r.out == std::string(tool) + " 0.1.0\n");
  }
}

TEST_CASE("machine output: graph nodes and edges, numbers, problems of create, exit 7",
          "[e2e][hostile]") {
  data_dir d;
  auto r = d.ctl({"--json", "run", flow_json()});
  REQUIRE(r.code == 0);
  auto id = json::parse(r.out)["id"].get<std::string>();

  r = d.ctl({"--json", "campaign", "graph", id});
  REQUIRE(r.code == 0);
  auto g = json::parse(r.out);
  CHECK(g["id"] == id);
  CHECK(g["run"] == 1);
  REQUIRE(g["nodes"].size() == 6);
  for (auto& n : g["nodes"]) {
    CHECK(n["status"] == "done");
    CHECK(n["countIn"].is_number());
    CHECK(n["type"].is_string());
    for (auto& [name, count] : n["outputs"].items()) CHECK(count.is_number());
  }
  CHECK(g["nodes"][0]["id"] == "start");
  CHECK(g["nodes"][0]["outputs"] == json{{"a", 0}, {"b", 0}});
  REQUIRE(g["edges"].size() == 6);
  CHECK(g["edges"][0] == json{{"from", "start"}, {"output", "a"}, {"to", "pause"}, {"count", 0}});

  r = d.ctl({"--json", "events", "--type", "task_completed"});
  REQUIRE(r.code == 0);
  for (auto& l : lines_of(r.out)) {
    auto e = json::parse(l);
    CHECK(e["payload"]["countIn"].is_number());  // was "0"
    for (auto& o : e["payload"]["outputs"]) CHECK(o["count"].is_number());
  }

  auto bad = d.wd.write("bad.json", R"({"name": "", "dimension": "profiles",
      "activities": [{"id": "a", "type": "nope"}], "transitions": []})");
  auto v = d.ctl({"--json", "campaign", "validate", bad});
  auto c = d.ctl({"--json", "campaign", "create", bad});
  CHECK(c.code == 2);
  REQUIRE_FALSE(c.out.empty());  // was empty
  auto problems = json::parse(c.out);
  CHECK(problems["valid"] == false);
  CHECK(problems == json::parse(v.out));
  CHECK(c.err == v.err);

  auto backup = d.wd.str("backup");
  r = d.ctl({"--json", "backup", backup});
  REQUIRE(r.code == 0);
  auto b = json::parse(r.out);
  CHECK(b["backup"] == backup);
  CHECK(b["events"].is_number());

  // A run that waits 30 s: `wait --timeout` and `run --timeout` give up with 7, not 1.
  auto slow = d.wd.write("slow.json", R"({"name": "slow", "dimension": "profiles",
      "activities": [{"id": "w", "type": "wait", "duration": "PT30S"}], "transitions": []})");
  r = d.ctl({"run", slow, "--timeout", "0.5"});
  CHECK(r.code == 7);
  CHECK(has_line(r.err, "error: timeout: "));
  r = d.ctl({"--json", "campaign", "list"});
  REQUIRE(r.code == 0);
  std::string slow_id;
  for (auto& c2 : json::parse(r.out))
    if (c2["name"] == "slow") slow_id = c2["id"];
  REQUIRE_FALSE(slow_id.empty());
  r = d.ctl({"campaign", "wait", slow_id, "--timeout", "0.5"});
  CHECK(r.code == 7);
  CHECK(has_line(r.err, "error: timeout: "));
  CHECK(d.ctl({"campaign", "wait", slow_id, "--timeout", "1e400"}).code == 2);
}
