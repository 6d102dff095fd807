// Campaign graphs: transitions, inbound counts, roots, cycles, and the dimensions that flow
// from activity to activity (which decide what filters and channels may refer to).
#include <catch2/catch.hpp>

#include "definition_fixture.hpp"

using namespace definition_fixture;

TEST_CASE("transitions and the graph", "[definition][graph]") {
  CHECK(errors_with("/transitions/0/from", "golden") == ptrs{"/transitions/0/from"});
  CHECK(errors_with("/transitions/0/to", "merge") == ptrs{"/transitions/0/to"});
  CHECK(errors_with("/transitions/0/output", "rest") == ptrs{"/transitions/0/output"});
  CHECK(errors_with("/transitions/9/output", "low") == ptrs{"/transitions/9/output"});
  CHECK(errors_without("/transitions/9/output") == ptrs{"/transitions/9/output"});
  CHECK(errors_with("/transitions/0/weight", 1) == ptrs{"/transitions/0/weight"});
  CHECK(errors_without("/transitions/0/from") == ptrs{"/transitions/0/from"});

  SECTION("end has no outputs") {
    json doc = valid_doc();
    doc["transitions"].push_back({{"from", "finish"}, {"to", "notify"}});
    CHECK(errors(run(doc)) == ptrs{"/transitions/22/output"});
  }
  SECTION("duplicate and self transitions") {
    json doc = valid_doc();
    doc["transitions"].push_back(doc["transitions"][2]);
    doc["transitions"].push_back({{"from", "after"}, {"to", "after"}});
    CHECK(errors(run(doc)) == ptrs{"/transitions/22", "/transitions/23"});
  }
  SECTION("several inbound transitions only where they are combined") {
    json doc = valid_doc();
    doc["transitions"].push_back({{"from", "gold"}, {"to", "dedup"}});
    auto v = run(doc);
    CHECK(errors(v) == ptrs{"/activities/5"});
    CHECK(message_at(v, "/activities/5").find("from merged, gold") != std::string::npos);
  }
  SECTION("combine needs two inputs") {
    json doc = valid_doc();
    doc["transitions"].erase(1);
    doc["transitions"].erase(2);  // was 3: buyers -> merged
    doc["activities"][4].erase("inputs");
    auto v = run(doc);
    CHECK(errors(v) == ptrs{"/activities/4"});
    CHECK(message_at(v, "/activities/4") == "combine needs at least 2 inbound transitions, has 1");
  }
  SECTION("enrichment with join needs exactly two inbound") {
    json doc = valid_doc();
    doc["transitions"].erase(7);  // reconcile -> enrich
    CHECK(errors(run(doc)) == ptrs{"/activities/8", "/activities/8/join/with"});
  }
  SECTION("enrichment without join takes one inbound") {
    json doc = valid_doc();
    doc["activities"][8].erase("join");
    CHECK(errors(run(doc)) == ptrs{"/activities/8"});
  }
  SECTION("two transitions from the same source into a combine") {
    json doc = small({{"id", "b"},
                      {"type", "split"},
                      {"subsets", {{{"name", "x"}}, {{"name", "y"}}}},
                      {"complement", true}});
    doc["transitions"].push_back({{"from", "b"}, {"output", "x"}, {"to", "c"}});
    doc["transitions"].push_back({{"from", "b"}, {"output", "y"}, {"to", "c"}});
    doc["activities"].push_back({{"id", "c"}, {"type", "combine"}, {"mode", "union"}});
    CHECK(errors(run(doc)) == ptrs{"/transitions/2"});
  }
  SECTION("cycles are reported with their activities") {
    json doc = valid_doc();
    doc["transitions"][4] = {{"from", "merged"}, {"to", "dedup"}};
    doc["transitions"].push_back({{"from", "after"}, {"to", "mail"}});
    doc["activities"][11]["type"] = "email";
    auto v = run(doc);
    CHECK(errors(v) == ptrs{"/activities/11", "/transitions/13"});
    CHECK(message_at(v, "/transitions/13").find("cycle through mail, after") != std::string::npos);
  }
  SECTION("roots must start a flow") {
    json doc = valid_doc();
    doc["transitions"].erase(10);  // keep -> mail
    auto v = run(doc);
    CHECK(errors(v) == ptrs{"/activities/11"});
    CHECK(message_at(v, "/activities/11").find("no inbound transition") != std::string::npos);
  }
  SECTION("a root wait gives no population") {
    json doc = small({{"id", "b"}, {"type", "email"}, {"subject", "s"}, {"body", "b"}});
    doc["activities"][0] = {{"id", "a"}, {"type", "wait"}, {"duration", "PT1H"}};
    CHECK(errors(run(doc)) == ptrs{"/activities/1"});
    doc["activities"][1] = {
        {"id", "b"},
        {"type", "test"},
        {"conditions", {{{"name", "n"}, {"count", {{"op", "gt"}, {"value", 0}}}}}}};
    CHECK(errors(run(doc)) == ptrs{"/activities/1/conditions/0/count"});
    doc["activities"][1] = {{"id", "b"}, {"type", "build_audience"}};
    CHECK(errors(run(doc)).empty());
  }
}

TEST_CASE("dimensions flow through the graph", "[definition][graph]") {
  SECTION("file rows have no dimension until reconciled") {
    json doc = small({{"id", "b"}, {"type", "sms"}, {"text", "hi"}});
    doc["activities"][0] = {{"id", "a"}, {"type", "load_file"}, {"path", "x.csv"}};
    CHECK(errors(run(doc)) == ptrs{"/activities/1"});
    doc["activities"][1] = {
        {"id", "b"},
        {"type", "split"},
        {"subsets",
         {{{"name", "s"}, {"filter", {{"field", "anything"}, {"op", "eq"}, {"value", 1}}}}}}};
    CHECK(errors(run(doc)).empty());
  }
  SECTION("a channel needs an address for its channel") {
    json doc = small({{"id", "b"}, {"type", "email"}, {"subject", "s"}, {"body", "b"}});
    doc["activities"][0]["dimension"] = "households";
    auto v = run(doc);
    CHECK(errors(v) == ptrs{"/activities/1"});
    CHECK(message_at(v, "/activities/1").find("no email address") != std::string::npos);
  }
  SECTION("change_dimension moves the filters to the new entity") {
    json doc = small(
        {{"id", "b"}, {"type", "change_dimension"}, {"to", "households"}, {"via", "household"}});
    doc["activities"].push_back(
        {{"id", "c"},
         {"type", "split"},
         {"subsets",
          {{{"name", "big"}, {"filter", {{"field", "size"}, {"op", "gt"}, {"value", 3}}}}}}});
    doc["transitions"].push_back({{"from", "b"}, {"to", "c"}});
    CHECK(errors(run(doc)).empty());
    doc["activities"][2]["subsets"][0]["filter"]["field"] = "loyalty";
    CHECK(errors(run(doc)) == ptrs{"/activities/2/subsets/0/filter/field"});
    doc["activities"][1]["to"] = "purchases";
    CHECK(errors(run(doc)) == ptrs{"/activities/1/via", "/activities/2/subsets/0/filter/field"});
  }
  SECTION("combine inputs must share a dimension") {
    json doc = valid_doc();
    doc["transitions"][3]["from"] = "new_buyers";
    doc["activities"][4]["inputs"][2] = "new_buyers";
    auto v = run(doc);
    CHECK(errors(v) == ptrs{"/activities/4"});
    CHECK(message_at(v, "/activities/4").find("`new_buyers` sends `purchases` rows") !=
          std::string::npos);
  }
}

TEST_CASE("enrichment attributes become fields downstream", "[definition][graph]") {
  json doc = small(
      {{"id", "b"},
       {"type", "enrichment"},
       {"attributes",
        {{{"name", "total"}, {"link", "purchases"}, {"aggregate", "sum"}, {"field", "amount"}},
         {{"name", "city"}, {"field", "household.city"}}}}});
  doc["activities"].push_back(
      {{"id", "c"},
       {"type", "split"},
       {"subsets",
        {{{"name", "s"},
          {"filter",
           {{"all",
             {{{"field", "total"}, {"op", "gt"}, {"value", 10.5}},
              {{"field", "city"}, {"op", "starts_with"}, {"value", "P"}}}}}}}}}});
  doc["transitions"].push_back({{"from", "b"}, {"to", "c"}});
  auto v = run(doc);
  INFO(dump(v));
  CHECK(v.ok());
  const std::string f = "/activities/2/subsets/0/filter/all/";
  doc[json::json_pointer(f + "0/field")] = "totl";
  CHECK(errors(run(doc)) == ptrs{f + "0/field"});
  doc[json::json_pointer(f + "0/field")] = "total";
  doc[json::json_pointer(f + "0/op")] = "like";
  CHECK(errors(run(doc)) == ptrs{f + "0/op"});
  doc[json::json_pointer(f + "0/op")] = "gt";
  doc[json::json_pointer(f + "1/value")] = 3;
  CHECK(errors(run(doc)) == ptrs{f + "1/value"});
}
