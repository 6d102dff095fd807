// Keeps docs/channels.md honest: its example message is a valid message and its example
// `channels` configuration passes check_channels_config.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "channels/connector.hpp"

using namespace baton::channels;
using nlohmann::json;

TEST_CASE("the json examples of docs/channels.md are valid", "[docs]") {
  std::ifstream in(std::string(BATON_SOURCE_DIR) + "/docs/channels.md");
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  std::vector<std::string> blocks;
  for (auto at = text.find("```json\n"); at != std::string::npos;
       at = text.find("```json\n", at + 1)) {
    auto end = text.find("```", at + 8);
    blocks.push_back(text.substr(at + 8, end - at - 8));
  }
  REQUIRE(blocks.size() == 2);
  auto msg = message_from_json(json::parse(blocks[0]));
  CHECK(msg.ok());
  auto cfg = json::parse("{" + blocks[1] + "}");
  auto ps = check_channels_config(cfg["channels"]);
  for (const auto& p : ps) FAIL_CHECK(p.pointer + ": " + p.message);
}
