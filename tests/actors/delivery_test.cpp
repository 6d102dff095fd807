// Delivery through the engine: channel activities run by the real data plane and channel
// runner against SQLite and the file outbox. In-process on a manual clock: waves wait durably
// and split the eligible recipients as planned (also across a crash at the end of a wave), send
// confirmation, test runs that send nothing, exclusions counted by reason, the throttle, and
// templates over enrichment columns. End to end: batond killed with SIGKILL again and again
// while it mails ~100 000 recipients, each of whom is in the outbox exactly once.
#include "delivery_fixture.hpp"
#include "log_copy.hpp"

using namespace baton;
using namespace baton::testing;

TEST_CASE("waves: the task waits durably between waves, which split the eligible recipients",
          "[delivery][waves]") {
  // 12 profiles, two of them excluded (3: no consent, 7: no address): 10 eligible in 3 waves.
  delivery_fixture d({{"profiles", profiles_csv(12, {3}, {{7, ""}})}});
  auto id = d.f.create(mail_campaign({{"waves", {{"count", 3}, {"interval", "PT30M"}}}}));
  auto start = d.f.clk.now();
  d.f.ok("publish", id);

  auto t = d.await_wave_wait(id);
  CHECK(t["status"] == "running");
  CHECK(t["waitUntil"] == format_time(start + 30 * us_per_minute));
  using v = std::vector<std::string>;
  CHECK(recipients_of(d.sent()) == v{"1", "2", "4", "5"});  // 4 + 3 + 3, in key order

  d.f.settle(29 * us_per_minute);  // not yet
  CHECK(d.sent().size() == 4);
  CHECK(d.mail_task(id)["waitUntil"] == t["waitUntil"]);

  d.f.settle(us_per_minute + seconds_us(1));  // the second wave
  t = d.await_wave_wait(id, t["waitUntil"]);
  CHECK(recipients_of(d.sent()) == v{"1", "2", "4", "5", "6", "8", "9"});

  d.f.settle(30 * us_per_minute + seconds_us(1));  // the last wave
  CHECK(d.f.wait_run(id)["runStatus"] == "completed");
  auto msgs = d.sent();
  CHECK(recipients_of(msgs) == v{"1", "2", "4", "5", "6", "8", "9", "10", "11", "12"});
  CHECK(ids_of(msgs).size() == msgs.size());
  for (auto& m : msgs) CHECK(m["subject"] == "Hi P" + m["recipient"].get<std::string>());

  t = d.mail_task(id);
  CHECK(t["status"] == "done");
  CHECK(t["countIn"] == 12);
  CHECK(t["outputs"]["out"] == 10);
  CHECK(t["attempt"] == 3);  // one run per wave
  REQUIRE(t["logs"].size() == 1);
  CHECK(t["logs"][0] == "sent 10, failed 0, excluded: no address 1, no consent 1 via file");
  auto waits = d.f.events_of_type(id, "task_waiting");
  REQUIRE(waits.size() == 2);
  for (auto& w : waits) CHECK(w["payload"]["reason"] == "wave");
  auto p = d.progress(id);
  REQUIRE_FALSE(p.empty());
  CHECK(count_of(p.back()["sent"]) == 10);
  CHECK(p.back()["wave"] == 2);
}

TEST_CASE("waves: a crash between a wave's last batch and its wait does not send the next early",
          "[delivery][waves][recovery]") {
  delivery_fixture d({{"profiles", profiles_csv(9)}});
  auto id = d.f.create(mail_campaign({{"waves", {{"count", 3}, {"interval", "PT1H"}}}}));
  d.f.ok("publish", id);
  auto t = d.await_wave_wait(id);
  REQUIRE(d.sent().size() == 3);

  // The crash: the first wave's batches are durable, the wait after it is not.
  std::uint64_t cut = 0;
  for (auto& e : d.f.events(id))
    if (e["type"] == "delivery_progress" && e["payload"]["wave"] == 0) cut = e["seq"];
  REQUIRE(cut > 0);
  auto crashed = d.f.dir.str("crashed");
  copy_log(*d.f.store, crashed,
           [&](const event& e) { return e.stream == "campaign/" + id && e.global_seq > cut; });
  d.f.restart(crashed);

  // The re-run finds the wave sent and waits again, a full interval from now.
  t = d.await_wave_wait(id);
  CHECK(t["attempt"] == 2);
  CHECK(t["waitUntil"] == format_time(d.f.clk.now() + us_per_hour));
  CHECK(d.sent().size() == 3);
  d.f.settle(30 * us_per_minute);
  CHECK(d.sent().size() == 3);

  d.f.settle(30 * us_per_minute + seconds_us(1));
  t = d.await_wave_wait(id, t["waitUntil"]);
  CHECK(d.sent().size() == 6);
  d.f.settle(us_per_hour + seconds_us(1));
  CHECK(d.f.wait_run(id)["runStatus"] == "completed");
  auto msgs = d.sent();
  CHECK(recipients_of(msgs) ==
        std::vector<std::string>{"1", "2", "3", "4", "5", "6", "7", "8", "9"});
  CHECK(ids_of(msgs).size() == 9);
  CHECK(d.mail_task(id)["outputs"]["out"] == 9);
}

TEST_CASE("waves: the next wave starts an interval after the previous one started",
          "[delivery][waves]") {
  delivery_fixture d({{"profiles", profiles_csv(6)}});
  d.runner->slow_send = 10 * us_per_minute;  // each wave takes 10 minutes to send
  auto id = d.f.create(mail_campaign({{"waves", {{"count", 2}, {"interval", "PT30M"}}}}));
  auto start = d.f.clk.now();
  d.f.ok("publish", id);
  auto t = d.await_wave_wait(id);
  CHECK(d.f.clk.now() == start + 10 * us_per_minute);
  CHECK(t["waitUntil"] == format_time(start + 30 * us_per_minute));  // not 40: the 12 h window
  CHECK(d.sent().size() == 3);
  d.f.settle(20 * us_per_minute + seconds_us(1));
  CHECK(d.f.wait_run(id)["runStatus"] == "completed");
  CHECK(d.sent().size() == 6);
}

TEST_CASE("send confirmation: a published one-shot campaign sends only once confirmed",
          "[delivery][confirm]") {
  delivery_fixture d({{"profiles", profiles_csv(5)}});
  auto id = d.f.create(mail_campaign({{"confirm", true}}));
  d.f.ok("publish", id);
  d.f.await(
      id, [](const json& v) { return task_status_of(v, "mail") == "needs-confirmation"; },
      "the mail task to wait for its confirmation");
  d.f.settle(us_per_hour);  // it waits for a person, not for time
  CHECK(task_status_of(d.f.show(id), "mail") == "needs-confirmation");
  CHECK(d.sent().empty());
  CHECK(d.f.events_of_type(id, "delivery_progress").empty());

  CHECK(d.f.refused_code("confirm", id) == errc::refused);  // the activity must be named
  d.f.ok("confirm", id, {{"activity", "mail"}});
  CHECK(d.f.wait_run(id)["runStatus"] == "completed");
  auto msgs = d.sent();
  CHECK(recipients_of(msgs) == std::vector<std::string>{"1", "2", "3", "4", "5"});
  CHECK(d.mail_task(id)["outputs"]["out"] == 5);
  CHECK(d.mail_task(id)["attempt"] == 1);
}

TEST_CASE("a test run sends nothing: the channel is skipped as a test run", "[delivery][test]") {
  delivery_fixture d({{"profiles", profiles_csv(6, {2})}});
  auto id = d.f.create(mail_campaign({{"confirm", true}}));  // test runs do not wait either
  d.f.ok("test", id);
  auto w = d.f.wait_run(id);
  CHECK(w["runStatus"] == "completed");
  auto v = d.f.show(id);
  CHECK(v["status"] == "draft");
  auto run = v["runs"][0];
  CHECK(run["test"] == true);
  CHECK(task_of(run, "all")["status"] == "done");
  CHECK(task_of(run, "all")["outputs"]["out"] == 6);  // the counts up to the channel are real
  CHECK(task_of(run, "mail")["status"] == "skipped");
  CHECK(task_of(run, "mail")["skipReason"] == "test run");
  CHECK_FALSE(std::filesystem::exists(d.outbox_path()));
  CHECK(d.f.events_of_type(id, "delivery_progress").empty());
}

TEST_CASE("exclusions are counted by reason in the progress events and the task's log",
          "[delivery][exclusions]") {
  // 2 and 9: no consent (9 has no address either: consent is checked first); 4 and 6: no
  // address (blank, spaces); 8: an invalid address; 5: consent but a padded address, sent.
  delivery_fixture d({{"profiles", profiles_csv(11, {2, 9},
                                                {{4, ""},
                                                 {6, "\"   \""},
                                                 {8, "not-an-address"},
                                                 {9, ""},
                                                 {5, "\" p5@example.com \""}})}});
  auto id = d.f.create(mail_campaign(json::object()));
  d.f.ok("publish", id);
  REQUIRE(d.f.wait_run(id)["runStatus"] == "completed");
  auto msgs = d.sent();
  CHECK(recipients_of(msgs) == std::vector<std::string>{"1", "3", "5", "7", "10", "11"});
  for (auto& m : msgs)
    CHECK(m["address"] == "p" + m["recipient"].get<std::string>() + "@example.com");

  std::map<std::string, std::uint64_t> want = {
      {"invalid address", 1}, {"no address", 2}, {"no consent", 2}};
  auto p = d.progress(id);
  REQUIRE(p.size() == 3);  // batches of 4 rows: 4 + 4 + 3
  CHECK(count_of(p.back()["position"]) == 11);
  CHECK(count_of(p.back()["sent"]) == 6);
  CHECK(exclusions_of(p.back()) == want);
  // Cumulative: batch by batch, the counts only grow.
  for (std::size_t i = 1; i < p.size(); ++i)
    for (auto& [reason, n] : exclusions_of(p[i - 1])) CHECK(exclusions_of(p[i])[reason] >= n);
  auto t = d.mail_task(id);
  CHECK(t["outputs"]["out"] == 6);
  REQUIRE(t["logs"].size() == 1);
  CHECK(t["logs"][0] ==
        "sent 6, failed 0, excluded: invalid address 1, no address 2, no consent 2 via file");
}

TEST_CASE("throttle: a send at perSecond is paced, not sent as one batch", "[delivery][throttle]") {
  // 30 recipients at 20 per second: the last goes (30 - 1) / 20 = 1.45 s after the first. The
  // runner paces on the system clock here (see delivery_fixture); only the lower bound of the
  // time taken is checked, which a loaded machine cannot break.
  delivery_fixture d({{"profiles", profiles_csv(30)}}, 200, true);
  auto id = d.f.create(mail_campaign({{"throttle", {{"perSecond", 20}}}}));
  auto t0 = std::chrono::steady_clock::now();
  d.f.ok("publish", id);
  REQUIRE(d.f.wait_run(id)["runStatus"] == "completed");
  auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(took >= 1.4);
  auto msgs = d.sent();
  CHECK(msgs.size() == 30);
  CHECK(ids_of(msgs).size() == 30);
  CHECK(d.mail_task(id)["outputs"]["out"] == 30);
  CHECK(d.mail_task(id)["logs"][0] == "sent 30, failed 0 via file");
}

TEST_CASE("templates render the profile's columns and the enrichment attributes",
          "[delivery][templates]") {
  std::string households = "id,city,size\n1,Paris,2\n2,Brest,3\n";
  std::string purchases =
      "id,profile_id,amount,category,bought_at\n"
      "1,1,10.5,shoes,2026-01-02T10:00:00Z\n"
      "2,1,20.25,hats,2026-01-05T10:00:00Z\n"
      "3,2,7.5,books,2026-01-03T10:00:00Z\n";
  delivery_fixture d(
      {{"profiles", profiles_csv(2)}, {"households", households}, {"purchases", purchases}});
  json def = {
      {"name", "personal"},
      {"dimension", "profiles"},
      {"activities",
       {{{"id", "buyers"}, {"type", "build_audience"}},
        {{"id", "enrich"},
         {"type", "enrichment"},
         {"attributes",
          {{{"name", "city"}, {"field", "household.city"}},
           {{"name", "total_spent"},
            {"link", "purchases"},
            {"aggregate", "sum"},
            {"field", "amount"}},
           {{"name", "last_items"},
            {"link", "purchases"},
            {"collect", 2},
            {"fields", {"category", "amount"}},
            {"orderBy", {{"field", "bought_at"}, {"direction", "desc"}}}}}}},
        {{"id", "mail"},
         {"type", "email"},
         {"subject", "{{first_name}}, you spent {{total_spent}}"},
         {"body",
          "Hello {{first_name}} {{last_name}} from {{city}}. Last: {{last_items1_category}}. "
          "All:{{#last_items}} {{category}} {{amount}};{{/last_items}}"}}}},
      {"transitions",
       {{{"from", "buyers"}, {"to", "enrich"}}, {{"from", "enrich"}, {"to", "mail"}}}}};
  auto id = d.f.create(def.dump());
  d.f.ok("publish", id);
  REQUIRE(d.f.wait_run(id)["runStatus"] == "completed");
  auto msgs = d.sent();
  REQUIRE(msgs.size() == 2);
  CHECK(msgs[0]["subject"] == "P1, you spent 30.75");
  CHECK(msgs[0]["body"] == "Hello P1 Doe from Paris. Last: hats. All: hats 20.25; shoes 10.5;");
  CHECK(msgs[1]["subject"] == "P2, you spent 7.5");
  CHECK(msgs[1]["body"] == "Hello P2 Doe from Brest. Last: books. All: books 7.5;");
  CHECK_FALSE(msgs[0].contains("html"));
}

TEST_CASE("a float renders the same in an enrichment column and in a collected array",
          "[delivery][templates]") {
  // 600.0 is a whole number: "600" in the aggregate column and in the collected lines alike; the
  // sum 0.1 + 0.2 renders as 0.3 (docs/campaigns.md, personalisation).
  std::string purchases =
      "id,profile_id,amount,category,bought_at\n"
      "1,1,600,coat,2026-01-02T10:00:00Z\n"
      "2,2,0.1,pen,2026-01-03T10:00:00Z\n"
      "3,2,0.2,ink,2026-01-04T10:00:00Z\n";
  delivery_fixture d({{"profiles", profiles_csv(2)}, {"purchases", purchases}});
  json def = {
      {"name", "numbers"},
      {"dimension", "profiles"},
      {"activities",
       {{{"id", "buyers"}, {"type", "build_audience"}},
        {{"id", "enrich"},
         {"type", "enrichment"},
         {"attributes",
          {{{"name", "top"}, {"link", "purchases"}, {"aggregate", "max"}, {"field", "amount"}},
           {{"name", "spent"}, {"link", "purchases"}, {"aggregate", "sum"}, {"field", "amount"}},
           {{"name", "items"},
            {"link", "purchases"},
            {"collect", 2},
            {"fields", {"amount"}},
            {"orderBy", {{"field", "amount"}, {"direction", "desc"}}}}}}},
        {{"id", "mail"},
         {"type", "email"},
         {"subject", "top {{top}}"},
         {"body",
          "top {{top}} spent {{spent}} first {{items1}} all{{#items}} {{amount}}{{/items}}"}}}},
      {"transitions",
       {{{"from", "buyers"}, {"to", "enrich"}}, {{"from", "enrich"}, {"to", "mail"}}}}};
  auto id = d.f.create(def.dump());
  d.f.ok("publish", id);
  REQUIRE(d.f.wait_run(id)["runStatus"] == "completed");
  auto msgs = d.sent();
  REQUIRE(msgs.size() == 2);
  std::sort(msgs.begin(), msgs.end(),
            [](const json& a, const json& b) { return a["recipient"] < b["recipient"]; });
  CHECK(msgs[0]["body"] == "top 600 spent 600 first 600 all 600");
  CHECK(msgs[1]["body"] == "top 0.2 spent 0.3 first 0.2 all 0.2 0.1");
}

TEST_CASE("kill -9 of batond during a 100 000-recipient send: each recipient mailed exactly once",
          "[delivery][e2e][recovery][crash]") {
  using steady = std::chrono::steady_clock;
  auto t0 = steady::now();
  work_dir wd;
  auto data = wd.str("data");
  // 150 000 profiles, of whom about 67 % are eligible (the sample has 70 % consent, 4 % blank
  // addresses): just over 100 000 recipients.
  auto expected = init_with_sample_profiles(wd, data, 150000);
  REQUIRE(expected.size() > 100000);
  auto prepared = steady::now();

  auto campaign = wd.write("mail.json", mail_campaign(json::object()));
  auto k = kill_during_send(wd, data, campaign, 10, std::chrono::seconds(240), 20261122);
  auto& ids = k.ids;
  auto sent_at = steady::now();

  INFO("kills after (ms; * = during the send):" << k.trail);
  auto msgs = read_outbox(data + "/outbox/email.jsonl");
  CHECK(msgs.size() == ids.size() * expected.size());
  for (auto& id : ids) {
    INFO("campaign " << id);
    std::set<std::string> mids, recipients;
    std::size_t n = 0;
    for (auto& m : msgs) {
      if (m["campaign"] != id) continue;
      ++n;
      mids.insert(m["message_id"].get<std::string>());
      recipients.insert(m["recipient"].get<std::string>());
      if (n == 1) {
        CHECK(m["activity"] == "mail");
        CHECK(m["run"] == 1);
      }
    }
    CHECK(n == expected.size());
    CHECK(mids.size() == n);
    CHECK(recipients == expected);

    // The task: completed once, its `out` and its log agree with the outbox.
    auto log = log_of(wd, data, id);
    int completions = 0, runs_ended = 0;
    for (auto& e : log) {
      auto& p = e["payload"];
      if (e["type"] == "run_ended") {
        ++runs_ended;
        CHECK(p["status"] == "completed");
      }
      if (e["type"] != "task_completed" || p["activity"] != "mail") continue;
      ++completions;
      REQUIRE(p["outputs"].size() == 1);
      CHECK(p["outputs"][0]["output"] == "out");
      CHECK(count_of(p["outputs"][0]["count"]) == expected.size());
      REQUIRE(p["logs"].size() == 1);
      CHECK(p["logs"][0].get<std::string>().rfind(
                "sent " + std::to_string(expected.size()) + ", failed 0, excluded: ", 0) == 0);
    }
    CHECK(completions == 1);
    CHECK(runs_ended == 1);
  }
  auto verify = run_tool(wd, "baton-replay", {"--data-dir", data, "verify"});
  INFO("baton-replay verify: " << verify.out << verify.err);
  CHECK(verify.code == 0);
  auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  WARN(expected.size() << " recipients x " << ids.size() << " campaign(s): " << k.kills
                       << " kills, " << k.interrupted << " during the send; prepare "
                       << secs(t0, prepared) << " s, send " << secs(prepared, sent_at)
                       << " s, checks " << secs(sent_at, steady::now()) << " s");
}
