// API-triggered campaigns end to end (INTERFACES.md §10): the sample order confirmation
// (config/campaigns/order-confirmation.json) triggered through embedded batonctl and through
// batond, to the file outbox — rendering from the context, idempotency by trigger id (also after
// a restart: it is in the log), exclusions by category, the exit codes of bad triggers — and
// batond killed with SIGKILL again and again while clients trigger: an acknowledged trigger is
// never lost, and no trigger id is ever sent twice.
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "delivery_fixture.hpp"

using namespace baton::testing;
using nlohmann::json;

namespace {

std::string sample_campaign() {
  return std::string(BATON_SOURCE_DIR) + "/config/campaigns/order-confirmation.json";
}

// A data dir with the sample schema and profiles 1..n (2 without email consent, 3 without an
// address).
std::string data_dir_with_profiles(const work_dir& wd, int n) {
  auto data = wd.str("data");
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "schema", "apply", schema_file()}).code ==
          0);
  auto csv = wd.write("profiles.csv", profiles_csv(n, {2}, {{3, ""}}));
  auto load = run_tool(wd, "batonctl", {"--data-dir", data, "data", "load", "profiles", csv});
  INFO(load.err);
  REQUIRE(load.code == 0);
  return data;
}

// `campaign` as created and published; its id.
std::string publish(const work_dir& wd, const std::vector<std::string>& where,
                    const std::string& file) {
  auto args = where;
  args.insert(args.end(), {"campaign", "create", file});
  auto r = run_tool(wd, "batonctl", args);
  INFO("create: " << r.err);
  REQUIRE(r.code == 0);
  auto id = lines_of(r.out).at(0);
  args = where;
  args.insert(args.end(), {"campaign", "publish", id});
  r = run_tool(wd, "batonctl", args);
  INFO("publish: " << r.err);
  REQUIRE(r.code == 0);
  return id;
}

run_result trigger(const work_dir& wd, std::vector<std::string> where, const std::string& id,
                   const std::vector<std::string>& args) {
  where.insert(where.end(), {"--json", "campaign", "trigger", id});
  where.insert(where.end(), args.begin(), args.end());
  return run_tool(wd, "batonctl", where);
}

json reply_of(const run_result& r) {
  INFO("batonctl stdout: " << r.out << " stderr: " << r.err);
  REQUIRE(r.code == 0);
  return json::parse(r.out);
}

std::string with_category(const work_dir& wd, const std::string& category) {
  auto j = json::parse(slurp(sample_campaign()));
  j["category"] = category;
  return wd.write("api-" + category + ".json", j.dump());
}

}  // namespace

TEST_CASE("api campaigns: embedded batonctl triggers render the context, once per trigger id",
          "[trigger][e2e][slow]") {
  work_dir wd;
  auto data = data_dir_with_profiles(wd, 5);
  std::vector<std::string> here{"--data-dir", data};
  auto id = publish(wd, here, sample_campaign());
  auto ctx = wd.write("order.json", R"({"order": {"id": "A-17", "total": 42.5,
      "items": [{"name": "hat", "qty": 2}, {"name": "scarf", "qty": 1}]}})");

  auto first = reply_of(
      trigger(wd, here, id, {"--recipient", "1", "--context-file", ctx, "--trigger-id", "o-17"}));
  CHECK(first["triggerId"] == "o-17");
  CHECK(first["status"] == "sent");
  CHECK(first["excluded"].is_null());
  CHECK(first["duplicate"] == false);
  auto outbox = read_outbox(data + "/outbox/email.jsonl");
  REQUIRE(outbox.size() == 1);
  CHECK(outbox[0]["message_id"] == first["messageId"]);
  CHECK(outbox[0]["recipient"] == "1");
  CHECK(outbox[0]["address"] == "p1@example.com");
  CHECK(outbox[0]["subject"] == "Order A-17 confirmed");
  CHECK(outbox[0]["body"] == "Hello P1, we received your order A-17 of 42.5 EUR. hat x2 scarf x1");

  // The same trigger id: the first result, nothing sent — also with another context.
  auto again = reply_of(trigger(wd, here, id, {"--recipient", "1", "--trigger-id", "o-17"}));
  CHECK(again["duplicate"] == true);
  CHECK(again["messageId"] == first["messageId"]);
  CHECK(again["status"] == "sent");
  CHECK(read_outbox(data + "/outbox/email.jsonl").size() == 1);

  // Transactional: no consent needed (profile 2); no address is an exclusion (profile 3).
  auto no_consent = reply_of(trigger(wd, here, id, {"--recipient", "2", "--trigger-id", "o-2"}));
  CHECK(no_consent["status"] == "sent");
  auto no_address = reply_of(trigger(wd, here, id, {"--recipient", "3", "--trigger-id", "o-3"}));
  CHECK(no_address["status"] == "excluded");
  CHECK(no_address["excluded"] == "no address");
  CHECK(no_address["messageId"].is_null());
  // A hard bounce suppresses transactional sends too.
  REQUIRE(run_tool(wd, "batonctl",
                   {"--data-dir", data, "suppression", "add", "p4@example.com", "--channel",
                    "email", "--reason", "hard_bounce"})
              .code == 0);
  auto bounced = reply_of(trigger(wd, here, id, {"--recipient", "4", "--trigger-id", "o-4"}));
  CHECK(bounced["excluded"] == "suppressed");
  // Without --trigger-id the engine picks one: each such trigger is a message of its own.
  auto a = reply_of(trigger(wd, here, id, {"--recipient", "5"}));
  auto b = reply_of(trigger(wd, here, id, {"--recipient", "5"}));
  CHECK(a["triggerId"] != b["triggerId"]);
  CHECK(a["messageId"] != b["messageId"]);
  CHECK(read_outbox(data + "/outbox/email.jsonl").size() == 4);

  // Bad triggers: an unknown recipient (4), a context that is not JSON (2), a draft (3).
  auto r = trigger(wd, here, id, {"--recipient", "999", "--trigger-id", "o-999"});
  CHECK(r.code == 4);
  CHECK(r.err.find("999") != std::string::npos);
  r = trigger(wd, here, id, {"--recipient", "x-not-a-number"});
  CHECK(r.code == 4);
  r = trigger(wd, here, id,
              {"--recipient", "1", "--context-file", wd.write("bad.json", "{\"order\": ")});
  CHECK(r.code == 2);
  CHECK(r.err.find("--context-file") != std::string::npos);
  r = trigger(wd, here, id, {"--recipient", "1", "--context-file", wd.write("list.json", "[1]")});
  CHECK(r.code == 2);
  auto create =
      run_tool(wd, "batonctl", {"--data-dir", data, "campaign", "create", sample_campaign()});
  REQUIRE(create.code == 0);
  auto draft = lines_of(create.out).at(0);
  r = trigger(wd, here, draft, {"--recipient", "1"});
  CHECK(r.code == 3);
  CHECK(r.err.find("live") != std::string::npos);
  CHECK(read_outbox(data + "/outbox/email.jsonl").size() == 4);

  // Marketing: consent counts (profile 2 has none).
  auto marketing = publish(wd, here, with_category(wd, "marketing"));
  auto m = reply_of(trigger(wd, here, marketing, {"--recipient", "2", "--trigger-id", "m-2"}));
  CHECK(m["status"] == "excluded");
  CHECK(m["excluded"] == "no consent");

  // The log has one trigger_handled per trigger id, in the trigger stream of the campaign.
  auto events = run_tool(wd, "batonctl", {"--data-dir", data, "--json", "events"});
  REQUIRE(events.code == 0);
  std::map<std::string, int> handled;
  for (auto& l : lines_of(events.out)) {
    auto e = json::parse(l);
    if (e["type"] != "trigger_handled") continue;
    CHECK(e["stream"].get<std::string>().rfind("trigger/", 0) == 0);
    ++handled[e["payload"]["triggerId"].get<std::string>()];
  }
  CHECK(handled["o-17"] == 1);
  CHECK(handled["o-3"] == 1);
  CHECK(handled["m-2"] == 1);
  CHECK(handled.count("o-999") == 0);
  CHECK(run_tool(wd, "baton-replay", {"--data-dir", data, "verify"}).code == 0);
}

TEST_CASE("api campaigns through batond: a repeated trigger id after a restart sends nothing",
          "[trigger][e2e][slow]") {
  work_dir wd;
  auto data = data_dir_with_profiles(wd, 3);
  std::string id, message;
  {
    daemon_process d(wd, data);
    std::vector<std::string> remote{"--connect", d.address()};
    id = publish(wd, remote, sample_campaign());
    auto ctx = wd.write("order.json", R"({"order": {"id": "B-1", "total": 3}})");
    auto r = reply_of(
        trigger(wd, remote, id, {"--recipient", "2", "--context-file", ctx, "--trigger-id", "t1"}));
    CHECK(r["status"] == "sent");
    message = r["messageId"];
    CHECK(trigger(wd, remote, id, {"--recipient", "77"}).code == 4);
    CHECK(d.stop() == 0);
  }
  daemon_process d(wd, data);
  std::vector<std::string> remote{"--connect", d.address()};
  auto r = reply_of(trigger(wd, remote, id, {"--recipient", "2", "--trigger-id", "t1"}));
  CHECK(r["duplicate"] == true);
  CHECK(r["messageId"] == message);
  auto outbox = read_outbox(data + "/outbox/email.jsonl");
  REQUIRE(outbox.size() == 1);
  CHECK(outbox[0]["subject"] == "Order B-1 confirmed");
}

TEST_CASE("kill -9 of batond while clients trigger: no acknowledged trigger lost, none sent twice",
          "[trigger][e2e][crash]") {
  work_dir wd;
  auto data = data_dir_with_profiles(wd, 20);
  std::string id;
  std::mt19937 rng(20261207);
  const int clients = 4, rounds = 4;
  std::mutex mu;
  std::map<std::string, std::string> acked;  // trigger id -> message id
  std::vector<std::string> pending;          // trigger ids whose reply never came
  int next = 0, kills_during = 0, changed = 0;
  for (int round = 0; round <= rounds; ++round) {
    daemon_process d(wd, data);
    std::vector<std::string> remote{"--connect", d.address()};
    if (id.empty()) id = publish(wd, remote, sample_campaign());
    if (round == rounds) {  // the last life is not killed: every trigger id is sent again
      std::vector<std::string> all = pending;
      for (auto& [t, m] : acked) all.push_back(t);
      for (auto& t : all) {
        auto r = reply_of(trigger(wd, remote, id, {"--recipient", "1", "--trigger-id", t}));
        if (acked.count(t)) {
          CHECK(r["duplicate"] == true);
          CHECK(r["messageId"] == acked[t]);
        }
        acked[t] = r["messageId"];
      }
      CHECK(d.stop() == 0);
      break;
    }
    std::atomic<bool> dead{false};
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c)
      threads.emplace_back([&, c] {
        while (!dead) {
          std::string t, key;
          {
            std::lock_guard<std::mutex> g(mu);
            if (!pending.empty()) {
              t = pending.back();
              pending.pop_back();
            } else {
              t = "k-" + std::to_string(next++);
            }
            key = std::to_string(1 + (c * 7 + next) % 20);
            if (key == "3") key = "4";  // profile 3 has no address: excluded, no message
          }
          auto r = trigger(wd, remote, id, {"--recipient", key, "--trigger-id", t});
          std::lock_guard<std::mutex> g(mu);
          if (r.code == 0) {
            auto j = json::parse(r.out);
            if (acked.count(t) && j["messageId"] != acked[t])
              ++changed;  // no CHECK off the main thread
            acked[t] = j["messageId"];
          } else {
            pending.push_back(t);  // not acknowledged: sent again with the same id later
          }
        }
      });
    std::this_thread::sleep_for(std::chrono::milliseconds(800 + rng() % 1200));
    d.kill9();
    dead = true;
    for (auto& t : threads) t.join();
    if (!pending.empty()) ++kills_during;
  }
  auto outbox = read_outbox(data + "/outbox/email.jsonl");
  std::map<std::string, int> lines;
  for (auto& m : outbox) ++lines[m["message_id"].get<std::string>()];
  INFO(acked.size() << " triggers acknowledged, " << outbox.size() << " outbox lines, "
                    << kills_during << " kills left triggers unanswered");
  CHECK(changed == 0);
  CHECK(acked.size() > 20);
  CHECK(outbox.size() == acked.size());
  for (auto& [t, m] : acked) {
    INFO("trigger " << t);
    CHECK(lines[m] == 1);
  }
  CHECK(run_tool(wd, "baton-replay", {"--data-dir", data, "verify"}).code == 0);
}

TEST_CASE("proofs: a draft's real rendering for sample recipients goes to seed addresses",
          "[proof][e2e][slow]") {
  work_dir wd;
  auto data = data_dir_with_profiles(wd, 5);
  std::vector<std::string> here{"--data-dir", data};
  auto campaign = wd.write("mail.json", mail_campaign(json::object()));
  auto create = run_tool(wd, "batonctl", {"--data-dir", data, "campaign", "create", campaign});
  REQUIRE(create.code == 0);
  auto id = lines_of(create.out).at(0);
  auto proof = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--data-dir", data, "--json", "campaign", "proof", id});
    return run_tool(wd, "batonctl", args);
  };
  // No population yet: a test run computes it (and sends nothing).
  auto r = proof({"mail", "--to", "qa@example.com"});
  CHECK(r.code == 3);
  CHECK(r.err.find("campaign test") != std::string::npos);
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "campaign", "test", id}).code == 0);
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "campaign", "wait", id}).code == 0);
  CHECK(read_outbox(data + "/outbox/email.jsonl").empty());

  r = proof({"mail", "--to", "qa@example.com, boss@example.com", "--sample", "2"});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  auto reply = json::parse(r.out);
  REQUIRE(reply["proofs"].size() == 4);
  auto outbox = read_outbox(data + "/outbox/email.jsonl");
  REQUIRE(outbox.size() == 4);
  std::set<std::string> to, recipients;
  for (auto& m : outbox) {
    CHECK(m["proof"] == true);
    CHECK(m["headers"]["X-Baton-Proof"] == "1");
    CHECK(m["subject"].get<std::string>().rfind("[PROOF] Hi P", 0) == 0);
    to.insert(m["address"].get<std::string>());
    recipients.insert(m["recipient"].get<std::string>());
    CHECK(m["body"] == "Hello P" + m["recipient"].get<std::string>() + " Doe");
  }
  CHECK(to == std::set<std::string>{"qa@example.com", "boss@example.com"});
  CHECK(recipients.size() == 2);
  // Prefix, sample default, bad input.
  r = proof({"mail", "--to", "qa@example.com", "--subject-prefix", "TEST: "});
  REQUIRE(r.code == 0);
  outbox = read_outbox(data + "/outbox/email.jsonl");
  REQUIRE(outbox.size() == 5);
  CHECK(outbox.back()["subject"].get<std::string>().rfind("TEST: Hi P", 0) == 0);
  CHECK(proof({"all", "--to", "qa@example.com"}).code == 2);
  CHECK(proof({"nope", "--to", "qa@example.com"}).code == 4);
  CHECK(proof({"mail", "--to", "not an address"}).code == 2);
  CHECK(proof({"mail", "--to", "qa@example.com", "--sample", "0"}).code == 2);
  // Still a draft; no report counts a proof.
  auto show = run_tool(wd, "batonctl", {"--data-dir", data, "--json", "campaign", "show", id});
  REQUIRE(show.code == 0);
  CHECK(json::parse(show.out)["status"] == "draft");
  auto report = run_tool(wd, "batonctl", {"--data-dir", data, "--json", "report", id});
  INFO(report.out << report.err);
  REQUIRE(report.code == 0);
  CHECK(report.out.find("\"sent\":4") == std::string::npos);
  CHECK(report.out.find("\"sent\":5") == std::string::npos);
}
