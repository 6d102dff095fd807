// API triggers over SMTP and a crash (INTERFACES.md §10): batond killed with SIGKILL after a
// server accepted a trigger's message but before its trigger_handled event was written. The
// trigger retried with its id after the restart is not handed over again: the trigger path
// keeps the send journal as the channel runner does. The server (tests/support/hold_smtp.py, a
// real SMTP server over TCP) holds the answer to chosen addresses, which makes that window.
#include <fstream>
#include <thread>

#include "delivery_fixture.hpp"
#include "support/servers.hpp"

using namespace baton::testing;
namespace servers = baton::test_servers;
using nlohmann::json;

namespace {

struct hold_smtp {
  std::string dir, log, hold;
  int port = servers::free_port();
  std::unique_ptr<servers::child_process> proc;
  explicit hold_smtp(const work_dir& wd)
      : dir(wd.str("smtp")), log(dir + "/log.txt"), hold(dir + "/hold.txt") {
    std::filesystem::create_directories(dir);
    proc = std::make_unique<servers::child_process>(
        std::vector<std::string>{"/usr/bin/python3",
                                 std::string(BATON_SOURCE_DIR) + "/tests/support/hold_smtp.py",
                                 std::to_string(port), log, hold},
        std::vector<std::string>{}, dir + "/server.log");
    REQUIRE(servers::wait_for_port(port, *proc));
  }
  void hold_only(const std::vector<std::string>& addresses) {
    std::ofstream f(hold + ".new");
    for (auto& a : addresses) f << a << "\n";
    f.close();
    std::filesystem::rename(hold + ".new", hold);
  }
  // "accepted ID ADDR" / "held ID ADDR" lines so far.
  std::vector<std::string> lines(const std::string& kind) const {
    std::vector<std::string> out;
    for (auto& l : lines_of(slurp(log)))
      if (l.rfind(kind + " ", 0) == 0) out.push_back(l.substr(kind.size() + 1));
    return out;
  }
  bool wait_for(const std::string& kind, const std::string& address) const {
    for (int i = 0; i < 600; ++i) {
      if (std::filesystem::exists(log))
        for (auto& l : lines(kind))
          if (l.size() > address.size() && l.substr(l.size() - address.size()) == address)
            return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
};

run_result trigger(const work_dir& wd, const std::string& address, const std::string& id,
                   const std::string& recipient, const std::string& trigger_id) {
  return run_tool(wd, "batonctl",
                  {"--connect", address, "--json", "campaign", "trigger", id, "--recipient",
                   recipient, "--trigger-id", trigger_id});
}

}  // namespace

// kill -9 of batond between the SMTP server's acceptance and the trigger's event: the retried
// trigger is answered from the send journal, not sent again.
TEST_CASE("SMTP trigger: kill -9 after acceptance, the retry sends nothing",
          "[trigger][e2e][smtp][crash]") {
  work_dir wd;
  hold_smtp smtp(wd);
  auto data = wd.str("data");
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "schema", "apply", schema_file()}).code ==
          0);
  auto csv = wd.write("profiles.csv", profiles_csv(9));
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "data", "load", "profiles", csv}).code ==
          0);
  auto config_path = data + "/config.json";
  auto config = json::parse(slurp(config_path));
  config["channels"]["email"] = {{"connector", "smtp"},
                                 {"url", "smtp://127.0.0.1:" + std::to_string(smtp.port)},
                                 {"from", "Shop <shop@example.com>"},
                                 {"connections", 1},
                                 {"timeoutSeconds", 60}};
  std::ofstream(config_path) << config.dump(2) << "\n";
  auto file = std::string(BATON_SOURCE_DIR) + "/config/campaigns/order-confirmation.json";

  std::string id;
  {
    daemon_process d(wd, data);
    auto create = run_tool(wd, "batonctl", {"--connect", d.address(), "campaign", "create", file});
    REQUIRE(create.code == 0);
    id = lines_of(create.out).at(0);
    REQUIRE(run_tool(wd, "batonctl", {"--connect", d.address(), "campaign", "publish", id}).code ==
            0);
    // h (profile 8) is held: the worker waits on it while a (1) and b (9) queue into the next
    // batch, a before b. Then h is answered; in the batch [a, b] the server accepts a and holds
    // b: a is accepted but its event not written (the batch is not over) when batond dies.
    smtp.hold_only({"p8@example.com", "p9@example.com"});
    std::vector<std::thread> clients;
    clients.emplace_back([&] { trigger(wd, d.address(), id, "8", "h"); });
    REQUIRE(smtp.wait_for("held", "p8@example.com"));
    clients.emplace_back([&] { trigger(wd, d.address(), id, "1", "a"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    clients.emplace_back([&] { trigger(wd, d.address(), id, "9", "b"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    smtp.hold_only({"p9@example.com"});
    REQUIRE(smtp.wait_for("accepted", "p8@example.com"));
    REQUIRE(smtp.wait_for("held", "p9@example.com"));
    REQUIRE(smtp.wait_for("accepted", "p1@example.com"));
    d.kill9();
    for (auto& c : clients) c.join();
  }
  smtp.hold_only({});
  daemon_process d(wd, data);
  std::map<std::string, json> replies;
  for (auto [t, key] :
       std::vector<std::pair<std::string, std::string>>{{"h", "8"}, {"a", "1"}, {"b", "9"}}) {
    auto r = trigger(wd, d.address(), id, key, t);
    INFO("trigger " << t << ": " << r.out << r.err);
    REQUIRE(r.code == 0);
    replies[t] = json::parse(r.out);
    CHECK(replies[t]["status"] == "sent");
  }
  CHECK(replies["h"]["duplicate"] == true);  // recorded before the kill
  // Each message accepted once: a from the journal ("+"), b handed over again (it was in doubt:
  // handed over, no answer) and accepted now.
  std::map<std::string, int> accepted;
  for (auto& l : smtp.lines("accepted")) ++accepted[l.substr(l.find(' ') + 1)];
  CHECK(accepted["p8@example.com"] == 1);
  CHECK(accepted["p1@example.com"] == 1);
  CHECK(accepted["p9@example.com"] == 1);
  // Once the results are recorded the journal forgets them (at the next batch).
  auto r = trigger(wd, d.address(), id, "2", "c");
  REQUIRE(r.code == 0);
  auto journal = slurp(data + "/journal/" + id + "/triggers");
  for (auto& t : {"h", "a", "b"})
    CHECK(journal.find(replies[t]["messageId"].get<std::string>()) == std::string::npos);
  CHECK(d.stop() == 0);
  CHECK(run_tool(wd, "baton-replay", {"--data-dir", data, "verify"}).code == 0);
}
