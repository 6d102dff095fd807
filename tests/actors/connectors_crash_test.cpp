// batond killed with SIGKILL again and again while it sends through real servers in the test
// process's care: an HTTP receiver that honours Idempotency-Key (each recipient received exactly
// once, replays answered 409) and postfix's smtp-sink (each recipient at least once; second
// copies only of messages in doubt — handed over, answer not yet journaled — and counted).
#include "channels/message.hpp"
#include "delivery_fixture.hpp"
#include "support/servers.hpp"

using namespace baton;
using namespace baton::testing;
namespace servers = baton::test_servers;

namespace {

constexpr int k_profiles = 30000;  // about 20 000 eligible for a marketing email
constexpr int k_batch = 200;       // the channel runner's durable batch in batond

// A data dir with the sample profiles and its `email` channel routed to `entry`, batond killed
// during the sends of a mail campaign until 5 kills interrupted one.
struct crash_run {
  work_dir wd;
  std::string data = wd.str("data");
  std::set<std::string> expected;  // the eligible recipients
  kill_trials k;

  crash_run(const json& entry, std::uint32_t seed) {
    expected = init_with_sample_profiles(wd, data, k_profiles);
    REQUIRE(expected.size() > 15000);
    auto path = data + "/config.json";
    auto config = json::parse(slurp(path));
    config["channels"]["email"] = entry;
    std::ofstream(path) << config.dump(2) << "\n";
    auto campaign = wd.write("mail.json", mail_campaign(json::object()));
    k = kill_during_send(wd, data, campaign, 5, std::chrono::seconds(180), seed);
  }
};

}  // namespace

TEST_CASE("kill -9 of batond during a webhook send: the receiver gets each recipient once",
          "[delivery][e2e][recovery][webhook]") {
  servers::webhook_receiver rx;
  crash_run run({{"connector", "webhook"}, {"url", rx.url()}}, 5150);
  auto& [wd, data, expected, k] = run;
  INFO("kills after (ms; * = during the send):" << k.trail);

  std::lock_guard lock(rx.mu);
  CHECK(rx.bodies.size() == k.ids.size() * expected.size());
  std::map<std::string, std::set<std::string>> by_campaign;
  for (auto& b : rx.bodies) {
    auto c = b["campaign"].get<std::string>(), r = b["recipient"].get<std::string>();
    CHECK(by_campaign[c].insert(r).second);
    CHECK(b["message_id"] == channels::make_message_id(c, 1, "mail", r));
  }
  for (auto& id : k.ids) {
    INFO("campaign " << id);
    CHECK(by_campaign[id] == expected);
    auto log = log_of(wd, data, id);
    for (auto& e : log)
      if (e["type"] == "task_completed" && e["payload"]["activity"] == "mail")
        CHECK(count_of(e["payload"]["outputs"][0]["count"]) == expected.size());
  }
  // Batches cut by a kill went again after the restart: the receiver answered those with 409.
  WARN(expected.size() << " recipients x " << k.ids.size() << " campaign(s): " << k.kills
                       << " kills, " << k.interrupted << " during the send; "
                       << rx.keys.size() - rx.bodies.size() << " replays answered 409");
}

TEST_CASE("kill -9 of batond during an SMTP send: each recipient at least once, copies bounded",
          "[delivery][e2e][recovery][smtp]") {
  servers::smtp_sink sink;
  crash_run run({{"connector", "smtp"},
                 {"url", sink.url()},
                 {"from", "Shop <news@shop.example>"},
                 {"timeoutSeconds", 10}},
                8080);
  auto& [wd, data, expected, k] = run;
  INFO("kills after (ms; * = during the send):" << k.trail);

  // Every message must carry the stable id of (campaign, run 1, mail, an eligible recipient).
  std::map<std::string, std::pair<std::string, std::string>> who;  // id -> (campaign, recipient)
  for (auto& c : k.ids)
    for (auto& r : expected) who[channels::make_message_id(c, 1, "mail", r)] = {c, r};
  std::map<std::string, std::map<std::string, int>> copies;  // campaign -> recipient -> copies
  for (auto& m : sink.messages()) {
    auto it = who.find(m["X-Baton-Message-Id"]);
    INFO("message " << m["X-Baton-Message-Id"] << " to " << m["X-Rcpt-Args"]);
    REQUIRE(it != who.end());
    ++copies[it->second.first][it->second.second];
  }
  std::size_t extra = 0;
  for (auto& id : k.ids) {
    INFO("campaign " << id);
    std::set<std::string> reached;
    for (auto& [r, n] : copies[id]) {
      reached.insert(r);
      extra += static_cast<std::size_t>(n - 1);
    }
    CHECK(reached == expected);
  }
  // At most the batch in flight at each kill went twice — and in fact at most the messages
  // whose answer the send journal had not recorded yet: the report counts them as inDoubt,
  // at most one per connection per kill (the SMTP connector's default: 4 connections).
  CHECK(extra <= static_cast<std::size_t>(k.interrupted * k_batch));
  std::size_t in_doubt = 0;
  for (auto& id : k.ids) {
    auto r = run_tool(wd, "batonctl", {"--data-dir", data, "--json", "report", id});
    REQUIRE(r.code == 0);
    in_doubt += json::parse(r.out)["activities"][0]["inDoubt"].get<std::size_t>();
  }
  CHECK(extra <= in_doubt);
  CHECK(in_doubt <= static_cast<std::size_t>(4 * k.kills));
  WARN(expected.size() << " recipients x " << k.ids.size() << " campaign(s): " << k.kills
                       << " kills, " << k.interrupted << " during the send; " << extra
                       << " second copies, " << in_doubt << " in doubt");
}
