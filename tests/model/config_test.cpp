// The engine's config file (model/config.hpp): what `batonctl init` writes parses to the
// documented defaults, and every bad member is reported with its JSON pointer.
#include <catch2/catch.hpp>

#include <set>

#include "model/config.hpp"

using namespace baton;
using nlohmann::json;

namespace {

std::set<std::string> pointers(const problems& ps) {
  std::set<std::string> out;
  for (auto& p : ps) out.insert(p.pointer);
  return out;
}

}  // namespace

TEST_CASE("the default config parses to the defaults", "[config]") {
  engine_config c;
  REQUIRE(parse_config(default_config_json(), c).empty());
  CHECK(c.listen_host == "127.0.0.1");
  CHECK(c.listen_port == 4242);
  CHECK(c.scheduler_threads == 2);
  CHECK(c.scheduler_policy == "sharing");
  CHECK(c.workers == 2);
  CHECK(c.max_frame_bytes == 4 * 1024 * 1024);
  CHECK(c.max_connections == 256);
  CHECK(c.handshake_timeout_seconds == 10);
  CHECK(c.default_role == role::none);  // INTERFACES.md §8: unknown identities may do nothing
  CHECK(c.roles.empty());
  CHECK_FALSE(c.require_approval);
  CHECK(c.log_retention_days == 30);
  CHECK(c.channels.contains("email"));
}

TEST_CASE("init's config makes the account running it an admin", "[config][security]") {
  engine_config c;
  REQUIRE(parse_config(default_config_json("", "ops"), c).empty());
  CHECK(c.role_of("ops") == role::admin);
  CHECK(c.role_of("someone") == role::none);
  auto doc = json::parse(default_config_json("", "ops"));
  doc["security"]["requireApproval"] = "yes";
  CHECK_FALSE(parse_config(doc.dump(), c).empty());
  doc["security"]["requireApproval"] = true;
  REQUIRE(parse_config(doc.dump(), c).empty());
  CHECK(c.require_approval);
}

TEST_CASE("bad config members are reported with their pointers", "[config]") {
  auto doc = json::parse(default_config_json());
  doc["engine"]["schedulerPolicy"] = "fastest";
  doc["engine"]["schedulerThreads"] = 0;
  doc["engine"]["listen"] = "no-port";
  doc["security"]["defaultRole"] = "owner";
  doc["retention"]["logsDays"] = -1;
  doc["colour"] = "blue";
  engine_config c;
  auto ps = parse_config(doc.dump(), c);
  CHECK(pointers(ps) == std::set<std::string>{"/engine/schedulerPolicy", "/engine/schedulerThreads",
                                              "/engine/listen", "/security/defaultRole",
                                              "/retention/logsDays", "/colour"});
  CHECK(c.scheduler_policy == "sharing");  // a bad value leaves the default

  doc = json::parse(default_config_json());
  doc["engine"]["schedulerPolicy"] = "stealing";
  REQUIRE(parse_config(doc.dump(), c).empty());
  CHECK(c.scheduler_policy == "stealing");
}

TEST_CASE("tracking and deliverability: defaults, a generated secret, bad members", "[config]") {
  engine_config c;
  REQUIRE(parse_config(default_config_json(), c).empty());
  CHECK_FALSE(c.tracking.enabled());  // no secret given: no tracking member
  CHECK(c.deliverability.suppress_after.hard == 1);
  CHECK(c.deliverability.suppress_after.soft == 3);
  CHECK(c.deliverability.suppress_after.soft_days == 7);
  CHECK(c.deliverability.fatigue.empty());
  std::string secret(64, 'f');
  engine_config t;
  REQUIRE(parse_config(default_config_json(secret), t).empty());
  CHECK(t.tracking.enabled());
  CHECK(t.tracking.secret == secret);
  CHECK(t.tracking.base_url == "http://127.0.0.1:8080");

  auto doc = json::parse(default_config_json(secret));
  doc["tracking"]["baseUrl"] = "https://t.shop.example/mail/";
  doc["tracking"]["unsubscribeMailto"] = "unsubscribe@shop.example";
  doc["tracking"]["hooks"] = {{"sendgrid", {{"secret", "s3cret"}}}};
  doc["deliverability"] = {
      {"suppressAfter", {{"hard", 2}, {"soft", 5}, {"softDays", 10}}},
      {"fatigue",
       {{{"channel", "email"}, {"category", "marketing"}, {"max", 3}, {"days", 7}},
        {{"channel", "sms"}, {"max", 1}, {"days", 1}}}}};
  engine_config g;
  auto ps = parse_config(doc.dump(), g);
  for (const auto& p : ps) FAIL_CHECK(p.pointer + ": " + p.message);
  CHECK(g.tracking.base_url == "https://t.shop.example/mail");  // trailing slash dropped
  CHECK(g.tracking.unsubscribe_mailto == "unsubscribe@shop.example");
  CHECK(g.tracking.hook_secrets.at("sendgrid") == "s3cret");
  CHECK(g.deliverability.suppress_after.hard == 2);
  CHECK(g.deliverability.suppress_after.soft_days == 10);
  REQUIRE(g.deliverability.fatigue.size() == 2);
  CHECK(g.deliverability.fatigue[1].channel == "sms");
  CHECK(g.deliverability.fatigue[1].category == "marketing");
  CHECK(g.deliverability.fatigue[1].max == 1);

  doc["tracking"]["baseUrl"] = "ftp://t.shop.example";
  doc["tracking"]["secret"] = "abc";
  doc["tracking"]["unsubscribeMailto"] = "a-very-long-local-part@shop.example";
  doc["tracking"]["hooks"] = {{"bad name", {{"secret", "x"}}}, {"ok", {{"secret", ""}}}};
  doc["tracking"]["colour"] = "blue";
  doc["deliverability"]["suppressAfter"]["hard"] = 0;
  doc["deliverability"]["fatigue"][0]["channel"] = "fax";
  doc["deliverability"]["fatigue"][1]["category"] = "transactional";
  doc["deliverability"]["fatigue"][1].erase("days");
  engine_config bad;
  CHECK(pointers(parse_config(doc.dump(), bad)) ==
        std::set<std::string>{
            "/tracking/baseUrl", "/tracking/secret", "/tracking/unsubscribeMailto",
            "/tracking/hooks/bad name", "/tracking/hooks/ok/secret", "/tracking/colour",
            "/deliverability/suppressAfter/hard", "/deliverability/fatigue/0/channel",
            "/deliverability/fatigue/1/category", "/deliverability/fatigue/1/days"});
  CHECK_FALSE(bad.tracking.enabled());
  doc = json::parse(default_config_json(secret));
  doc["tracking"].erase("secret");
  CHECK(pointers(parse_config(doc.dump(), bad)) == std::set<std::string>{"/tracking/secret"});
}

TEST_CASE("the network guard's limits are read and bounded", "[config]") {
  auto doc = json::parse(default_config_json());
  doc["engine"]["maxFrameBytes"] = 65536;
  doc["engine"]["maxConnections"] = 8;
  doc["engine"]["handshakeTimeoutSeconds"] = 2;
  engine_config c;
  REQUIRE(parse_config(doc.dump(), c).empty());
  CHECK(c.max_frame_bytes == 65536);
  CHECK(c.max_connections == 8);
  CHECK(c.handshake_timeout_seconds == 2);

  doc["engine"]["maxFrameBytes"] = 100;  // below one small command
  doc["engine"]["maxConnections"] = 0;
  doc["engine"]["handshakeTimeoutSeconds"] = "10";
  engine_config d;
  auto ps = parse_config(doc.dump(), d);
  CHECK(pointers(ps) == std::set<std::string>{"/engine/maxFrameBytes", "/engine/maxConnections",
                                              "/engine/handshakeTimeoutSeconds"});
  CHECK(d.max_frame_bytes == 4 * 1024 * 1024);
}

TEST_CASE("http.heartbeatSeconds: 15 without it, read, bounded, nothing else in `http`",
          "[config]") {
  auto doc = json::parse(default_config_json());
  engine_config c;
  REQUIRE(parse_config(doc.dump(), c).empty());
  CHECK(c.http_heartbeat_seconds == 15);
  doc["http"] = {{"heartbeatSeconds", 2}};
  engine_config d;
  REQUIRE(parse_config(doc.dump(), d).empty());
  CHECK(d.http_heartbeat_seconds == 2);
  doc["http"] = {{"heartbeatSeconds", 0}, {"heartbeat", 3}};
  engine_config e;
  CHECK(pointers(parse_config(doc.dump(), e)) ==
        std::set<std::string>{"/http/heartbeatSeconds", "/http/heartbeat"});
  CHECK(e.http_heartbeat_seconds == 15);
  doc["http"] = "15";
  engine_config f;
  CHECK(pointers(parse_config(doc.dump(), f)) == std::set<std::string>{"/http"});
}

TEST_CASE("config typos, numbers out of range and malformed text: every problem by pointer",
          "[config]") {
  auto doc = json::parse(default_config_json());
  doc["engine"]["listn"] = "127.0.0.1:1";
  doc["security"]["defaultrole"] = "viewer";
  doc["data"]["importdir"] = "/x";
  doc["retention"]["days"] = 3;
  engine_config c;
  auto ps = parse_config(doc.dump(), c);
  CHECK(pointers(ps) == std::set<std::string>{"/engine/listn", "/security/defaultrole",
                                              "/data/importdir", "/retention/days"});
  bool suggested = false;
  for (auto& p : ps)
    if (p.pointer == "/engine/listn")
      suggested = p.message.find("did you mean `listen`?") != std::string::npos;
  CHECK(suggested);

  // 1e400 used to escape as nlohmann's out_of_range and abort the process.
  auto text = default_config_json();
  text.replace(text.find("\"workers\": 2"), 12, "\"workers\": 1e400");
  REQUIRE_NOTHROW(ps = parse_config(text, c));
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].pointer == "/engine/workers");
  CHECK(ps[0].message.find("out of range") != std::string::npos);

  ps = parse_config("{\n  \"engine\": {\n    \"workers\": 2,\n  }\n}", c);
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].pointer.empty());
  CHECK(ps[0].message.rfind("malformed JSON at line 4, column ", 0) == 0);

  for (auto bad : {R"({"engine": {"workers": 99999999999999999999}})",
                   R"({"engine": {"listen": "127.0.0.1:99999999999"}})",
                   R"({"engine": {"listen": "127.0.0.1:80x"}})", R"({"engine": []})",
                   R"({"data": {"url": "mysql://x"}})", R"({"retention": {"logsDays": 1.5}})"}) {
    INFO(bad);
    engine_config d;
    REQUIRE_NOTHROW(ps = parse_config(bad, d));
    CHECK(ps.size() == 1);
  }
}

TEST_CASE("data.importDir is read", "[config]") {
  engine_config c;
  REQUIRE(parse_config(R"({"data": {"url": "", "importDir": "/srv/imports"}})", c).empty());
  CHECK(c.import_dir == "/srv/imports");
}
