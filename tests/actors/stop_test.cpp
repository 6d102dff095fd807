// Stopping is not crashing, and reading is not running (issues 18 A1/A3 and 21), through the
// real binaries and real servers: a read command in embedded mode starts no work and appends
// nothing; SIGTERM of batond and Ctrl-C of `batonctl run` in the middle of a send stop it
// gracefully, and after `campaign wait` every recipient has exactly one message at the SMTP
// sink (counted by X-Baton-Message-Id) or at the webhook receiver (counted by Idempotency-Key);
// a second Ctrl-C stops at once and leaves at most the message in flight in doubt, counted as
// such by the report; a send waiting for its confirmation under `run` says how to give it.
#include "delivery_fixture.hpp"
#include "support/servers.hpp"

using namespace baton;
using namespace baton::testing;
namespace servers = baton::test_servers;

namespace {

// The data dir's `email` channel routed to `entry`.
void route_email(const std::string& data, const json& entry) {
  auto path = data + "/config.json";
  auto config = json::parse(slurp(path));
  config["channels"]["email"] = entry;
  std::ofstream(path) << config.dump(2) << "\n";
}

json smtp_entry(const servers::smtp_sink& sink) {
  return {{"connector", "smtp"},
          {"url", sink.url()},
          {"from", "Shop <news@shop.example>"},
          {"timeoutSeconds", 5}};
}

// message id -> copies received by the sink.
std::map<std::string, int> copies_at(const servers::smtp_sink& sink) {
  std::map<std::string, int> out;
  for (auto& m : sink.messages()) ++out[m["X-Baton-Message-Id"]];
  return out;
}

int extra_copies(const std::map<std::string, int>& copies) {
  int extra = 0;
  for (auto& [id, n] : copies) extra += n - 1;
  return extra;
}

std::uint64_t last_seq(const work_dir& wd, const std::string& data) {
  auto r = run_tool(wd, "batonctl", {"--data-dir", data, "--json", "events"});
  REQUIRE(r.code == 0);
  auto lines = lines_of(r.out);
  return lines.empty() ? 0 : json::parse(lines.back())["seq"].get<std::uint64_t>();
}

json report_of(const work_dir& wd, const std::string& data, const std::string& id) {
  auto r = run_tool(wd, "batonctl", {"--data-dir", data, "--json", "report", id});
  REQUIRE(r.code == 0);
  return json::parse(r.out)["activities"][0];
}

int attempts_of(const std::vector<json>& log, const std::string& activity) {
  int n = 0;
  for (auto& e : log)
    if (e["type"] == "task_started" && e["payload"]["activity"] == activity) ++n;
  return n;
}

// Waits until `pred` holds (at most `seconds`).
template <class Pred>
bool eventually(Pred pred, int seconds = 60) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// A mail campaign throttled so that its send takes a few seconds.
std::string slow_mail(int per_second) {
  return mail_campaign({{"throttle", {{"perSecond", per_second}}}});
}

}  // namespace

TEST_CASE("embedded reads start no work, resume says nothing runs until wait, wait sends once",
          "[delivery][e2e][stop][smtp]") {
  work_dir wd;
  auto data = wd.str("data");
  auto expected = init_with_sample_profiles(wd, data, 130);
  REQUIRE(expected.size() > 50);
  int down_port = servers::free_port();
  route_email(data, {{"connector", "smtp"},
                     {"url", "smtp://127.0.0.1:" + std::to_string(down_port)},
                     {"from", "Shop <news@shop.example>"},
                     {"timeoutSeconds", 2}});
  auto campaign = wd.write("mail.json", mail_campaign(json::object()));

  // The sink is down: the run suspends (exit 1) and says how to go on.
  auto run =
      run_tool(wd, "batonctl", {"--data-dir", data, "run", campaign}, std::chrono::seconds(60));
  INFO(run.err);
  REQUIRE(run.code == 1);
  CHECK(run.err.find("campaign resume") != std::string::npos);
  auto id =
      json::parse(
          run_tool(wd, "batonctl", {"--data-dir", data, "--json", "campaign", "list"}).out)[0]["id"]
          .get<std::string>();

  servers::smtp_sink sink(true, {}, down_port);
  auto resumed = run_tool(wd, "batonctl", {"--data-dir", data, "campaign", "resume", id});
  REQUIRE(resumed.code == 0);
  CHECK(resumed.err.find("nothing runs until `batonctl campaign wait " + id) != std::string::npos);
  auto before = last_seq(wd, data);
  for (auto& read : std::vector<std::vector<std::string>>{{"campaign", "show", id},
                                                          {"campaign", "list"},
                                                          {"campaign", "graph", id},
                                                          {"report", id},
                                                          {"events", "--campaign", id}}) {
    read.insert(read.begin(), {"--data-dir", data});
    auto r = run_tool(wd, "batonctl", read);
    INFO(read[2] << " " << r.err);
    CHECK(r.code == 0);
  }
  CHECK(last_seq(wd, data) == before);  // no read appended anything
  CHECK(sink.messages().empty());       // and none sent a message

  auto waited = run_tool(wd, "batonctl", {"--data-dir", data, "campaign", "wait", id},
                         std::chrono::seconds(60));
  INFO(waited.err);
  REQUIRE(waited.code == 0);
  auto copies = copies_at(sink);
  CHECK(copies.size() == expected.size());
  CHECK(extra_copies(copies) == 0);
  CHECK(report_of(wd, data, id)["sent"] == expected.size());
  // A second wait, a show and a report: nothing more.
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "campaign", "wait", id}).code == 0);
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "campaign", "show", id}).code == 0);
  CHECK(sink.messages().size() == expected.size());
}

TEST_CASE("a build_audience after publish, show, show, wait runs once", "[e2e][stop]") {
  work_dir wd;
  auto data = wd.str("data");
  init_with_sample_profiles(wd, data, 50);
  auto campaign = wd.write("mail.json", mail_campaign(json::object()));
  auto created = run_tool(wd, "batonctl", {"--data-dir", data, "campaign", "create", campaign});
  REQUIRE(created.code == 0);
  auto id = lines_of(created.out).at(0);
  for (auto verb : {"publish", "show", "show"}) {
    auto r = run_tool(wd, "batonctl", {"--data-dir", data, "campaign", verb, id});
    INFO(verb << ": " << r.err);
    REQUIRE(r.code == 0);
  }
  CHECK(attempts_of(log_of(wd, data, id), "all") == 0);  // nothing started yet
  auto w = run_tool(wd, "batonctl", {"--data-dir", data, "campaign", "wait", id},
                    std::chrono::seconds(60));
  INFO(w.err);
  REQUIRE(w.code == 0);
  auto log = log_of(wd, data, id);
  CHECK(attempts_of(log, "all") == 1);
  CHECK(attempts_of(log, "mail") == 1);
}

TEST_CASE("SIGTERM of batond in the middle of an SMTP send: each recipient exactly once",
          "[delivery][e2e][stop][smtp]") {
  work_dir wd;
  auto data = wd.str("data");
  auto expected = init_with_sample_profiles(wd, data, 3000);
  servers::smtp_sink sink;
  route_email(data, smtp_entry(sink));
  auto campaign = wd.write("mail.json", slow_mail(500));
  std::string id;
  {
    daemon_process d(wd, data);
    auto ctl = [&](std::vector<std::string> args) {
      args.insert(args.begin(), {"--connect", d.address()});
      return run_tool(wd, "batonctl", args);
    };
    auto created = ctl({"campaign", "create", campaign});
    REQUIRE(created.code == 0);
    id = lines_of(created.out).at(0);
    REQUIRE(ctl({"campaign", "publish", id}).code == 0);
    REQUIRE(eventually([&] { return sink.totals().messages >= 300; }));
    auto t0 = std::chrono::steady_clock::now();
    CHECK(d.stop() == 0);  // SIGTERM: graceful
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
  }
  auto at_stop = copies_at(sink).size();
  CHECK(at_stop < expected.size());  // the stop came in the middle of the send
  {
    daemon_process d(wd, data);
    auto w = run_tool(wd, "batonctl", {"--connect", d.address(), "campaign", "wait", id},
                      std::chrono::seconds(60));
    INFO(w.err);
    REQUIRE(w.code == 0);
    CHECK(d.stop() == 0);
  }
  auto copies = copies_at(sink);
  CHECK(copies.size() == expected.size());
  CHECK(extra_copies(copies) == 0);
  auto rep = report_of(wd, data, id);
  CHECK(rep["sent"] == expected.size());
  CHECK(rep["inDoubt"] == 0);
  CHECK(rep["repeated"] == 0);
  WARN("SIGTERM after " << at_stop << " of " << expected.size() << " messages");
}

namespace {

// Ctrl-C (SIGINT) of an embedded `batonctl run` once `sent()` messages arrived, then
// `campaign wait`; returns the campaign id.
// A second SIGINT is sent once the first one's stop has begun (two at once would be one: a
// pending signal is not queued twice).
template <class Sent>
std::string interrupt_run(const work_dir& wd, const std::string& data, const std::string& file,
                          Sent sent, int signals, long after = 300) {
  auto base = wd.fresh("run");
  child_process run({tool_path("batonctl"), "--data-dir", data, "run", file}, base + ".out",
                    base + ".err");
  REQUIRE(eventually([&] { return sent() >= after; }));
  run.signal(SIGINT);
  if (signals == 2) {
    REQUIRE(eventually([&] { return run.err().find("stopping:") != std::string::npos; }));
    run.signal(SIGINT);
  }
  auto t0 = std::chrono::steady_clock::now();
  CHECK(run.wait(std::chrono::seconds(20)) == 130);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
  auto err = run.err();
  INFO(err);
  auto id =
      json::parse(
          run_tool(wd, "batonctl", {"--data-dir", data, "--json", "campaign", "list"}).out)[0]["id"]
          .get<std::string>();
  if (signals == 1) {
    CHECK(err.find("interrupted: " + id) != std::string::npos);
  } else {
    CHECK(err.find("stopped at once") != std::string::npos);
  }
  CHECK(err.find("batonctl campaign wait") != std::string::npos);
  auto w = run_tool(wd, "batonctl", {"--data-dir", data, "campaign", "wait", id},
                    std::chrono::seconds(60));
  INFO(w.err);
  REQUIRE(w.code == 0);
  return id;
}

}  // namespace

TEST_CASE("Ctrl-C of an embedded `batonctl run` during an SMTP send, then wait: exactly once",
          "[delivery][e2e][stop][smtp]") {
  work_dir wd;
  auto data = wd.str("data");
  auto expected = init_with_sample_profiles(wd, data, 3000);
  servers::smtp_sink sink;
  route_email(data, smtp_entry(sink));
  auto file = wd.write("mail.json", slow_mail(500));
  auto id = interrupt_run(
      wd, data, file, [&] { return sink.totals().messages; }, 1);
  auto copies = copies_at(sink);
  CHECK(copies.size() == expected.size());
  CHECK(extra_copies(copies) == 0);
  auto rep = report_of(wd, data, id);
  CHECK(rep["sent"] == expected.size());
  CHECK(rep["inDoubt"] == 0);
}

TEST_CASE("Ctrl-C of an embedded `batonctl run` during a webhook send, then wait: exactly once",
          "[delivery][e2e][stop][webhook]") {
  work_dir wd;
  auto data = wd.str("data");
  auto expected = init_with_sample_profiles(wd, data, 3000);
  servers::webhook_receiver rx;
  route_email(data, {{"connector", "webhook"}, {"url", rx.url()}});
  auto file = wd.write("mail.json", slow_mail(500));
  auto id = interrupt_run(
      wd, data, file,
      [&] {
        std::lock_guard lock(rx.mu);
        return static_cast<long>(rx.bodies.size());
      },
      1);
  std::lock_guard lock(rx.mu);
  std::set<std::string> keys(rx.keys.begin(), rx.keys.end());
  CHECK(keys.size() == expected.size());
  CHECK(rx.keys.size() == expected.size());  // not even a replay answered 409
  CHECK(rx.bodies.size() == expected.size());
  CHECK(report_of(wd, data, id)["sent"] == expected.size());
}

TEST_CASE("a second Ctrl-C stops at once: at most the messages in flight are in doubt, and counted",
          "[delivery][e2e][stop][smtp]") {
  work_dir wd;
  auto data = wd.str("data");
  auto expected = init_with_sample_profiles(wd, data, 40);
  // The sink waits 1 s before it answers DATA: the first Ctrl-C's stop waits for that answer,
  // and the second Ctrl-C comes while it does.
  servers::smtp_sink sink(true, {"-w", "1"});
  route_email(data, smtp_entry(sink));
  auto file = wd.write("mail.json", mail_campaign(json::object()));
  auto id = interrupt_run(
      wd, data, file, [&] { return sink.totals().messages; }, 2, 2);
  auto copies = copies_at(sink);
  CHECK(copies.size() == expected.size());
  auto rep = report_of(wd, data, id);
  CHECK(rep["sent"] == expected.size());
  // At most one message per connection (the default: 4) was between its hand-over and its
  // recorded answer.
  CHECK(rep["inDoubt"].get<int>() <= 4);
  CHECK(extra_copies(copies) <= rep["inDoubt"].get<int>());
}

TEST_CASE("`run` with a send confirmation says how to confirm, and the send follows",
          "[delivery][e2e][stop]") {
  work_dir wd;
  auto data = wd.str("data");
  auto expected = init_with_sample_profiles(wd, data, 60);
  auto file = wd.write("mail.json", mail_campaign({{"confirm", true}}));
  auto run = run_tool(wd, "batonctl", {"--data-dir", data, "run", file}, std::chrono::seconds(30));
  INFO(run.err);
  CHECK(run.code == 1);  // not a terminal: no prompt, the run waits for a person
  auto id =
      json::parse(
          run_tool(wd, "batonctl", {"--data-dir", data, "--json", "campaign", "list"}).out)[0]["id"]
          .get<std::string>();
  CHECK(run.err.find("batonctl campaign confirm " + id + " mail") != std::string::npos);
  auto confirmed =
      run_tool(wd, "batonctl", {"--data-dir", data, "campaign", "confirm", id, "mail"});
  INFO(confirmed.err);
  REQUIRE(confirmed.code == 0);
  auto w = run_tool(wd, "batonctl", {"--data-dir", data, "campaign", "wait", id},
                    std::chrono::seconds(60));
  INFO(w.err);
  REQUIRE(w.code == 0);
  CHECK(ids_of(read_outbox(data + "/outbox/email.jsonl")).size() == expected.size());
}
