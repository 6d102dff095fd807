// Identities end to end (INTERFACES.md §8), with the real binaries: users and API tokens made by
// batonctl, clients of batond that authenticate with a token (the same words for a missing,
// wrong or revoked one), roles enforced on the authenticated identity and refusals recorded as
// events, embedded mode acting as the data dir's owner, batond refusing to listen beyond
// loopback without TLS and users, and no token anywhere it must not be.
#include <sys/stat.h>
#include <unistd.h>

#include "process_util.hpp"

using namespace baton::testing;
using nlohmann::json;

namespace {

const std::string auth_line =
    "error: auth: the API token is missing, wrong or revoked (give a valid one with "
    "--token-file or $BATON_TOKEN)\n";

std::string flow_json() {
  return std::string(BATON_SOURCE_DIR) + "/config/campaigns/flow-control.json";
}

struct secured {
  work_dir wd;
  std::string data = wd.str("data");
  std::vector<std::string> seen;  // every output but the stdout of commands that print a token

  secured() { REQUIRE(ctl({"init"}).code == 0); }
  run_result ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--data-dir", data});
    auto r = run_tool(wd, "batonctl", args);
    seen.push_back(r.err);
    return r;
  }
  run_result remote(const daemon_process& d, const std::string& token,
                    std::vector<std::string> args) {
    args.insert(args.begin(), {"--connect", d.address(), "--token-file", wd.write("tok", token)});
    auto r = run_tool(wd, "batonctl", args);
    seen.push_back(r.out);
    seen.push_back(r.err);
    return r;
  }
  // Adds a user; its token (stdout) and token id (stderr).
  std::pair<std::string, std::string> add(const std::string& name, const std::string& role) {
    auto r = ctl({"user", "add", name, "--role", role});
    INFO(r.err);
    REQUIRE(r.code == 0);
    REQUIRE(r.out.size() == 65);
    REQUIRE(r.err.rfind("token id: ", 0) == 0);
    return {r.out.substr(0, 64), r.err.substr(10, r.err.size() - 11)};
  }
};

// Every regular file under `dir`, whole.
std::vector<std::pair<std::string, std::string>> files_under(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& f : std::filesystem::recursive_directory_iterator(dir))
    if (f.is_regular_file()) out.emplace_back(f.path().string(), slurp(f.path().string()));
  return out;
}

}  // namespace

TEST_CASE("users and tokens: made by batonctl, used through batond, revoked, removed",
          "[security][e2e][cli]") {
  secured s;
  auto [alice1, alice1_id] = s.add("alice", "manager");
  auto [vic1, vic1_id] = s.add("vic", "viewer");
  CHECK(alice1 != vic1);
  CHECK(s.ctl({"user", "add", "bob", "--role", "owner"}).code == 2);  // unknown role
  auto engine = s.ctl({"user", "add", "engine", "--role", "admin"});
  CHECK(engine.code == 3);
  CHECK(engine.out.empty());
  CHECK(s.ctl({"user", "add", "alice", "--role", "viewer"}).code == 3);  // exists
  auto more = s.ctl({"user", "token", "alice"});
  REQUIRE(more.code == 0);
  auto alice3 = more.out.substr(0, 64);
  CHECK(s.ctl({"user", "revoke", "alice", "t-000000000000"}).code == 4);
  CHECK(s.ctl({"user", "revoke", "nobody", alice1_id}).code == 4);
  REQUIRE(s.ctl({"user", "revoke", "alice", alice1_id}).code == 0);

  auto list = s.ctl({"--json", "user", "list"});
  REQUIRE(list.code == 0);
  s.seen.push_back(list.out);
  auto users = json::parse(list.out);
  REQUIRE(users.size() == 2);
  CHECK(users[0]["name"] == "alice");
  CHECK(users[0]["role"] == "manager");
  REQUIRE(users[0]["tokens"].size() == 1);
  CHECK(users[0]["tokens"][0].contains("createdAt"));
  CHECK(users[0]["tokens"][0]["id"] != alice1_id);

  daemon_process d(s.wd, s.data);  // adds the admin `tester`
  auto created = s.remote(d, alice3, {"campaign", "create", flow_json()});
  INFO(created.err);
  REQUIRE(created.code == 0);
  auto id = lines_of(created.out).front();
  auto refused = s.remote(d, alice3, {"campaign", "publish", id});
  CHECK(refused.code == 3);
  CHECK(refused.err == "error: permission: alice (manager) may not campaign publish\n");
  auto viewer = s.remote(d, vic1, {"--json", "campaign", "show", id});
  CHECK(viewer.code == 0);
  CHECK(s.remote(d, vic1, {"campaign", "create", flow_json()}).code == 3);

  // Missing, wrong, revoked: the same words, exit 3.
  for (auto token : {std::string(""), std::string(64, '0'), alice1}) {
    auto r = s.remote(d, token, {"campaign", "list"});
    CHECK(r.code == 3);
    CHECK(r.err == auth_line);
    CHECK(r.out.empty());
  }
  // The identity is the token's: --user is refused with --connect.
  CHECK(s.remote(d, alice3, {"--user", "tester", "campaign", "list"}).code == 2);

  // Users are managed through batond by an admin; a removed user's tokens stop working at once.
  CHECK(s.remote(d, alice3, {"user", "remove", "vic"}).code == 3);
  REQUIRE(s.remote(d, d.token(), {"user", "remove", "alice"}).code == 0);
  auto gone = s.remote(d, alice3, {"campaign", "list"});
  CHECK(gone.code == 3);
  CHECK(gone.err == auth_line);
  auto late = s.remote(d, d.token(), {"user", "token", "vic"});  // printed once: not kept in `seen`
  REQUIRE(late.code == 0);
  auto vic2 = late.out.substr(0, 64);
  std::erase(s.seen, late.out);
  CHECK(s.remote(d, vic2, {"campaign", "list"}).code == 0);
  REQUIRE(d.stop() == 0);
  s.seen.push_back(d.process().out());
  s.seen.push_back(d.process().err());

  // The refusals and failed authentications are events an auditor reads.
  auto refusals = s.ctl({"--json", "events", "--type", "permission_refused"});
  REQUIRE(refusals.code == 0);
  s.seen.push_back(refusals.out);
  CHECK(refusals.out.find("\"campaign publish\"") != std::string::npos);
  CHECK(refusals.out.find("\"alice\"") != std::string::npos);
  auto failures = s.ctl({"--json", "events", "--type", "auth_failed"});
  REQUIRE(failures.code == 0);
  CHECK(lines_of(failures.out).size() >= 2);  // the wrong and the revoked token
  auto timeline = run_tool(s.wd, "baton-replay", {"--data-dir", s.data, "timeline", id});
  REQUIRE(timeline.code == 0);
  s.seen.push_back(timeline.out);
  CHECK(timeline.out.find("permission_refused") != std::string::npos);
  auto all = s.ctl({"--json", "events"});
  s.seen.push_back(all.out);
  auto exported = run_tool(s.wd, "baton-replay", {"--data-dir", s.data, "export"});
  s.seen.push_back(exported.out);
  CHECK(run_tool(s.wd, "baton-replay", {"--data-dir", s.data, "verify"}).code == 0);

  // No token in the data dir, a log, an event, an error or --json output.
  for (auto& token : {alice1, vic1, alice3, vic2, d.token()}) {
    for (auto& text : s.seen) CHECK(text.find(token) == std::string::npos);
    for (auto& [path, bytes] : files_under(s.data)) {
      INFO(path);
      CHECK(bytes.find(token) == std::string::npos);
    }
  }
}

TEST_CASE("roles: no role by default, refusals in the log and the timeline, engine unclaimable",
          "[security][permissions][e2e][cli]") {
  secured s;
  auto cfg = json::parse(slurp(s.data + "/config.json"));
  CHECK(cfg["security"]["defaultRole"] == "none");
  CHECK(cfg["security"]["roles"].size() == 1);
  cfg["security"]["roles"]["vic"] = "viewer";
  std::ofstream(s.data + "/config.json") << cfg.dump(2);

  auto created = s.ctl({"campaign", "create", flow_json()});  // the OS account: admin
  REQUIRE(created.code == 0);
  auto id = lines_of(created.out).front();
  auto nobody = s.ctl({"--user", "nobody", "campaign", "list"});
  CHECK(nobody.code == 3);
  CHECK(nobody.err == "error: permission: nobody (none) may not campaign list\n");
  auto count = s.ctl({"--user", "nobody", "data", "count", "profiles"});
  CHECK(count.code == 3);
  CHECK(count.err == "error: permission: nobody (none) may not data count\n");
  auto vic = s.ctl({"--user", "vic", "campaign", "publish", id});
  CHECK(vic.code == 3);
  CHECK(vic.err == "error: permission: vic (viewer) may not campaign publish\n");
  CHECK(s.ctl({"--user", "vic", "campaign", "show", id}).code == 0);
  auto engine = s.ctl({"--user", "engine", "campaign", "list"});
  CHECK(engine.code == 3);
  CHECK(engine.err.rfind("error: auth: ", 0) == 0);

  auto refusals = s.ctl({"--json", "events", "--type", "permission_refused"});
  REQUIRE(refusals.code == 0);
  auto lines = lines_of(refusals.out);
  REQUIRE(lines.size() == 3);
  auto last = json::parse(lines.back());
  CHECK(last["actor"] == "vic");
  CHECK(last["payload"]["command"] == "campaign publish");
  CHECK(last["payload"]["campaign"] == id);
  auto timeline = run_tool(s.wd, "baton-replay", {"--data-dir", s.data, "timeline", id});
  REQUIRE(timeline.code == 0);
  bool shown = false;
  for (auto& l : lines_of(timeline.out))
    shown = shown || (l.find(" vic ") != std::string::npos &&
                      l.find("permission_refused") != std::string::npos);
  CHECK(shown);
}

TEST_CASE("embedded mode refuses an OS account that does not own the data dir",
          "[security][e2e][cli]") {
  if (::geteuid() != 0) {
    WARN("needs root to give the data dir to another account: skipped");
    return;
  }
  secured s;
  REQUIRE(::chown(s.data.c_str(), 54321, 54321) == 0);
  auto r = s.ctl({"campaign", "list"});
  CHECK(r.code == 3);
  CHECK(r.err.rfind("error: auth: the OS account ", 0) == 0);
  CHECK(r.err.find("does not own the data dir") != std::string::npos);
  REQUIRE(::chown(s.data.c_str(), 0, 0) == 0);
  CHECK(s.ctl({"campaign", "list"}).code == 0);
}

TEST_CASE("batond refuses a non-loopback address without TLS and users, naming what is missing",
          "[security][e2e][cli]") {
  secured s;
  auto r = run_tool(s.wd, "batond", {"--data-dir", s.data, "--listen", "0.0.0.0:0"});
  CHECK(r.code == 2);
  CHECK(r.err.find("error: --listen: ") == 0);
  CHECK(r.err.find("missing: TLS (--tls-cert and --tls-key), users") != std::string::npos);
  s.add("ops", "admin");
  r = run_tool(s.wd, "batond", {"--data-dir", s.data, "--listen", "0.0.0.0:0"});
  CHECK(r.code == 2);
  CHECK(r.err.find("missing: TLS (--tls-cert and --tls-key)\n") != std::string::npos);
}

TEST_CASE("failed authentications are limited per peer and recorded", "[security][e2e][cli]") {
  secured s;
  daemon_process d(s.wd, s.data);
  for (int i = 0; i < 7; ++i) {
    auto r = s.remote(d, std::string(64, 'f'), {"campaign", "list"});
    CHECK(r.code == 3);
    CHECK(r.err == auth_line);
  }
  // Within the window even a good token from this machine is refused, with the same words.
  auto r = s.remote(d, d.token(), {"campaign", "list"});
  CHECK(r.code == 3);
  CHECK(r.err == auth_line);
  REQUIRE(d.stop() == 0);
  auto failures = s.ctl({"--json", "events", "--type", "auth_failed"});
  auto lines = lines_of(failures.out);
  REQUIRE(lines.size() == 8);
  CHECK(json::parse(lines[4])["payload"]["limited"] == false);
  CHECK(json::parse(lines[5])["payload"]["limited"] == true);
  CHECK(json::parse(lines[7])["payload"]["limited"] == true);
}

TEST_CASE("approval: submit, four eyes, approve, publish, embedded and through batond",
          "[security][approval][e2e][cli]") {
  secured s;
  auto cfg = json::parse(slurp(s.data + "/config.json"));
  cfg["security"]["requireApproval"] = true;
  std::ofstream(s.data + "/config.json") << cfg.dump(2);
  auto [mia, mia_id] = s.add("mia", "manager");
  auto [abe, abe_id] = s.add("abe", "approver");

  // Embedded, acting as the users with --user.
  auto created = s.ctl({"--user", "mia", "campaign", "create", flow_json()});
  REQUIRE(created.code == 0);
  auto id = lines_of(created.out).front();
  auto show = s.ctl({"--json", "--user", "abe", "campaign", "show", id});
  REQUIRE(show.code == 0);
  CHECK(json::parse(show.out)["approval"].is_null());
  CHECK(s.ctl({"--user", "abe", "campaign", "publish", id}).code == 3);  // not approved
  REQUIRE(s.ctl({"--user", "mia", "campaign", "submit", id}).code == 0);
  auto self_approval = s.ctl({"--user", "mia", "campaign", "approve", id});
  CHECK(self_approval.code == 3);
  CHECK(self_approval.err == "error: permission: mia (manager) may not campaign approve\n");
  CHECK(s.ctl({"--user", "abe", "campaign", "reject", id}).code == 2);  // --reason missing
  REQUIRE(s.ctl({"--user", "abe", "campaign", "reject", id, "--reason", "wrong list"}).code == 0);
  show = s.ctl({"--json", "--user", "abe", "campaign", "show", id});
  auto approval = json::parse(show.out)["approval"];
  CHECK(approval["state"] == "rejected");
  CHECK(approval["by"] == "abe");
  CHECK(approval["reason"] == "wrong list");
  CHECK(approval.contains("at"));

  // Through batond, authenticated.
  daemon_process d(s.wd, s.data);
  REQUIRE(s.remote(d, mia, {"campaign", "submit", id}).code == 0);
  auto again = s.remote(d, abe, {"campaign", "submit", id});
  CHECK(again.code == 3);  // submitted already
  REQUIRE(s.remote(d, abe, {"campaign", "approve", id}).code == 0);
  show = s.remote(d, mia, {"--json", "campaign", "show", id});
  CHECK(json::parse(show.out)["approval"]["state"] == "approved");
  CHECK(s.remote(d, mia, {"campaign", "publish", id}).code == 3);  // needs an approver
  auto published = s.remote(d, abe, {"campaign", "publish", id});
  INFO(published.err);
  CHECK(published.code == 0);
  REQUIRE(d.stop() == 0);
  auto timeline = run_tool(s.wd, "baton-replay", {"--data-dir", s.data, "timeline", id});
  REQUIRE(timeline.code == 0);
  CHECK(timeline.out.find("approval_changed  reason=wrong list state=rejected") !=
        std::string::npos);
  CHECK(timeline.out.find("state=approved") != std::string::npos);
}
