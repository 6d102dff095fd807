// Roles on the data plane's commands, end to end through batonctl (PRODUCT.md §6, INTERFACES.md
// §8): a viewer reads only — `schema apply`, `data load` (every mode) and `feedback load` are
// refused with exit 3 and `error: permission: <user> (<role>) may not <verb>`, and change
// nothing — while managers change data and schema; feedback needs an approver. And the counts
// `feedback load` prints add up: rows = accepted + rejected, accepted = new + repeats.
#include "audience/deliveries.hpp"
#include "delivery_fixture.hpp"

using namespace baton;
using namespace baton::testing;

namespace {

struct roles_dir {
  work_dir wd;
  std::string data = wd.str("data");

  roles_dir() {
    REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
    auto cfg = json::parse(slurp(data + "/config.json"));
    cfg["security"]["roles"] = {{"vic", "viewer"}, {"mia", "manager"}, {"abe", "approver"}};
    cfg["security"]["defaultRole"] = "viewer";
    std::ofstream(data + "/config.json") << cfg.dump(2);
  }
  run_result as(const std::string& user, std::vector<std::string> args) {
    args.insert(args.begin(), {"--data-dir", data, "--user", user});
    return run_tool(wd, "batonctl", args);
  }
  std::string count(const std::string& entity) {
    auto r = as("vic", {"data", "count", entity});  // reading is a viewer's right
    INFO(r.err);
    REQUIRE(r.code == 0);
    return r.out;
  }
};

void check_refused(const run_result& r, const std::string& line) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == 3);
  CHECK(r.err == "error: permission: " + line + "\n");
  CHECK(r.out.empty());
}

}  // namespace

TEST_CASE("a viewer may not apply a schema or load data, a manager may",
          "[permissions][e2e][cli]") {
  roles_dir d;
  check_refused(d.as("vic", {"schema", "apply", schema_file()}),
                "vic (viewer) may not schema apply");
  check_refused(d.as("nobody", {"schema", "apply", schema_file()}),
                "nobody (viewer) may not schema apply");  // security.defaultRole
  CHECK_FALSE(std::filesystem::exists(d.data + "/schema.json"));
  REQUIRE(d.as("mia", {"schema", "apply", schema_file()}).code == 0);

  auto profiles = d.wd.write("profiles.csv", profiles_csv(3));
  for (auto mode : {"upsert", "insert", "delete"})
    check_refused(d.as("vic", {"data", "load", "profiles", profiles, "--mode", mode}),
                  "vic (viewer) may not data load");
  check_refused(d.as("vic", {"data", "load", "profiles", profiles}),
                "vic (viewer) may not data load");
  CHECK(d.count("profiles") == "0\n");
  REQUIRE(d.as("mia", {"data", "load", "profiles", profiles}).code == 0);
  CHECK(d.count("profiles") == "3\n");
  check_refused(d.as("vic", {"data", "load", "profiles", profiles, "--mode", "delete"}),
                "vic (viewer) may not data load");
  CHECK(d.count("profiles") == "3\n");
  REQUIRE(d.as("mia", {"data", "load", "profiles", profiles, "--mode", "delete"}).code == 0);
  CHECK(d.count("profiles") == "0\n");
}

TEST_CASE("feedback load needs an approver and the counts it prints add up",
          "[permissions][feedback][e2e][cli]") {
  roles_dir d;
  REQUIRE(d.as("mia", {"schema", "apply", schema_file()}).code == 0);
  REQUIRE(d.as("mia", {"data", "load", "profiles", d.wd.write("p.csv", profiles_csv(3))}).code ==
          0);
  auto run = d.as("abe", {"--json", "run", d.wd.write("mail.json", mail_campaign(json::object()))});
  INFO(run.err);
  REQUIRE(run.code == 0);
  auto msgs = read_outbox(d.data + "/outbox/email.jsonl");
  REQUIRE(msgs.size() == 3);
  // A message of a campaign the event log does not know (a data plane restored beside an older
  // log): its row is rejected by that campaign, on its own line.
  {
    auto b = audience::open_backend("", d.data);
    REQUIRE(b.ok());
    REQUIRE(audience::record_deliveries(
                **b, {{"ghost-message", "c-00000000", 1, "mail", "email", "1", "profiles"}},
                "2026-11-22T09:00:00Z")
                .ok());
  }
  auto mid = [&](int i) { return msgs[i]["message_id"].get<std::string>(); };
  auto fb = d.wd.write("fb.csv", "message_id,event,time\n" + mid(0) +
                                     ",delivered,2026-11-22T10:00:00Z\n" + mid(1) +
                                     ",opened,2026-11-22T10:01:00Z\n"
                                     "ghost-message,opened,2026-11-22T10:02:00Z\n"
                                     "unknown,opened,2026-11-22T10:03:00Z\n");

  for (auto who : {"vic", "mia"}) {
    auto r = d.as(who, {"feedback", "load", fb});
    check_refused(r, std::string(who) + (who == std::string("vic") ? " (viewer)" : " (manager)") +
                         " may not feedback load");
  }
  auto report =
      json::parse(d.as("vic", {"--json", "report", msgs[0]["campaign"].get<std::string>()}).out);
  CHECK(report["activities"][0]["delivered"] == 0);  // nothing was recorded

  auto r = d.as("abe", {"--json", "feedback", "load", fb});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  auto j = json::parse(r.out);
  CHECK(j["rows"] == 4);
  CHECK(j["accepted"] == 2);
  CHECK(j["recorded"] == 2);
  CHECK(j["repeats"] == 0);
  REQUIRE(j["rejected"].size() == 2);
  CHECK(j["rejected"][0]["line"] == 4);
  CHECK_THAT(j["rejected"][0]["reason"].get<std::string>(),
             Catch::StartsWith("campaign c-00000000: ") && Catch::Contains("no such campaign"));
  CHECK(j["rejected"][1]["line"] == 5);
  // Again, as text: the same rows are repeats now.
  r = d.as("abe", {"feedback", "load", fb});
  REQUIRE(r.code == 0);
  CHECK(r.out == fb + ": 4 rows: 2 accepted (0 new, 2 already recorded), 2 rejected\n");
  report =
      json::parse(d.as("vic", {"--json", "report", msgs[0]["campaign"].get<std::string>()}).out);
  CHECK(report["activities"][0]["delivered"] == 1);
  CHECK(report["activities"][0]["opens"] == 1);
}
