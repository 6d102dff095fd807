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
  CHECK(c.default_role == role::admin);
  CHECK(c.log_retention_days == 30);
  CHECK(c.channels.contains("email"));
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
