// The config file as the binaries read it at start (channels/config_file.hpp): the engine's
// settings and every channel connector checked completely, every problem listed by pointer —
// an smtp channel without `url` or with `"tls": "bogus"` no longer waits for the first send.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "channels/config_file.hpp"
#include "support.hpp"

using namespace baton;
using namespace baton::channels;
using nlohmann::json;

namespace {

std::vector<std::string> error_lines(const error& e) {
  std::vector<std::string> out;
  std::istringstream in(e.message());
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("connector settings are checked at load, every problem by pointer", "[config]") {
  auto doc = json::parse(default_config_json());
  doc["channels"]["email"] = {{"connector", "smtp"}, {"tls", "bogus"}};
  doc["channels"]["sms"] = {{"connector", "webhook"}, {"url", "ftp://x"}, {"timeout", 3}};
  doc["channels"]["news"] = {{"connector", "pigeon"}};
  doc["engine"]["listn"] = "127.0.0.1:1";
  engine_config c;
  auto ps = check_config_text(doc.dump(), c);
  std::set<std::string> ptrs;
  for (auto& p : ps) ptrs.insert(p.pointer);
  CHECK(ptrs == std::set<std::string>{"/channels/email/url", "/channels/email/tls",
                                      "/channels/sms/url", "/channels/sms/timeout",
                                      "/channels/news/connector", "/engine/listn"});
}

TEST_CASE("load_config_file: a missing file, a required one, one error line each", "[config]") {
  testing::scratch_dir dir;
  auto path = dir.str() + "/config.json";
  auto missing = load_config_file(path, false);
  REQUIRE(missing.ok());
  CHECK(missing->listen_port == 4242);  // the defaults
  auto required = load_config_file(path, true);
  REQUIRE_FALSE(required.ok());
  CHECK(required.err().code == errc::validation);
  CHECK(required.err().message().find(path) == 0);

  std::ofstream(path) << R"({"engine": {"listn": "x", "workers": 0},
                            "channels": {"email": {"connector": "smtp"}}})";
  auto bad = load_config_file(path, false);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.err().code == errc::validation);
  auto lines = error_lines(bad.err());
  REQUIRE(lines.size() == 3);
  std::sort(lines.begin(), lines.end());
  CHECK(lines[0].rfind(path + "/channels/email/url: required member", 0) == 0);
  CHECK(lines[1] == path + "/engine/listn: unknown member `listn` (did you mean `listen`?)");
  CHECK(lines[2].rfind(path + "/engine/workers: ", 0) == 0);

  // A number beyond double range stops the reading: that one problem, at its pointer.
  std::ofstream(path) << R"({"engine": {"workers": 1e400}})";
  auto huge = load_config_file(path, false);
  REQUIRE_FALSE(huge.ok());
  CHECK(error_lines(huge.err()) ==
        std::vector<std::string>{path + "/engine/workers: the number 1e400 is out of range "
                                        "(beyond ±1.8e308)"});

  std::ofstream(path) << default_config_json();
  CHECK(load_config_file(path, true).ok());
}
