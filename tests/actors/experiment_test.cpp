// Experiments and control groups end to end (INTERFACES.md §10, issue 14 items 4 and 5): the
// sample campaigns config/campaigns/ab-test.json and control-group.json through embedded batonctl
// and through batond, to the file outbox. The test share goes out split between the variants,
// feedback is loaded (`feedback load`) during the experiment's wait, the variant with the best
// metric is chosen (variant_chosen with its figures) and goes to the rest; a kill -9 of batond
// during the wait re-sends nothing; a control group's rows get nothing and are reported.
#include <map>
#include <set>
#include <thread>

#include "delivery_fixture.hpp"

using namespace baton::testing;
using nlohmann::json;

namespace {

std::string sample(const std::string& name) {
  return std::string(BATON_SOURCE_DIR) + "/config/campaigns/" + name + ".json";
}

// A data dir with the sample schema and profiles 1..n, all with an address and consent.
std::string data_with_profiles(const work_dir& wd, int n) {
  auto data = wd.str("data");
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "schema", "apply", schema_file()}).code ==
          0);
  auto csv = wd.write("profiles.csv", profiles_csv(n));
  auto load = run_tool(wd, "batonctl", {"--data-dir", data, "data", "load", "profiles", csv});
  INFO(load.err);
  REQUIRE(load.code == 0);
  return data;
}

// The sample A/B test with a short wait (seconds instead of hours) and `metric`.
std::string ab_test(const work_dir& wd, const std::string& wait, const std::string& metric) {
  auto j = json::parse(slurp(sample("ab-test")));
  j["activities"][1]["experiment"]["wait"] = wait;
  j["activities"][1]["experiment"]["metric"] = metric;
  return wd.write("ab-" + metric + ".json", j.dump());
}

run_result ctl(const work_dir& wd, std::vector<std::string> where,
               const std::vector<std::string>& args) {
  where.insert(where.end(), args.begin(), args.end());
  return run_tool(wd, "batonctl", where, std::chrono::seconds(120));
}

std::string ok_line(const run_result& r) {
  INFO("batonctl stdout: " << r.out << " stderr: " << r.err);
  REQUIRE(r.code == 0);
  return lines_of(r.out).empty() ? "" : lines_of(r.out).at(0);
}

// The outbox lines that are not proofs.
std::vector<json> sent_lines(const std::string& data) {
  std::vector<json> out;
  for (auto& m : read_outbox(data + "/outbox/email.jsonl"))
    if (!m.value("proof", false)) out.push_back(m);
  return out;
}

// The variant of an outbox line of the sample A/B test, by its subject.
std::string variant_of(const json& m) {
  return m["subject"].get<std::string>().rfind("Our winter", 0) == 0 ? "plain" : "personal";
}

// Feedback CSV: `opens` unique opens and `clicks` unique clicks on messages of each variant.
std::string feedback_csv(const std::vector<json>& msgs, std::map<std::string, int> opens,
                         std::map<std::string, int> clicks) {
  std::string csv = "message_id,event,time\n";
  for (auto& m : msgs) {
    auto v = variant_of(m);
    auto id = m["message_id"].get<std::string>();
    if (opens[v]-- > 0)
      csv += id + ",opened,2026-12-01T10:00:00Z\n" + id + ",opened,2026-12-01T11:00:00Z\n";
    if (clicks[v]-- > 0) csv += id + ",clicked,2026-12-01T10:05:00Z\n";
  }
  return csv;
}

json event_of(const std::vector<json>& log, const std::string& type) {
  for (auto& e : log)
    if (e["type"] == type) return e["payload"];
  return nullptr;
}

json mail_report(const work_dir& wd, const std::vector<std::string>& where, const std::string& id) {
  auto r = ctl(wd, where, {"--json", "report", id});
  INFO(r.err);
  REQUIRE(r.code == 0);
  return json::parse(r.out)["activities"].at(0);
}

}  // namespace

TEST_CASE("experiments through embedded batonctl: feedback loaded during the wait picks the winner",
          "[experiment][e2e][slow]") {
  work_dir wd;
  auto data = data_with_profiles(wd, 100);
  std::vector<std::string> here{"--data-dir", data};
  auto id = ok_line(ctl(wd, here, {"campaign", "create", ab_test(wd, "PT12S", "opens")}));
  // A proof of an experiment renders every variant.
  REQUIRE(ctl(wd, here, {"campaign", "test", id}).code == 0);
  REQUIRE(ctl(wd, here, {"campaign", "wait", id}).code == 0);
  ok_line(ctl(wd, here, {"campaign", "proof", id, "mail", "--to", "qa@example.com"}));
  std::set<std::string> proof_subjects;
  for (auto& m : read_outbox(data + "/outbox/email.jsonl"))
    if (m.value("proof", false)) proof_subjects.insert(m["subject"].get<std::string>());
  CHECK(proof_subjects.size() == 2);
  CHECK(proof_subjects.count("[PROOF] Our winter collection is here") == 1);
  ok_line(ctl(wd, here, {"campaign", "publish", id}));
  // The test share goes, then the experiment waits: the run does not end within 5 s.
  CHECK(ctl(wd, here, {"campaign", "wait", id, "--timeout", "5"}).code == 7);
  auto test = sent_lines(data);
  REQUIRE(test.size() == 20);  // exactly 20 % of 100
  std::map<std::string, int> per;
  for (auto& m : test) ++per[variant_of(m)];
  CHECK(per == std::map<std::string, int>{{"personal", 10}, {"plain", 10}});  // an even split
  CHECK(event_of(log_of(wd, data, id), "variant_chosen").is_null());

  // Feedback arrives during the wait: `personal` gets more unique opens.
  auto fb = wd.write("feedback.csv", feedback_csv(test, {{"plain", 2}, {"personal", 4}},
                                                  {{"plain", 3}, {"personal", 1}}));
  ok_line(ctl(wd, here, {"feedback", "load", fb}));
  auto end = ctl(wd, here, {"campaign", "wait", id});
  INFO(end.err);
  REQUIRE(end.code == 0);

  auto chosen = event_of(log_of(wd, data, id), "variant_chosen");
  REQUIRE(chosen.is_object());
  CHECK(chosen["activity"] == "mail");
  CHECK(chosen["variant"] == "personal");
  CHECK(chosen["metric"] == "opens");
  REQUIRE(chosen["figures"].size() == 2);
  CHECK(chosen["figures"][0]["name"] == "plain");
  CHECK(chosen["figures"][0]["sent"] == 10);
  CHECK(chosen["figures"][0]["uniqueOpens"] == 2);
  CHECK(chosen["figures"][0]["opens"] == 4);
  CHECK(chosen["figures"][0]["uniqueClicks"] == 3);
  CHECK(chosen["figures"][1]["name"] == "personal");
  CHECK(chosen["figures"][1]["uniqueOpens"] == 4);

  // The rest got the winner, nobody twice.
  auto all = sent_lines(data);
  CHECK(all.size() == 100);
  CHECK(ids_of(all).size() == 100);
  std::set<std::string> recipients;
  per.clear();
  for (std::size_t i = 20; i < all.size(); ++i) ++per[variant_of(all[i])];
  for (auto& m : all) recipients.insert(m["recipient"].get<std::string>());
  CHECK(recipients.size() == 100);
  CHECK(per == std::map<std::string, int>{{"personal", 80}});
  CHECK(all[20]["subject"] ==
        "P" + all[20]["recipient"].get<std::string>() + ", your winter picks");

  auto r = mail_report(wd, here, id);
  CHECK(r["sent"] == 100);
  CHECK(r["control"] == 0);
  REQUIRE(r["variants"].size() == 2);
  CHECK(r["variants"][0] == json{{"name", "plain"},
                                 {"sent", 10},
                                 {"opens", 4},
                                 {"uniqueOpens", 2},
                                 {"clicks", 3},
                                 {"uniqueClicks", 3}});
  CHECK(r["variants"][1] == json{{"name", "personal"},
                                 {"sent", 90},
                                 {"opens", 8},
                                 {"uniqueOpens", 4},
                                 {"clicks", 1},
                                 {"uniqueClicks", 1}});
  auto text = ctl(wd, here, {"report", id});
  REQUIRE(text.code == 0);
  CHECK(text.out.find("mail variant personal: sent 90, opens 8 (unique 4)") != std::string::npos);
  // baton-replay shows the choice in the timeline.
  auto tl = run_tool(wd, "baton-replay", {"--data-dir", data, "timeline", id});
  INFO(tl.err);
  CHECK(tl.out.find("variant_chosen") != std::string::npos);
}

TEST_CASE("experiments through batond: kill -9 during the wait re-sends nothing, clicks decide",
          "[experiment][e2e][crash]") {
  work_dir wd;
  auto data = data_with_profiles(wd, 50);
  std::optional<daemon_process> d;
  d.emplace(wd, data);
  auto where = [&] { return std::vector<std::string>{"--connect", d->address()}; };
  auto id = ok_line(ctl(wd, where(), {"campaign", "create", ab_test(wd, "PT6S", "clicks")}));
  ok_line(ctl(wd, where(), {"campaign", "publish", id}));
  // The test share is sent (10 of 50) and the task waits for the experiment.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    bool waiting = false;
    for (auto& e : log_of(wd, data, id))
      if (e["type"] == "task_waiting" && e["payload"]["reason"] == "experiment") waiting = true;
    if (waiting) break;
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto test = sent_lines(data);
  REQUIRE(test.size() == 10);
  REQUIRE(d->kill9() == 128 + SIGKILL);
  d.emplace(wd, data);
  // Feedback through batond: `plain` gets the clicks (opens would pick `personal`).
  auto fb = wd.write("feedback.csv", feedback_csv(test, {{"personal", 3}}, {{"plain", 2}}));
  ok_line(ctl(wd, where(), {"feedback", "load", fb}));
  auto end = ctl(wd, where(), {"campaign", "wait", id, "--timeout", "60"});
  INFO(end.err);
  REQUIRE(end.code == 0);
  auto all = sent_lines(data);
  CHECK(all.size() == 50);
  CHECK(ids_of(all).size() == 50);
  for (std::size_t i = 0; i < test.size(); ++i) CHECK(all[i] == test[i]);  // nothing re-sent
  for (std::size_t i = test.size(); i < all.size(); ++i) CHECK(variant_of(all[i]) == "plain");
  auto log = log_of(wd, data, id);
  auto chosen = event_of(log, "variant_chosen");
  CHECK(chosen["variant"] == "plain");
  CHECK(chosen["metric"] == "clicks");
  auto r = mail_report(wd, where(), id);
  CHECK(r["sent"] == 50);
  CHECK(r["repeated"] == 0);
  CHECK(r["variants"][0]["sent"] == 45);
  CHECK(r["variants"][0]["uniqueClicks"] == 2);
  CHECK(r["variants"][1]["sent"] == 5);
  CHECK(d->stop() == 0);
}

TEST_CASE("control groups: the held-out rows get nothing and are reported",
          "[experiment][e2e][slow]") {
  work_dir wd;
  auto data = data_with_profiles(wd, 60);
  std::vector<std::string> here{"--data-dir", data};
  auto id = ok_line(ctl(wd, here, {"campaign", "create", sample("control-group")}));
  ok_line(ctl(wd, here, {"campaign", "publish", id}));
  REQUIRE(ctl(wd, here, {"campaign", "wait", id}).code == 0);
  auto sent = sent_lines(data);
  CHECK(sent.size() == 54);  // 10 % of 60 held out
  std::set<std::string> got;
  for (auto& m : sent) got.insert(m["recipient"].get<std::string>());
  CHECK(got.size() == 54);
  auto r = mail_report(wd, here, id);
  CHECK(r["sent"] == 54);
  CHECK(r["control"] == 6);
  CHECK(r["excluded"] == 0);
  CHECK(r["people"] == 60);
  auto text = ctl(wd, here, {"report", id});
  CHECK(text.out.find("mail control group (held out, not sent): 6") != std::string::npos);
  // Treated vs control for lift.
  CHECK(r["lift"]["treated"]["people"] == 54);
  CHECK(r["lift"]["treated"]["uniqueOpens"] == 0);
  CHECK(r["lift"]["control"]["people"] == 6);

  // The held-out recipients are visible to retargeting: a follow-up to "held out of the mail".
  json follow = {
      {"name", "follow-up of the control group"},
      {"dimension", "profiles"},
      {"activities",
       {{{"id", "held"},
         {"type", "build_audience"},
         {"filter",
          {{"feedback", {{"campaign", id}, {"activity", "mail"}, {"event", "held_out"}}}}}},
        {{"id", "later"},
         {"type", "email"},
         {"category", "marketing"},
         {"subject", "Later, {{first_name}}"},
         {"body", "You were in the control group."}}}},
      {"transitions", {{{"from", "held"}, {"to", "later"}}}}};
  auto fid = ok_line(ctl(wd, here, {"campaign", "create", wd.write("follow.json", follow.dump())}));
  ok_line(ctl(wd, here, {"campaign", "publish", fid}));
  REQUIRE(ctl(wd, here, {"campaign", "wait", fid}).code == 0);
  std::set<std::string> held;
  for (auto& m : sent_lines(data))
    if (m["campaign"] == fid) held.insert(m["recipient"].get<std::string>());
  CHECK(held.size() == 6);
  for (auto& k : held) CHECK(got.count(k) == 0);

  // The campaign's own controlGroup, as a count, through batond.
  daemon_process d(wd, data);
  auto j = json::parse(slurp(sample("control-group")));
  j["activities"][1].erase("controlGroup");
  j["controlGroup"] = {{"count", 7}};
  j["activities"][1]["id"] = "mail2";
  j["transitions"][0]["to"] = "mail2";
  auto file = wd.write("campaign-control.json", j.dump());
  std::vector<std::string> there{"--connect", d.address()};
  auto id2 = ok_line(ctl(wd, there, {"campaign", "create", file}));
  ok_line(ctl(wd, there, {"campaign", "publish", id2}));
  REQUIRE(ctl(wd, there, {"campaign", "wait", id2, "--timeout", "60"}).code == 0);
  std::size_t second = 0;
  for (auto& m : sent_lines(data)) second += m["campaign"] == id2;
  CHECK(second == 53);
  auto r2 = mail_report(wd, there, id2);
  CHECK(r2["control"] == 7);
  CHECK(r2["sent"] == 53);

  // Bad input: a control group over 50 % is refused with its pointer, exit 2.
  j["controlGroup"] = {{"share", "60%"}};
  auto bad = ctl(wd, there, {"campaign", "create", wd.write("bad.json", j.dump())});
  CHECK(bad.code == 2);
  CHECK(bad.err.find("/controlGroup/share") != std::string::npos);
  CHECK(d.stop() == 0);
}
