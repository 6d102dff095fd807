// Filters of campaign definitions: the structure always, fields, links, operators and value
// types against the entity schema when one is given.
#include <catch2/catch.hpp>

#include "definition_fixture.hpp"

using namespace definition_fixture;

TEST_CASE("filters: structure", "[definition][filter]") {
  const std::string f = "/activities/0/filter/all/";
  CHECK(errors_with(f + "0/op", "equals") == ptrs{f + "0/op"});
  CHECK(errors_with(f + "0/value", json::array()) == ptrs{f + "0/value"});
  CHECK(errors_with(f + "0/value", nullptr) == ptrs{f + "0/value"});
  CHECK(errors_without(f + "0/value") == ptrs{f + "0/value"});
  CHECK(errors_with(f + "0/where", 1) == ptrs{f + "0/where"});
  CHECK(errors_with(f + "2/value", "Paris") == ptrs{f + "2/value"});
  CHECK(errors_with(f + "2/value", json::array()) == ptrs{f + "2/value"});
  CHECK(errors_with(f + "7/value", json{1}) == ptrs{f + "7/value"});
  CHECK(errors_with(f + "4/not/value", "x") == ptrs{f + "4/not/value"});
  CHECK(errors_with(f + "4/not", json::array()) == ptrs{f + "4/not"});
  CHECK(errors_with(f + "9/any", json::object()) == ptrs{f + "9/any"});
  CHECK(errors_with(f + "9/any/0", json{{"field", "a"}, {"all", json::array()}}) ==
        ptrs{f + "9/any/0"});
  CHECK(errors_with(f + "9/any/0", json::object()) == ptrs{f + "9/any/0"});
  CHECK(errors_with(f + "8/value/variable", "weather") == ptrs{f + "8/value/variable"});
  CHECK(errors_with(f + "3/value", json{{"daysAgo", "ten"}}) == ptrs{f + "3/value/daysAgo"});
  CHECK(errors_with(f + "3/value", json{{"weeksAgo", 2}}) == ptrs{f + "3/value"});
  CHECK(errors_with(f + "6/not/feedback/event", "read") == ptrs{f + "6/not/feedback/event"});
  CHECK(errors_without(f + "6/not/feedback/campaign") == ptrs{f + "6/not/feedback/campaign"});
  CHECK(errors_with(f + "5/aggregate/fn", "median") == ptrs{f + "5/aggregate/fn"});
  CHECK(errors_without(f + "5/aggregate/field") == ptrs{f + "5/aggregate/field"});
  CHECK(errors_with(f + "1/exists/link", 3) == ptrs{f + "1/exists/link"});
  CHECK(errors_with(f + "0/field", "a..b") == ptrs{f + "0/field"});
  CHECK(errors_with(f + "0/field", "a b", false) == ptrs{f + "0/field"});
  SECTION("deep nesting is refused, not overflowed") {
    json deep = {{"field", "loyalty"}, {"op", "eq"}, {"value", "x"}};
    for (int i = 0; i < 40; ++i) deep = {{"not", deep}};
    CHECK(errors_with("/activities/0/filter", deep).size() == 1);
  }
}

TEST_CASE("filters: against the schema", "[definition][filter]") {
  const std::string f = "/activities/0/filter/all/";
  // unknown field via a link path
  CHECK(errors_with(f + "2/field", "household.town") == ptrs{f + "2/field"});
  CHECK(errors_with(f + "2/field", "house.city") == ptrs{f + "2/field"});
  CHECK(errors_with(f + "2/field", "purchases.sku") == ptrs{f + "2/field"});
  // without a schema only the structure is checked
  CHECK(errors_with(f + "2/field", "household.town", false).empty());
  // operators must fit the column type
  CHECK(errors_with(f + "9/any/0/op", "lt") == ptrs{f + "9/any/0/op"});
  CHECK(errors_with(f + "7/op", "contains") == ptrs{f + "7/op"});
  CHECK(errors_with(f + "3/op", "like") == ptrs{f + "3/op"});
  // daysAgo only on dates
  auto v = [&] {
    json doc = valid_doc();
    doc[json::json_pointer(f + "0/value")] = {{"daysAgo", 3}};
    return run(doc);
  }();
  CHECK(errors(v) == ptrs{f + "0/value"});
  CHECK(message_at(v, f + "0/value").find("daysAgo") != std::string::npos);
  // values must fit the column type
  CHECK(errors_with(f + "0/value", 3) == ptrs{f + "0/value"});
  CHECK(errors_with(f + "9/any/0/value", "yes") == ptrs{f + "9/any/0/value"});
  CHECK(errors_with(f + "9/any/1/value", "yesterday") == ptrs{f + "9/any/1/value"});
  CHECK(errors_with(f + "9/any/1/value", "2026-01-01").empty());
  CHECK(errors_with(f + "3/value", "2000-02-30") == ptrs{f + "3/value"});
  CHECK(errors_with(f + "3/value", "2000-02-29").empty());
  CHECK(errors_with(f + "2/value/1", 75) == ptrs{f + "2/value/1"});
  CHECK(errors_with(f + "7/value/1", "high") == ptrs{f + "7/value/1"});
  CHECK(errors_with(f + "1/exists/where/value", "lots") == ptrs{f + "1/exists/where/value"});
  // exists and aggregate need a one-to-many link; their where is on the link's target
  CHECK(errors_with(f + "1/exists/link", "household") == ptrs{f + "1/exists/link"});
  CHECK(errors_with(f + "1/exists/where/field", "loyalty") == ptrs{f + "1/exists/where/field"});
  CHECK(errors_with(f + "5/aggregate/field", "sku") == ptrs{f + "5/aggregate/field"});
  CHECK(errors_with(f + "5/aggregate/fn", "count").empty());
  CHECK(errors_with(f + "5/value", "x") == ptrs{f + "5/value"});
  // the dimension flowing in decides: incremental_query on purchases
  CHECK(errors_with("/activities/2/filter/field", "loyalty") == ptrs{"/activities/2/filter/field"});
  // after enrichment its attributes are fields, with their types
  CHECK(errors_with("/activities/9/subsets/1/filter/all/1/value", "two") ==
        ptrs{"/activities/9/subsets/1/filter/all/1/value"});
}
