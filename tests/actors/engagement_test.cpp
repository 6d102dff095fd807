// The engagement loop end to end through the real binaries (INTERFACES.md §9): a marketing
// campaign's outbox lines carry tracked links, the open pixel and the RFC 8058 headers; a real
// HTTP client clicks, opens and unsubscribes through `batond --http` and the report counts it;
// forged tokens record nothing; signed provider webhooks; postfix DSNs through
// `batonctl bounces ingest`; the suppression list and its CLI; fatigue across campaigns.
#include <regex>

#include <httplib.h>

#include "audience/message_links.hpp"
#include "channels/message.hpp"
#include "channels/tracking_token.hpp"
#include "delivery_fixture.hpp"
#include "log_copy.hpp"
#include "support/servers.hpp"

using namespace baton;
using namespace baton::testing;

namespace {

json json_out(const run_result& r) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  return json::parse(lines_of(r.out).back());
}

struct engagement_dir {
  work_dir wd;
  std::string data = wd.str("data");
  explicit engagement_dir(int profiles = 6, const std::set<int>& no_consent = {}) {
    REQUIRE(ctl({"init"}).code == 0);
    REQUIRE(ctl({"schema", "apply", schema_file()}).code == 0);
    REQUIRE(ctl({"data", "load", "profiles",
                 wd.write("profiles.csv", profiles_csv(profiles, no_consent))})
                .code == 0);
  }
  run_result ctl(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--data-dir", data});
    return run_tool(wd, "batonctl", args, std::chrono::seconds(60));
  }
  // Edits config.json (written by init).
  void configure(const std::function<void(json&)>& edit) const {
    auto c = json::parse(slurp(data + "/config.json"));
    edit(c);
    std::ofstream(data + "/config.json") << c.dump(2);
  }
  // Runs a campaign; its id.
  std::string run(const std::string& name, const json& campaign) const {
    auto r = json_out(ctl({"--json", "run", wd.write(name + ".json", campaign.dump())}));
    REQUIRE(r["lastRun"]["status"] == "completed");
    return r["id"].get<std::string>();
  }
  json report(const std::string& id, const std::string& connect = "") const {
    std::vector<std::string> args = {"--json", "report", id};
    if (!connect.empty()) args.insert(args.begin(), {"--connect", connect});
    auto r = connect.empty() ? ctl(args) : run_tool(wd, "batonctl", args);
    return json_out(r)["activities"][0];
  }
  std::map<std::string, json> outbox(const std::string& campaign) const {
    std::map<std::string, json> out;
    for (auto& m : read_outbox(data + "/outbox/email.jsonl"))
      if (m["campaign"] == campaign) out[m["recipient"].get<std::string>()] = m;
    return out;
  }
};

json tracked_campaign(const std::string& name, json extra = json::object()) {
  auto c = json::parse(mail_campaign(
      {{"html",
        "<html><body><p>Hi {{first_name}}</p><a href=\"https://shop.example/sale\">Sale</a>"
        "</body></html>"},
       {"body", "Hello {{first_name}}, see https://shop.example/text-only."}}));
  c["name"] = name;
  c["activities"][1].update(extra);
  return c;
}

// The path (/t/x/TOKEN) of every tracking URL of `text` under the default base URL.
std::vector<std::string> tracking_paths(const std::string& text, char kind) {
  std::vector<std::string> out;
  std::regex re(std::string("http://127\\.0\\.0\\.1:8080(/t/") + kind + "/[A-Za-z0-9_-]+)");
  for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it)
    out.push_back((*it)[1]);
  return out;
}

httplib::Client client_of(const std::string& address) {
  auto colon = address.rfind(':');
  httplib::Client c(address.substr(0, colon), std::stoi(address.substr(colon + 1)));
  c.set_connection_timeout(10);
  c.set_read_timeout(30);
  return c;
}

bool consent_of(const std::string& data, int id) {
  auto b = audience::open_backend("", data);
  REQUIRE(b.ok());
  auto n = audience::query_int(
      **b, "SELECT count(*) FROM profiles WHERE id = " + std::to_string(id) + " AND email_opt_in",
      {});
  REQUIRE(n.ok());
  return *n == 1;
}

std::string hex(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    const char* d = "0123456789abcdef";
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

}  // namespace

TEST_CASE("tracked links, opens and one-click unsubscribe through batond --http",
          "[engagement][tracking][e2e]") {
  engagement_dir e;
  auto id = e.run("first", tracked_campaign("first"));
  auto sent = e.outbox(id);
  REQUIRE(sent.size() == 6);
  auto& m1 = sent.at("1");
  // The rendered message: links rewritten, pixel added, RFC 8058 headers, no original URL left.
  std::string html = m1["html"];
  std::string body = m1["body"];
  CHECK(html.find("https://shop.example/sale") == std::string::npos);
  CHECK(body.find("https://shop.example/text-only") == std::string::npos);
  CHECK_THAT(body, Catch::Contains("Hello P1, see http://127.0.0.1:8080/t/c/"));
  auto clicks = tracking_paths(html, 'c');
  auto opens = tracking_paths(html, 'o');
  REQUIRE(clicks.size() == 1);
  REQUIRE(opens.size() == 1);
  REQUIRE(m1["headers"].is_object());
  CHECK(m1["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click");
  auto unsub1 = tracking_paths(m1["headers"]["List-Unsubscribe"].get<std::string>(), 'u');
  REQUIRE(unsub1.size() == 1);
  auto unsub2 = tracking_paths(sent.at("2")["headers"]["List-Unsubscribe"].get<std::string>(), 'u');
  REQUIRE(unsub2.size() == 1);

  {
    daemon_process d(e.wd, e.data, {"--http", "127.0.0.1:0"});
    auto http = client_of(d.http_address());
    auto r = http.Get(clicks[0].c_str());
    REQUIRE(r);
    CHECK(r->status == 302);
    CHECK(r->get_header_value("Location") == "https://shop.example/sale");
    // A query string changes nothing: the redirect is the message's own link.
    r = http.Get((clicks[0] + "?url=https://evil.example/").c_str());
    REQUIRE(r);
    CHECK(r->status == 302);
    CHECK(r->get_header_value("Location") == "https://shop.example/sale");
    // Forged, altered, wrong kind, path suffix, unknown message: 404, nothing recorded.
    auto altered = clicks[0];
    altered.back() = altered.back() == 'A' ? 'B' : 'A';
    auto signer = channels::token_signer::from_hex(
        json::parse(slurp(e.data + "/config.json"))["tracking"]["secret"].get<std::string>());
    REQUIRE(signer.ok());
    auto unknown = signer->make(channels::token_kind::click, std::string(32, 'f'), 0);
    REQUIRE(unknown.ok());
    auto other_key = channels::token_signer::from_hex(std::string(64, '1'));
    auto forged = other_key->make(channels::token_kind::click, m1["message_id"].get<std::string>());
    for (auto path :
         {altered, clicks[0] + "/more", "/t/o/" + clicks[0].substr(5), "/t/c/" + unknown.value(),
          "/t/c/" + forged.value(), std::string("/t/c/"), "/t/c/" + clicks[0].substr(5) + "%2e"}) {
      auto bad = http.Get(path.c_str());
      REQUIRE(bad);
      INFO(path);
      CHECK(bad->status == 404);
    }
    r = http.Get(opens[0].c_str());
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->get_header_value("Content-Type") == "image/gif");
    auto a = e.report(id, d.address());
    CHECK(a["clicks"] == 2);
    CHECK(a["uniqueClicks"] == 1);
    CHECK(a["opens"] == 1);  // a click records no open
    CHECK(a["uniqueOpens"] == 1);
    CHECK(a["unsubscribes"] == 0);

    // GET shows a page with a form (prefetchers never unsubscribe); the POST unsubscribes.
    r = http.Get(unsub2[0].c_str());
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK_THAT(r->body, Catch::Contains("<form method=\"post\""));
    CHECK(e.report(id, d.address())["unsubscribes"] == 0);
    CHECK(consent_of(e.data, 2));
    r = http.Post(unsub2[0].c_str(), "List-Unsubscribe=One-Click",
                  "application/x-www-form-urlencoded");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(e.report(id, d.address())["unsubscribes"] == 1);
    CHECK_FALSE(consent_of(e.data, 2));
    auto list = json_out(e.ctl({"--json", "suppression", "list"}));
    REQUIRE(list.size() == 1);
    CHECK(list[0]["address"] == "p2@example.com");
    CHECK(list[0]["channel"] == "email");
    CHECK(list[0]["reason"] == "unsubscribe");
    CHECK(d.stop() == 0);
  }
  // The hits are events: after a restart the report is the same.
  auto a = e.report(id);
  CHECK(a["clicks"] == 2);
  CHECK(a["opens"] == 1);
  CHECK(a["unsubscribes"] == 1);

  // The next campaign excludes the unsubscribed address once, as `suppressed`.
  auto next = e.run("second", tracked_campaign("second"));
  auto n = e.report(next);
  CHECK(n["sent"] == 5);
  CHECK(n["exclusions"] == json{{"suppressed", 1}});
  CHECK_FALSE(e.outbox(next).count("2"));
  // Transactional mail carries no List-Unsubscribe header and goes to the unsubscribed one.
  auto tx = e.run("receipt", tracked_campaign("receipt", {{"category", "transactional"}}));
  auto receipts = e.outbox(tx);
  REQUIRE(receipts.count("1"));
  CHECK(receipts.at("1")["headers"] == json::object());
}

TEST_CASE("view in browser: /t/v shows the message as its recipient got it, and nothing else",
          "[engagement][tracking][e2e]") {
  engagement_dir e;
  auto c = tracked_campaign("viewed");
  c["activities"][1]["html"] =
      "<html><body><p>Hi {{first_name}}</p><a href=\"{{baton.view_url}}\">View online</a>"
      "<a href=\"https://shop.example/sale\">Sale</a></body></html>";
  auto id = e.run("viewed", c);
  auto sent = e.outbox(id);
  REQUIRE(sent.size() == 6);
  auto v1 = tracking_paths(sent.at("1")["html"].get<std::string>(), 'v');
  auto v2 = tracking_paths(sent.at("2")["html"].get<std::string>(), 'v');
  REQUIRE(v1.size() == 1);
  REQUIRE(v2.size() == 1);
  daemon_process d(e.wd, e.data, {"--http", "127.0.0.1:0"});
  auto http = client_of(d.http_address());
  auto r = http.Get(v1[0].c_str());
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK_THAT(r->get_header_value("Content-Type"), Catch::StartsWith("text/html"));
  CHECK_THAT(r->body, Catch::Contains("Hi P1"));
  CHECK(r->body.find("Hi P2") == std::string::npos);
  // The page is the message as sent: its links are the tracked ones, not the originals.
  CHECK(r->body.find("https://shop.example/sale") == std::string::npos);
  CHECK_THAT(r->body, Catch::Contains("/t/c/"));
  r = http.Get(v2[0].c_str());
  REQUIRE(r);
  CHECK_THAT(r->body, Catch::Contains("Hi P2"));
  // An altered token, or a click token on the view path: 404.
  auto altered = v1[0];
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  auto click = tracking_paths(sent.at("1")["html"].get<std::string>(), 'c');
  REQUIRE_FALSE(click.empty());
  for (auto path : {altered, "/t/v/" + click[0].substr(5)}) {
    auto bad = http.Get(path.c_str());
    REQUIRE(bad);
    INFO(path);
    CHECK(bad->status == 404);
  }
  // A view is not an open or a click.
  auto a = e.report(id, d.address());
  CHECK(a["opens"] == 0);
  CHECK(a["clicks"] == 0);
  CHECK(d.stop() == 0);
}

TEST_CASE("signed provider webhooks record bounces and opens, bad ones record nothing",
          "[engagement][webhook][e2e]") {
  engagement_dir e;
  const std::string secret = "hook-secret-for-the-test";
  e.configure([&](json& c) { c["tracking"]["hooks"]["esp"] = {{"secret", secret}}; });
  auto id = e.run("first", tracked_campaign("first"));
  auto sent = e.outbox(id);
  REQUIRE(sent.size() == 6);
  json body = {{"events",
                {{{"type", "bounce"},
                  {"messageId", sent.at("3")["message_id"]},
                  {"address", "p3@example.com"},
                  {"class", "hard"},
                  {"time", "2026-12-01T10:00:00Z"}},
                 {{"type", "open"},
                  {"messageId", sent.at("4")["message_id"]},
                  {"time", "2026-12-01T10:01:00Z"}},
                 {{"type", "click"},
                  {"messageId", std::string(32, 'a')},
                  {"time", "2026-12-01T10:01:00Z"}}}}};
  auto text = body.dump();
  auto sig = "sha256=" + hex(channels::hmac_sha256(secret, text));
  {
    daemon_process d(e.wd, e.data, {"--http", "127.0.0.1:0"});
    auto http = client_of(d.http_address());
    auto bad = http.Post("/t/hooks/esp",
                         httplib::Headers{{"X-Baton-Signature", "sha256=" + std::string(64, '0')}},
                         text, "application/json");
    REQUIRE(bad);
    CHECK(bad->status == 401);
    auto none = http.Post("/t/hooks/other", httplib::Headers{{"X-Baton-Signature", sig}}, text,
                          "application/json");
    REQUIRE(none);
    CHECK(none->status == 404);
    auto a = e.report(id, d.address());
    CHECK(a["bounced"] == 0);
    CHECK(a["opens"] == 0);
    for (int i = 0; i < 2; ++i) {  // a replayed webhook changes nothing
      auto r = http.Post("/t/hooks/esp", httplib::Headers{{"X-Baton-Signature", sig}}, text,
                         "application/json");
      REQUIRE(r);
      CHECK(r->status == 200);
      CHECK(json::parse(r->body) == json{{"accepted", 2}, {"unmatched", 1}});
    }
    a = e.report(id, d.address());
    CHECK(a["bounced"] == 1);
    CHECK(a["opens"] == 1);
    CHECK(d.stop() == 0);
  }
  auto list = json_out(e.ctl({"--json", "suppression", "list"}));
  REQUIRE(list.size() == 1);
  CHECK(list[0]["address"] == "p3@example.com");
  CHECK(list[0]["reason"] == "hard_bounce");
  CHECK(list[0]["source"] == "webhook:esp");
}

TEST_CASE("bounces ingest reads postfix DSNs, suppresses, and counts duplicates",
          "[engagement][bounces][e2e]") {
  engagement_dir e;
  auto id = e.run("first", tracked_campaign("first"));
  auto sent = e.outbox(id);
  REQUIRE(sent.size() == 6);
  // A DSN postfix wrote, about the message sent to `recipient` (its id and address put in).
  auto fixture = [&](const std::string& name, const std::string& old_id,
                     const std::string& old_address, const std::string& recipient) {
    auto text = slurp(std::string(BATON_SOURCE_DIR) + "/tests/fixtures/dsn/" + name);
    REQUIRE_FALSE(text.empty());
    auto replace = [&](const std::string& from, const std::string& to) {
      for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size())
        text.replace(at, from.size(), to);
    };
    replace(old_id, sent.at(recipient)["message_id"].get<std::string>());
    replace(old_address, sent.at(recipient)["address"].get<std::string>());
    return text;
  };
  std::filesystem::create_directories(e.wd.str("mail/new"));
  std::filesystem::create_directories(e.wd.str("mail/cur"));
  std::filesystem::create_directories(e.wd.str("mail/tmp"));
  e.wd.write("mail/new/1.eml", fixture("postfix-hard-utf8.eml", "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
                                       "reject1@example.com", "3"));
  e.wd.write("mail/cur/2.eml",
             fixture("postfix-soft-expired.eml", "1a1b2c3d4e5f60718293a4b5c6d7e8f9",
                     "later1@example.com", "4"));
  e.wd.write("mail/new/3.eml", "this is not a mail at all\n");
  auto r = e.ctl({"bounces", "ingest", e.wd.str("mail")});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out == "hard 1 soft 1 complaint 0 unsubscribe 0 unmatched 1 duplicate 0\n");
  auto again = json_out(e.ctl({"--json", "bounces", "ingest", e.wd.str("mail")}));
  CHECK(again == json{{"hard", 0},
                      {"soft", 0},
                      {"complaint", 0},
                      {"unsubscribe", 0},
                      {"unmatched", 1},
                      {"duplicate", 2}});
  auto missing = e.ctl({"bounces", "ingest", e.wd.str("nowhere")});
  CHECK(missing.code == 2);
  CHECK_THAT(missing.err, Catch::StartsWith("error: "));
  auto a = e.report(id);
  CHECK(a["bounced"] == 1);
  CHECK(a["softBounced"] == 1);
  // One hard bounce suppresses; one soft bounce of three does not.
  auto list = json_out(e.ctl({"--json", "suppression", "list"}));
  REQUIRE(list.size() == 1);
  CHECK(list[0]["reason"] == "hard_bounce");
  auto next = e.run("second", tracked_campaign("second"));
  CHECK(e.report(next)["exclusions"] == json{{"suppressed", 1}});
  CHECK(e.report(next)["sent"] == 5);
}

TEST_CASE("fatigue rules hold across two campaigns and spare transactional mail",
          "[engagement][fatigue][e2e]") {
  engagement_dir e(6, {6});
  e.configure([](json& c) {
    c["deliverability"]["fatigue"] =
        json::array({{{"channel", "email"}, {"category", "marketing"}, {"max", 1}, {"days", 7}}});
  });
  auto first = e.run("first", tracked_campaign("first"));
  CHECK(e.report(first)["sent"] == 5);
  auto second = e.run("second", tracked_campaign("second"));
  auto s = e.report(second);
  CHECK(s["sent"] == 0);
  CHECK(s["exclusions"] == json{{"fatigue", 5}, {"no consent", 1}});
  auto tx = e.run("receipt", tracked_campaign("receipt", {{"category", "transactional"}}));
  CHECK(e.report(tx)["sent"] == 6);  // transactional: no consent needed, no fatigue
}

TEST_CASE("batonctl suppression add, list, export, import and remove",
          "[engagement][suppression][e2e]") {
  engagement_dir e;
  REQUIRE(e.ctl({"suppression", "add", " P1@Example.com ", "--channel", "email"}).code == 0);
  REQUIRE(
      e.ctl({"suppression", "add", "+33 6 12 34 56 78", "--channel", "sms", "--reason", "legal"})
          .code == 0);
  auto exported = e.ctl({"suppression", "export"});
  REQUIRE(exported.code == 0);
  CHECK(exported.out ==
        "address,channel,reason\np1@example.com,email,manual\n+33612345678,sms,legal\n");
  auto only = e.ctl({"suppression", "export", "--channel", "sms"});
  CHECK(only.out == "address,channel,reason\n+33612345678,sms,legal\n");
  CHECK(e.ctl({"suppression", "add", "x@y.z", "--channel", "fax"}).code == 2);
  CHECK(e.ctl({"suppression", "remove", "nobody@example.com", "--channel", "email"}).code == 4);
  REQUIRE(e.ctl({"suppression", "remove", "p1@example.com", "--channel", "email"}).code == 0);
  auto file = e.wd.write("list.csv", exported.out);
  auto imported = json_out(e.ctl({"--json", "suppression", "import", file}));
  CHECK(imported == json{{"added", 1}, {"already", 1}});
  auto list = json_out(e.ctl({"--json", "suppression", "list", "--channel", "email"}));
  REQUIRE(list.size() == 1);
  CHECK(list[0]["source"] == "import");
  auto bad = e.wd.write("bad.csv", "address,channel,reason\nx@y.z,fax,manual\n");
  CHECK(e.ctl({"suppression", "import", bad}).code == 2);
  CHECK(json_out(e.ctl({"--json", "suppression", "list"})).size() == 2);  // nothing written
  // A suppressed address is excluded as such, before consent.
  auto id = e.run("first", tracked_campaign("first"));
  CHECK(e.report(id)["exclusions"] == json{{"suppressed", 1}});
}

TEST_CASE("the engine sends tracked MIME over SMTP and keeps each message's link table",
          "[engagement][tracking][smtp]") {
  baton::test_servers::smtp_sink sink;
  json connectors = {{"email",
                      {{"connector", "smtp"},
                       {"url", sink.url()},
                       {"from", "Shop <news@shop.example>"},
                       {"messageIdDomain", "shop.example"}}}};
  tracking_config t;
  t.base_url = "https://t.shop.example";
  t.secret = std::string(64, 'b');
  auto setup = channels::make_tracking_setup(t);
  REQUIRE(setup.ok());
  delivery_fixture d({{"profiles", profiles_csv(3)}}, 2, false, connectors, setup.value());
  auto def = tracked_campaign("smtp");
  def["activities"][1]["subject"] = "Soldes d'hiver ❄ {{first_name}}";
  auto id = d.f.create(def.dump());
  d.f.ok("publish", id);
  REQUIRE(d.f.wait_run(id)["runStatus"] == "completed");
  auto msgs = sink.messages();
  REQUIRE(msgs.size() == 3);
  auto b = audience::open_backend("", d.data);
  REQUIRE(b.ok());
  for (auto& m : msgs) {
    auto mid = m.at("X-Baton-Message-Id");
    CHECK_THAT(m["Content-Type"], Catch::StartsWith("multipart/alternative"));
    CHECK_THAT(m["List-Unsubscribe"], Catch::StartsWith("<https://t.shop.example/t/u/"));
    CHECK(m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click");
    CHECK_THAT(m["Subject"], Catch::StartsWith("=?UTF-8?B?"));
    CHECK(m[""].find("shop.example/sale") == std::string::npos);  // rewritten
    auto links = audience::find_message_links(**b, mid);
    REQUIRE(links.ok());
    REQUIRE(links->has_value());
    // Index 0: the text body's URL, 1: the HTML link (rendering order).
    CHECK((*links)->links ==
          std::vector<std::string>{"https://shop.example/text-only", "https://shop.example/sale"});
  }
}

TEST_CASE("quiet hours defer rows to their own time zone's window, durably, then send them",
          "[engagement][quiet_hours]") {
  // The sample schema has no time zone column: `loyalty` holds each profile's zone here. 3 has
  // none and 4 an unknown one: both are UTC (the documented default).
  const char* csv =
      "id,email,first_name,last_name,email_opt_in,loyalty\n"
      "1,p1@example.com,P1,Doe,true,UTC\n"
      "2,p2@example.com,P2,Doe,true,Asia/Tokyo\n"
      "3,p3@example.com,P3,Doe,true,\n"
      "4,p4@example.com,P4,Doe,true,Not/AZone\n"
      "5,p5@example.com,P5,Doe,true,America/New_York\n";
  delivery_fixture d({{"profiles", csv}}, 2);
  d.f.clk.set(1'767'268'800'000'000);  // 2026-01-01T12:00:00Z: Tokyo 21:00, New York 07:00
  auto def = json::parse(mail_campaign(
      {{"quietHours", {{"from", "08:00"}, {"to", "20:00"}, {"timezoneField", "loyalty"}}}}));
  auto id = d.f.create(def.dump());
  d.f.ok("publish", id);
  auto waiting = [&](const json& v) {
    auto t = task_of(v["runs"].back(), "mail");
    return t.contains("waitUntil") && t["status"] == "running";
  };
  auto v = d.f.await(id, waiting, "the mail task to wait for the quiet hours to end");
  CHECK(v["runs"].back()["status"] == "running");
  CHECK(recipients_of(d.sent()) == std::vector<std::string>{"1", "3", "4"});
  auto report = [&] { return d.f.ok("report", id)["activities"][0]; };
  CHECK(report()["exclusions"] == json{{"quiet_hours", 2}});
  CHECK(task_of(v["runs"].back(), "mail")["waitUntil"] == "2026-01-01T13:00:00Z");  // New York

  // A crash while the rows wait: the engine starts again over the log as it was (a copy taken
  // while the engine runs), finds the same wait, and sends nothing again.
  auto crashed = d.f.dir.str("crashed");
  copy_log(*d.f.store, crashed, [](const event&) { return false; });
  d.f.restart(crashed);
  v = d.f.await(id, waiting, "the mail task to wait again after the crash");
  CHECK(task_of(v["runs"].back(), "mail")["waitUntil"] == "2026-01-01T13:00:00Z");
  CHECK(recipients_of(d.sent()) == std::vector<std::string>{"1", "3", "4"});
  CHECK(report()["exclusions"] == json{{"quiet_hours", 2}});

  d.f.settle(us_per_hour);  // 08:00 in New York
  v = d.f.await(
      id,
      [&](const json& x) {
        return waiting(x) &&
               task_of(x["runs"].back(), "mail")["waitUntil"] == "2026-01-01T23:00:00Z";
      },
      "the task to wait for Tokyo's morning");
  CHECK(recipients_of(d.sent()) == std::vector<std::string>{"1", "3", "4", "5"});
  CHECK(report()["exclusions"] == json{{"quiet_hours", 1}});

  d.f.settle(10 * us_per_hour);  // 08:00 in Tokyo
  REQUIRE(d.f.wait_run(id)["runStatus"] == "completed");
  CHECK(recipients_of(d.sent()) == std::vector<std::string>{"1", "3", "4", "5", "2"});
  auto a = report();
  CHECK(a["sent"] == 5);
  CHECK(a["exclusions"] == json::object());
}
