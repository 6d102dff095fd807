// API triggers of campaigns whose graph starts at a population activity (INTERFACES.md §10):
// the sample shipping notice (config/campaigns/shipping-notice.json: enrichment -> split ->
// two emails) triggered through embedded batonctl and through batond, to the file outbox — the
// recipient's row is enriched and routed, {{context.PATH}} renders, a recipient who reaches no
// channel activity is excluded ("no channel"), and a repeated trigger id returns the first
// result, also after a restart.
#include <map>

#include "delivery_fixture.hpp"

using namespace baton::testing;
using nlohmann::json;

namespace {

std::string sample_campaign() {
  return std::string(BATON_SOURCE_DIR) + "/config/campaigns/shipping-notice.json";
}

// Profiles: 1 gold (2 purchases, Paris), 2 silver (1 purchase, Lyon), 3 silver without any
// purchase, 4 gold without consent (transactional: sent all the same).
std::string data_dir(const work_dir& wd) {
  auto data = wd.str("data");
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "schema", "apply", schema_file()}).code ==
          0);
  auto load = [&](const char* entity, const std::string& csv) {
    auto f = wd.write(std::string(entity) + ".csv", csv);
    auto r = run_tool(wd, "batonctl", {"--data-dir", data, "data", "load", entity, f});
    INFO(r.err);
    REQUIRE(r.code == 0);
  };
  load("households", "id,city,size\n1,Paris,2\n2,Lyon,1\n");
  load("profiles",
       "id,email,first_name,last_name,loyalty,email_opt_in,household_id\n"
       "1,p1@example.com,Ann,Doe,gold,true,1\n"
       "2,p2@example.com,Bob,Doe,silver,true,2\n"
       "3,p3@example.com,Cy,Doe,silver,true,2\n"
       "4,p4@example.com,Di,Doe,gold,false,1\n");
  load("purchases",
       "id,profile_id,amount,category,bought_at\n"
       "1,1,10,shoes,2026-01-02T10:00:00Z\n"
       "2,1,20,hats,2026-02-02T10:00:00Z\n"
       "3,2,5,hats,2026-03-02T10:00:00Z\n");
  return data;
}

std::string publish(const work_dir& wd, std::vector<std::string> where) {
  auto args = where;
  args.insert(args.end(), {"campaign", "create", sample_campaign()});
  auto r = run_tool(wd, "batonctl", args);
  INFO("create: " << r.err);
  REQUIRE(r.code == 0);
  auto id = lines_of(r.out).at(0);
  where.insert(where.end(), {"campaign", "publish", id});
  r = run_tool(wd, "batonctl", where);
  INFO("publish: " << r.err);
  REQUIRE(r.code == 0);
  return id;
}

json trigger(const work_dir& wd, std::vector<std::string> where, const std::string& id,
             const std::vector<std::string>& args) {
  where.insert(where.end(), {"--json", "campaign", "trigger", id});
  where.insert(where.end(), args.begin(), args.end());
  auto r = run_tool(wd, "batonctl", where);
  INFO("batonctl stdout: " << r.out << " stderr: " << r.err);
  REQUIRE(r.code == 0);
  return json::parse(r.out);
}

}  // namespace

TEST_CASE("api campaigns starting at enrichment: the recipient's row runs through the graph",
          "[trigger][e2e][slow]") {
  work_dir wd;
  auto data = data_dir(wd);
  std::vector<std::string> here{"--data-dir", data};
  auto id = publish(wd, here);
  auto ctx = wd.write("parcel.json", R"({"parcel": {"id": "P-9"}})");

  auto gold =
      trigger(wd, here, id, {"--recipient", "1", "--context-file", ctx, "--trigger-id", "s-1"});
  CHECK(gold["status"] == "sent");
  CHECK(gold["duplicate"] == false);
  auto regular =
      trigger(wd, here, id, {"--recipient", "2", "--context-file", ctx, "--trigger-id", "s-2"});
  CHECK(regular["status"] == "sent");
  auto outbox = read_outbox(data + "/outbox/email.jsonl");
  REQUIRE(outbox.size() == 2);
  CHECK(outbox[0]["message_id"] == gold["messageId"]);
  CHECK(outbox[0]["recipient"] == "1");
  CHECK(outbox[0]["subject"] == "Ann, parcel P-9 is on its way (priority)");
  CHECK(outbox[0]["body"] ==
        "Dear Ann, your parcel P-9 ships by express to Paris. Thank you for your 2 orders.");
  CHECK(outbox[1]["message_id"] == regular["messageId"]);
  CHECK(outbox[1]["subject"] == "Parcel P-9 shipped");
  CHECK(outbox[1]["body"] == "Hello Bob, your parcel P-9 is on its way to Lyon.");

  // No purchase: the split sends profile 3 nowhere.
  auto none = trigger(wd, here, id, {"--recipient", "3", "--trigger-id", "s-3"});
  CHECK(none["status"] == "excluded");
  CHECK(none["excluded"] == "no channel");
  CHECK(none["messageId"].is_null());
  // Transactional: no consent needed (profile 4 is gold).
  auto no_consent = trigger(wd, here, id, {"--recipient", "4", "--trigger-id", "s-4"});
  CHECK(no_consent["status"] == "sent");
  // The same trigger ids: the first results, nothing sent.
  auto again = trigger(wd, here, id, {"--recipient", "1", "--trigger-id", "s-1"});
  CHECK(again["duplicate"] == true);
  CHECK(again["messageId"] == gold["messageId"]);
  auto again3 = trigger(wd, here, id, {"--recipient", "3", "--trigger-id", "s-3"});
  CHECK(again3["duplicate"] == true);
  CHECK(again3["excluded"] == "no channel");
  CHECK(read_outbox(data + "/outbox/email.jsonl").size() == 3);
  // An unknown recipient exits 4, nothing recorded.
  auto r = run_tool(wd, "batonctl",
                    {"--data-dir", data, "campaign", "trigger", id, "--recipient", "99"});
  CHECK(r.code == 4);
  CHECK(r.err.find("99") != std::string::npos);

  // The log: one trigger_handled per trigger id, naming the channel activity that sent.
  auto events = run_tool(wd, "batonctl", {"--data-dir", data, "--json", "events"});
  REQUIRE(events.code == 0);
  std::map<std::string, std::string> activity_of;
  for (auto& l : lines_of(events.out)) {
    auto e = json::parse(l);
    if (e["type"] != "trigger_handled") continue;
    auto t = e["payload"]["triggerId"].get<std::string>();
    CHECK(activity_of.count(t) == 0);
    activity_of[t] = e["payload"]["activity"];
  }
  CHECK(activity_of["s-1"] == "gold_mail");
  CHECK(activity_of["s-2"] == "mail");
  CHECK(activity_of["s-3"] == "enrich");
  CHECK(activity_of.size() == 4);
  // The trigger's worktables are gone.
  auto b = baton::audience::open_backend("", data);
  REQUIRE(b.ok());
  auto left = baton::audience::query_int(**b, "SELECT count(*) FROM baton_worktables");
  REQUIRE(left.ok());
  CHECK(*left == 0);
  CHECK(run_tool(wd, "baton-replay", {"--data-dir", data, "verify"}).code == 0);
}

TEST_CASE("api campaigns starting at enrichment through batond: a repeat after a restart",
          "[trigger][e2e][slow]") {
  work_dir wd;
  auto data = data_dir(wd);
  std::string id, message;
  {
    daemon_process d(wd, data);
    std::vector<std::string> remote{"--connect", d.address()};
    id = publish(wd, remote);
    auto ctx = wd.write("parcel.json", R"({"parcel": {"id": "Q-1"}})");
    auto r =
        trigger(wd, remote, id, {"--recipient", "2", "--context-file", ctx, "--trigger-id", "q"});
    CHECK(r["status"] == "sent");
    message = r["messageId"];
    CHECK(d.stop() == 0);
  }
  daemon_process d(wd, data);
  std::vector<std::string> remote{"--connect", d.address()};
  auto r = trigger(wd, remote, id, {"--recipient", "2", "--trigger-id", "q"});
  CHECK(r["duplicate"] == true);
  CHECK(r["messageId"] == message);
  auto outbox = read_outbox(data + "/outbox/email.jsonl");
  REQUIRE(outbox.size() == 1);
  CHECK(outbox[0]["body"] == "Hello Bob, your parcel Q-1 is on its way to Lyon.");
}
