// Delivery through the engine: channel activities run by the real data plane and channel
// runner against SQLite and the file outbox. In-process on a manual clock: waves wait durably
// and split the eligible recipients as planned (also across a crash at the end of a wave), send
// confirmation, test runs that send nothing, exclusions counted by reason, the throttle, and
// templates over enrichment columns. End to end: batond killed with SIGKILL again and again
// while it mails ~100 000 recipients, each of whom is in the outbox exactly once.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "actors/channel_runner.hpp"
#include "actors/data_runner.hpp"
#include "audience/backend.hpp"
#include "audience/loader.hpp"
#include "audience/schema.hpp"
#include "engine_fixture.hpp"
#include "log_copy.hpp"
#include "process_util.hpp"

using namespace baton;
using namespace baton::testing;

namespace {

std::string schema_file() {
  return std::string(BATON_SOURCE_DIR) + "/config/schema.json";
}

// A JSON number, or a 64-bit count that the event JSON writes as a string.
std::uint64_t count_of(const json& j) {
  return j.is_string() ? std::stoull(j.get<std::string>()) : j.get<std::uint64_t>();
}

// The messages of an outbox file, in the order they were written ([] when there is none).
std::vector<json> read_outbox(const std::string& path) {
  std::vector<json> out;
  if (!std::filesystem::exists(path)) return out;
  auto text = slurp(path);
  INFO(path << " ends with a torn line");
  CHECK((text.empty() || text.back() == '\n'));
  for (auto& l : lines_of(text)) {
    auto j = json::parse(l, nullptr, false);
    INFO("outbox line: " << l);
    REQUIRE_FALSE(j.is_discarded());
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<std::string> recipients_of(const std::vector<json>& msgs) {
  std::vector<std::string> out;
  for (auto& m : msgs) out.push_back(m["recipient"]);
  return out;
}

std::set<std::string> ids_of(const std::vector<json>& msgs) {
  std::set<std::string> out;
  for (auto& m : msgs) out.insert(m["message_id"].get<std::string>());
  return out;
}

// The data plane of a data dir: the sample entity schema (config/schema.json) applied, as
// `batonctl schema apply` does, and one CSV text per entity loaded.
void prepare_data(const std::string& data, const std::map<std::string, std::string>& csv) {
  std::filesystem::create_directories(data);
  auto v = parse_entity_schema(slurp(schema_file()));
  REQUIRE(v.ok());
  auto b = audience::open_backend("", data);
  REQUIRE(b.ok());
  REQUIRE(audience::apply_schema(**b, *v.schema).ok());
  std::ofstream(data + "/schema.json") << v.schema->to_json().dump(2) << "\n";
  for (auto& [entity, text] : csv) {
    auto path = data + "/" + entity + ".csv";
    std::ofstream(path) << text;
    audience::load_request req;
    req.entity = entity;
    req.path = path;
    auto r = audience::load_csv(**b, *v.schema, req);
    INFO("loading " << entity);
    REQUIRE(r.ok());
    REQUIRE(r->rejected == 0);
  }
}

// Profiles 1..n (first names "P<id>"); `email` overrides the address ("" = none) and
// `no_consent` lists those without email consent.
std::string profiles_csv(int n, const std::set<int>& no_consent = {},
                         const std::map<int, std::string>& email = {}) {
  std::string csv = "id,email,first_name,last_name,email_opt_in,household_id\n";
  for (int i = 1; i <= n; ++i) {
    auto addr = email.count(i) ? email.at(i) : "p" + std::to_string(i) + "@example.com";
    csv += std::to_string(i) + "," + addr + ",P" + std::to_string(i) + ",Doe," +
           (no_consent.count(i) ? "false" : "true") + "," + std::to_string(1 + (i - 1) % 2) + "\n";
  }
  return csv;
}

// build_audience (every profile) -> email `mail` with `mail_options` added.
std::string mail_campaign(const json& mail_options) {
  json mail = {{"id", "mail"},
               {"type", "email"},
               {"category", "marketing"},
               {"subject", "Hi {{first_name}}"},
               {"body", "Hello {{first_name}} {{last_name}}"}};
  mail.update(mail_options);
  return json{{"name", "delivery"},
              {"dimension", "profiles"},
              {"activities", {{{"id", "all"}, {"type", "build_audience"}}, mail}},
              {"transitions", {{{"from", "all"}, {"to", "mail"}}}}}
      .dump();
}

// The engine fixture takes its runner before its clock exists: this one forwards to the data
// plane + channel runner built afterwards on that clock. `slow_send`: a channel task moves the
// manual clock on by that much before it sends, as if sending took that long.
class late_runner final : public activity_runner {
 public:
  std::shared_ptr<activity_runner> inner;
  manual_clock* clock = nullptr;
  std::atomic<time_us> slow_send{0};
  result<task_outcome> run(const task_input& in) override {
    if (is_channel(in.act->type) && clock) clock->advance(slow_send.load());
    return inner->run(in);
  }
};

// An in-process engine on a manual clock whose runner sends through the file outbox of
// DATA_DIR (a scratch dir) in batches of `batch`. `wall_pacing`: the channel runner paces on
// the system clock (its throttle sleeps for real; the manual clock does not move meanwhile).
struct delivery_fixture {
  std::shared_ptr<late_runner> runner = std::make_shared<late_runner>();
  engine_fixture f{runner};
  std::string data = f.dir.str("data");

  explicit delivery_fixture(const std::map<std::string, std::string>& csv, std::size_t batch = 4,
                            bool wall_pacing = false) {
    prepare_data(data, csv);
    channel_runner_options c;
    c.data_dir = data;
    c.time_source = wall_pacing ? nullptr : &f.clk;
    c.batch = batch;
    runner->inner = make_data_runner({data, "", ""}, make_channel_runner(c));
    runner->clock = &f.clk;
  }
  std::string outbox_path() const { return data + "/outbox/email.jsonl"; }
  std::vector<json> sent() const { return read_outbox(outbox_path()); }
  json mail_task(const std::string& id) { return task_of(f.show(id)["runs"].back(), "mail"); }
  // Waits until the mail task waits for its next wave (until another time than `before`); the task.
  json await_wave_wait(const std::string& id, const json& before = nullptr) {
    auto v = f.await(
        id,
        [&](const json& v) {
          auto t = task_of(v["runs"].back(), "mail");
          return t.contains("waitUntil") && t["waitUntil"] != before;
        },
        "the mail task to wait for its next wave");
    return task_of(v["runs"].back(), "mail");
  }
  // The payloads of the campaign's delivery_progress events.
  std::vector<json> progress(const std::string& id) {
    std::vector<json> out;
    for (auto& e : f.events_of_type(id, "delivery_progress")) out.push_back(e["payload"]);
    return out;
  }
};

// reason -> count from a delivery_progress payload's exclusions.
std::map<std::string, std::uint64_t> exclusions_of(const json& progress) {
  std::map<std::string, std::uint64_t> out;
  for (auto& kv : progress["exclusions"])
    out[kv["key"]] = std::stoull(kv["value"].get<std::string>());
  return out;
}

}  // namespace

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

namespace {

// Who the sample data makes eligible for a marketing email, read from its CSV (not through the
// data plane): consent "true" and a non-blank address.
std::set<std::string> eligible_in_csv(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::string line;
  std::getline(in, line);
  auto split = [](const std::string& l) {
    std::vector<std::string> f;
    std::string cur;
    for (char ch : l) {
      if (ch == ',') {
        f.push_back(cur);
        cur.clear();
      } else {
        cur += ch;
      }
    }
    f.push_back(cur);
    return f;
  };
  auto header = split(line);
  auto col = [&](const std::string& name) {
    auto it = std::find(header.begin(), header.end(), name);
    REQUIRE(it != header.end());
    return static_cast<std::size_t>(it - header.begin());
  };
  auto id = col("id"), email = col("email"), consent = col("email_opt_in");
  std::set<std::string> out;
  while (std::getline(in, line)) {
    auto f = split(line);
    REQUIRE(f.size() == header.size());
    if (f[consent] == "true" && f[email].find_first_not_of(' ') != std::string::npos)
      out.insert(f[id]);
  }
  return out;
}

std::vector<json> log_of(const work_dir& wd, const std::string& data, const std::string& id) {
  auto r = run_tool(wd, "batonctl", {"--data-dir", data, "--json", "events", "--campaign", id});
  REQUIRE(r.code == 0);
  std::vector<json> out;
  for (auto& l : lines_of(r.out)) out.push_back(json::parse(l));
  return out;
}

}  // namespace

TEST_CASE("kill -9 of batond during a 100 000-recipient send: each recipient mailed exactly once",
          "[delivery][e2e][recovery]") {
  using steady = std::chrono::steady_clock;
  auto t0 = steady::now();
  work_dir wd;
  auto data = wd.str("data"), csv = wd.str("csv");
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
  // 150 000 profiles, of whom about 67 % are eligible (the sample has 70 % consent, 4 % blank
  // addresses): just over 100 000 recipients.
  auto gen = run_tool(
      wd, "baton-sample-data",
      {"--seed", "7", "--profiles", "150000", "--purchases-per-profile", "0", "--out", csv});
  REQUIRE(gen.code == 0);
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "schema", "apply", schema_file()}).code ==
          0);
  auto load = run_tool(wd, "batonctl",
                       {"--data-dir", data, "data", "load", "profiles", csv + "/profiles.csv"},
                       std::chrono::seconds(60));
  INFO("data load: " << load.out << load.err);
  REQUIRE(load.code == 0);
  auto expected = eligible_in_csv(csv + "/profiles.csv");
  REQUIRE(expected.size() > 100000);
  auto prepared = steady::now();

  auto campaign = wd.write("mail.json", mail_campaign(json::object()));
  std::vector<std::string> ids;
  std::optional<daemon_process> d;
  auto start_campaign = [&] {
    auto ctl = [&](std::vector<std::string> args) {
      args.insert(args.begin(), {"--connect", d->address()});
      auto r = run_tool(wd, "batonctl", args);
      INFO("batonctl: " << r.err);
      REQUIRE(r.code == 0);
      return lines_of(r.out).at(0);
    };
    ids.push_back(ctl({"campaign", "create", campaign}));
    ctl({"campaign", "publish", ids.back()});
  };

  // Kill at random moments, restart, until the run completes. Kills that found the mail task
  // running (started, not completed) interrupted the send; at least 10 must. Should one send
  // end before that (a fast machine), another campaign mails everyone again.
  std::mt19937 rng(20261122);
  int interrupted = 0, kills = 0;
  std::string trail;
  d.emplace(wd, data);
  start_campaign();
  for (;;) {
    int delay = 100 + static_cast<int>(rng() % 1900);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    REQUIRE(d->kill9() == 128 + SIGKILL);
    ++kills;
    bool started = false, completed = false, ended = false;
    for (auto& e : log_of(wd, data, ids.back())) {
      if (e["type"] == "task_started" && e["payload"]["activity"] == "mail") started = true;
      if (e["type"] == "task_completed" && e["payload"]["activity"] == "mail") completed = true;
      if (e["type"] == "run_ended") ended = true;
    }
    bool cut = started && !completed;
    interrupted += cut;
    trail += " " + std::to_string(delay) + (cut ? "ms*" : "ms");
    INFO("kills after (ms; * = during the send):" << trail);
    REQUIRE(steady::now() - t0 < std::chrono::seconds(240));
    d.emplace(wd, data);
    if (ended) {
      if (interrupted >= 10) break;
      start_campaign();
    }
  }
  CHECK(d->stop() == 0);
  auto sent_at = steady::now();

  INFO("kills after (ms; * = during the send):" << trail);
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
  WARN(expected.size() << " recipients x " << ids.size() << " campaign(s): " << kills << " kills, "
                       << interrupted << " during the send; prepare " << secs(t0, prepared)
                       << " s, send " << secs(prepared, sent_at) << " s, checks "
                       << secs(sent_at, steady::now()) << " s");
}
