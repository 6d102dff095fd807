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
