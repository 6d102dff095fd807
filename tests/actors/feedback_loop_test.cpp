// The feedback loop end to end through the real binaries: a campaign mails its audience
// (`batonctl run`, file outbox), delivered / bounced / opened / clicked / unsubscribed rows
// for the outbox's message ids are loaded (`batonctl feedback load`, embedded and again through
// batond's API: repeats count once, bad rows go to rejects with their line), `batonctl report`
// adds them up, and a retargeting campaign mails those who received it but did not click. And
// `batonctl campaign confirm` releasing a send that waits for its confirmation, through batond.
#include "delivery_fixture.hpp"

using namespace baton;
using namespace baton::testing;

namespace {

// The last line of `batonctl --json ...` output, parsed.
json json_out(const run_result& r) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  return json::parse(lines_of(r.out).back());
}

}  // namespace

TEST_CASE("feedback drives the report and a retargeting campaign", "[delivery][feedback][e2e]") {
  work_dir wd;
  auto data = wd.str("data");
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--data-dir", data});
    return run_tool(wd, "batonctl", args);
  };
  REQUIRE(ctl({"init"}).code == 0);
  REQUIRE(ctl({"schema", "apply", schema_file()}).code == 0);
  // Profiles 1-10; 2 has no email consent: 9 are mailed.
  auto profiles = wd.write("profiles.csv", profiles_csv(10, {2}));
  REQUIRE(ctl({"data", "load", "profiles", profiles}).code == 0);

  auto first =
      json_out(ctl({"--json", "run", wd.write("winter.json", mail_campaign(json::object()))}));
  auto id = first["id"].get<std::string>();
  REQUIRE(first["lastRun"]["status"] == "completed");
  std::map<std::string, std::string> mid;  // recipient -> message id
  for (auto& m : read_outbox(data + "/outbox/email.jsonl"))
    mid[m["recipient"].get<std::string>()] = m["message_id"].get<std::string>();
  REQUIRE(mid.size() == 9);

  std::string csv = "message_id,event,time\n";
  auto row = [&](const std::string& r, const std::string& event, int minute) {
    csv += mid.at(r) + "," + event + ",2026-11-22T10:" + (minute < 10 ? "0" : "") +
           std::to_string(minute) + ":00Z\n";
  };
  for (auto r : {"1", "3", "4", "5", "6", "7"}) row(r, "delivered", 1);
  row("8", "bounced", 2);
  row("1", "opened", 3);
  row("1", "opened", 4);  // a second open: opens 3, unique opens 2
  row("3", "opened", 5);
  row("1", "clicked", 6);
  row("1", "clicked", 7);  // clicks 2, unique clicks 1
  row("4", "unsubscribed", 8);
  csv += "00000000000000000000000000000000,opened,2026-11-22T10:09:00Z\n";  // line 15
  csv += mid.at("5") + ",read,2026-11-22T10:10:00Z\n";                      // line 16
  csv += mid.at("5") + ",opened,yesterday\n";                               // line 17
  csv += "just one field\n";                                                // line 18
  auto fb = wd.write("feedback.csv", csv);
  auto rejects = wd.str("rejects.csv");
  auto loaded = json_out(ctl({"--json", "feedback", "load", fb, "--rejects", rejects}));
  CHECK(loaded["accepted"] == 13);
  CHECK(loaded["recorded"] == 13);
  REQUIRE(loaded["rejected"].size() == 4);
  auto rej = lines_of(slurp(rejects));
  REQUIRE(rej.size() == 5);
  CHECK(rej[0] == "line,reason");
  CHECK(rej[1].rfind("15,unknown message_id 0000", 0) == 0);
  CHECK(rej[2].rfind("16,\"unknown event 'read' (delivered, bounced,", 0) == 0);  // quoted
  CHECK(rej[3].rfind("17,\"bad time", 0) == 0);
  CHECK(rej[4].rfind("18,\"expected 3 fields", 0) == 0);

  // The same file again, through batond's API: nothing is counted twice.
  {
    daemon_process d(wd, data);
    auto r = run_tool(wd, "batonctl", {"--connect", d.address(), "--json", "feedback", "load", fb},
                      std::chrono::seconds(30));
    auto again = json_out(r);
    CHECK(again["accepted"] == 13);
    CHECK(again["recorded"] == 0);
    CHECK(again["rejected"].size() == 4);
    CHECK_THAT(r.err, Catch::Contains("feedback.csv:15: unknown message_id"));
    CHECK(d.stop() == 0);
  }

  auto report = json_out(ctl({"--json", "report", id}));
  REQUIRE(report["activities"].size() == 1);
  auto a = report["activities"][0];
  CHECK(a["activity"] == "mail");
  CHECK(a["channel"] == "email");
  CHECK(a["people"] == 10);
  CHECK(a["targeted"] == 9);
  CHECK(a["sent"] == 9);
  CHECK(a["delivered"] == 6);
  CHECK(a["bounced"] == 1);
  CHECK(a["errors"] == 0);
  CHECK(a["exclusions"] == json{{"no consent", 1}});
  CHECK(a["opens"] == 3);
  CHECK(a["uniqueOpens"] == 2);
  CHECK(a["clicks"] == 2);
  CHECK(a["uniqueClicks"] == 1);
  CHECK(a["ctr"] == 16.67);  // unique clicks / delivered
  CHECK(a["unsubscribes"] == 1);
  auto text = ctl({"report", id});
  REQUIRE(text.code == 0);
  CHECK_THAT(text.out, Catch::Contains("mail (email)"));
  CHECK_THAT(text.out, Catch::Contains("16.67%"));
  CHECK_THAT(text.out, Catch::Contains("mail excluded (no consent): 1"));

  // Retargeting: received the winter mail but did not click -> 3, 4, 5, 6, 7.
  json filter = {
      {"all",
       {{{"feedback", {{"campaign", id}, {"activity", "mail"}, {"event", "delivered"}}}},
        {{"not",
          {{"feedback", {{"campaign", id}, {"activity", "mail"}, {"event", "clicked"}}}}}}}}};
  auto retarget = json::parse(mail_campaign({{"subject", "Still thinking, {{first_name}}?"}}));
  retarget["name"] = "winter reminder";
  retarget["activities"][0]["filter"] = filter;
  auto second = json_out(ctl({"--json", "run", wd.write("reminder.json", retarget.dump())}));
  REQUIRE(second["lastRun"]["status"] == "completed");
  std::vector<std::string> reminded;
  for (auto& m : read_outbox(data + "/outbox/email.jsonl"))
    if (m["campaign"] == second["id"]) {
      reminded.push_back(m["recipient"]);
      CHECK(m["subject"] == "Still thinking, P" + m["recipient"].get<std::string>() + "?");
    }
  CHECK(reminded == std::vector<std::string>{"3", "4", "5", "6", "7"});
}

TEST_CASE("batonctl campaign confirm releases a send that waits for its confirmation",
          "[delivery][e2e][confirm]") {
  work_dir wd;
  auto data = wd.str("data");
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "schema", "apply", schema_file()}).code ==
          0);
  auto profiles = wd.write("profiles.csv", profiles_csv(4));
  REQUIRE(
      run_tool(wd, "batonctl", {"--data-dir", data, "data", "load", "profiles", profiles}).code ==
      0);
  daemon_process d(wd, data);
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--connect", d.address()});
    return run_tool(wd, "batonctl", args, std::chrono::seconds(30));
  };
  auto created =
      ctl({"campaign", "create", wd.write("c.json", mail_campaign({{"confirm", true}}))});
  REQUIRE(created.code == 0);
  auto id = lines_of(created.out).at(0);
  REQUIRE(ctl({"campaign", "publish", id}).code == 0);
  std::string status;
  for (int i = 0; i < 200 && status != "needs-confirmation"; ++i) {
    auto shown = json_out(ctl({"--json", "campaign", "show", id}));
    status = task_of(shown["runs"].back(), "mail")["status"].get<std::string>();
    if (status != "needs-confirmation") std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  REQUIRE(status == "needs-confirmation");
  CHECK(read_outbox(data + "/outbox/email.jsonl").empty());
  auto wrong = ctl({"campaign", "confirm", id, "all"});  // not a channel activity waiting
  CHECK(wrong.code == 3);
  CHECK(ctl({"campaign", "confirm", id, "mail"}).code == 0);
  auto waited = ctl({"campaign", "wait", id, "--timeout", "20"});
  INFO(waited.out << waited.err);
  CHECK(waited.code == 0);
  CHECK(recipients_of(read_outbox(data + "/outbox/email.jsonl")) ==
        std::vector<std::string>{"1", "2", "3", "4"});
  CHECK(d.stop() == 0);
}
