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
