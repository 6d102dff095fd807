// The look-up cache of tracking hits: bounded, least recently used first out, only what was found.
#include <catch2/catch.hpp>

#include "actors/message_cache.hpp"

using namespace baton;

namespace {

message_facts facts_of(const std::string& recipient) {
  message_facts f;
  f.delivery.campaign = "c-1";
  f.delivery.recipient = recipient;
  f.links = std::vector<std::string>{"https://shop.example/" + recipient};
  return f;
}

}  // namespace

TEST_CASE("the message cache keeps the most recently hit messages, up to its capacity",
          "[tracking]") {
  message_cache c(2);
  CHECK_FALSE(c.get("m1"));
  c.put("m1", facts_of("1"));
  c.put("m2", facts_of("2"));
  REQUIRE(c.get("m1"));  // m1 is now more recent than m2
  c.put("m3", facts_of("3"));
  CHECK(c.size() == 2);
  CHECK_FALSE(c.get("m2"));
  auto m1 = c.get("m1");
  REQUIRE(m1);
  CHECK(m1->delivery.recipient == "1");
  REQUIRE(m1->links);
  CHECK(m1->links->at(0) == "https://shop.example/1");
  CHECK(c.get("m3"));
  c.put("m3", facts_of("3b"));  // a second put replaces, never grows
  CHECK(c.size() == 2);
  CHECK(c.get("m3")->delivery.recipient == "3b");
  message_cache none(0);
  none.put("m1", facts_of("1"));
  CHECK_FALSE(none.get("m1"));
}
