// Campaign definition validation (INTERFACES.md §4, §4.1): a campaign using every activity type
// passes and round-trips; each rule, given a small invalid change, reports exactly the expected
// JSON pointers; a document with several problems lists all of them.
#include <catch2/catch.hpp>

#include "definition_fixture.hpp"

using namespace definition_fixture;

TEST_CASE("a campaign using every activity type is valid", "[definition]") {
  for (bool with_schema : {true, false}) {
    auto v = run(valid_doc(), with_schema);
    INFO(dump(v));
    REQUIRE(v.ok());
    CHECK(v.issues.empty());
    const auto& d = *v.definition;
    CHECK(d.name == "Winter sale");
    CHECK(d.description == "every activity type");
    CHECK(d.dimension == "profiles");
    CHECK(d.schedule.k == schedule::kind::cron);
    CHECK(d.schedule.timezone == "Europe/Paris");
    CHECK(d.schedule_json["cron"] == "0 9 * * MON-FRI");
    CHECK(d.errors == error_policy{error_mode::ignore, 3});
    CHECK(d.variables == std::map<std::string, std::string>{{"season", "winter"}});
    REQUIRE(d.activities.size() == 22);
    REQUIRE(d.transitions.size() == 22);
    std::set<activity_type> types;
    for (const auto& a : d.activities) types.insert(a.type);
    CHECK(types.size() == activity_type_names().size());
    const activity* gold = d.find_activity("gold");
    REQUIRE(gold);
    CHECK(gold->label == "Gold members");
    CHECK(gold->options.contains("filter"));
    CHECK_FALSE(gold->options.contains("id"));
    CHECK(d.find_activity("notify")->disabled);
    CHECK(d.find_activity("mail")->on_error == error_policy{error_mode::abort, 0});
    CHECK(d.transitions[9] == transition{"splitter", "high", "keep"});
    CHECK(d.transitions[0].output == "out");
    CHECK(d.sources_of("merged") == ptrs{"gold", "saved", "buyers"});
  }
}

TEST_CASE("a definition round-trips through to_json", "[definition]") {
  auto v = run(valid_doc());
  REQUIRE(v.ok());
  json j = v.definition->to_json();
  auto again = parse_campaign_json(j, &schema());
  INFO(dump(again));
  REQUIRE(again.ok());
  CHECK(again.definition->to_json() == j);
  CHECK(again.definition->activities == v.definition->activities);
  CHECK(again.definition->transitions == v.definition->transitions);
  CHECK(j["activities"][11]["onError"] == json{{"mode", "abort"}, {"maxConsecutiveErrors", 0}});
  // and through text
  auto text = validate_campaign(j.dump(2), &schema());
  REQUIRE(text.ok());
  CHECK(text.definition->to_json() == j);
}

TEST_CASE("outputs_of follows the activity type", "[definition]") {
  auto d = *run(valid_doc()).definition;
  auto outs = [&](const char* id) { return outputs_of(*d.find_activity(id)); };
  CHECK(outs("gold") == ptrs{"out"});
  CHECK(outs("splitter") == ptrs{"high", "rest", "complement"});
  CHECK(outs("check") == ptrs{"big", "winter", "default"});
  CHECK(outs("fan") == ptrs{"a", "b"});
  CHECK(outs("dedup") == ptrs{"out", "complement"});
  CHECK(outs("merged") == ptrs{"out"});
  CHECK(outs("load") == ptrs{"out", "rejects"});
  CHECK(outs("sync") == ptrs{"out", "rejects"});
  CHECK(outs("finish").empty());
  CHECK(outs("mail") == ptrs{"out"});
  activity t{"t",          activity_type::test,
             "",           false,
             std::nullopt, json{{"conditions", {{{"name", "x"}}}}, {"default", false}}};
  CHECK(outputs_of(t) == ptrs{"x"});
  activity s{"s",   activity_type::split, "",
             false, std::nullopt,         json{{"subsets", {{{"name", "x"}}}}}};
  CHECK(outputs_of(s) == ptrs{"x"});
}

TEST_CASE("malformed campaign JSON gives line and column", "[definition]") {
  auto v = validate_campaign("{\n  \"name\": \"x\",\n  \"dimension\": profiles\n}", nullptr);
  REQUIRE_FALSE(v.ok());
  REQUIRE(v.issues.size() == 1);
  CHECK(v.issues[0].pointer == "");
  CHECK(v.issues[0].message.find("line 3, column 16") != std::string::npos);
  CHECK(validate_campaign("", nullptr).issues.at(0).message.find("line 1, column 1") !=
        std::string::npos);
}

TEST_CASE("top-level members", "[definition]") {
  CHECK(errors(validate_campaign("[1]", nullptr)) == ptrs{""});
  CHECK(errors(validate_campaign("{}", nullptr)) == ptrs{"/activities", "/dimension", "/name"});
  CHECK(errors_with("/name", 5) == ptrs{"/name"});
  CHECK(errors_with("/name", "") == ptrs{"/name"});
  CHECK(errors_with("/description", false) == ptrs{"/description"});
  CHECK(errors_with("/dimension", "people") == ptrs{"/dimension"});
  // no schema, no entity check; yet `people` rows cannot be combined with `profiles` rows
  CHECK(errors_with("/dimension", "people", false) == ptrs{"/activities/4"});
  CHECK(errors_with("/dimension", "bad name") == ptrs{"/dimension"});
  CHECK(errors_with("/owner", "me") == ptrs{"/owner"});
  CHECK(errors_with("/errorPolicy/mode", "retry") == ptrs{"/errorPolicy/mode"});
  CHECK(errors_with("/errorPolicy/maxConsecutiveErrors", -1) ==
        ptrs{"/errorPolicy/maxConsecutiveErrors"});
  CHECK(errors_with("/errorPolicy/retries", 2) == ptrs{"/errorPolicy/retries"});
  CHECK(errors_with("/errorPolicy", "abort").empty());
  CHECK(errors_with("/variables/season", 1) == ptrs{"/variables/season"});
  CHECK(errors_with("/variables/bad name", "x") == ptrs{"/variables/bad name"});
  CHECK(errors_with("/variables", json::array()) ==
        ptrs{"/activities/0/filter/all/8/value/variable", "/activities/15/conditions/1/variable",
             "/variables"});
  CHECK(errors_with("/activities", json::array()) == ptrs{"/activities"});
  CHECK(errors_with("/transitions", json::object()) == ptrs{"/transitions"});
  CHECK(errors_without("/schedule").empty());
  CHECK(errors_without("/transitions").size() > 0);  // the graph falls apart, but it is optional
}

TEST_CASE("schedules are parsed and their problems kept", "[definition]") {
  auto bad = errors_with("/schedule/cron", "61 * * * *");
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].rfind("/schedule", 0) == 0);
  json doc = valid_doc();
  doc["schedule"] = {{"cron", "*/5 * * * *"}, {"timezone", "UTC"}};
  auto v = run(doc);
  INFO(dump(v));
  CHECK(v.ok());  // more often than every 15 minutes is only a warning
  REQUIRE(v.issues.size() == 1);
  CHECK(v.issues[0].level == problem::severity::warning);
  CHECK(v.issues[0].pointer.rfind("/schedule", 0) == 0);
  doc["schedule"] = {{"at", "2027-01-01T10:00:00Z"}};
  REQUIRE(run(doc).ok());
  CHECK(run(doc).definition->schedule.k == schedule::kind::at);
  doc["schedule"] = {{"signal", true}};
  CHECK(run(doc).definition->schedule.k == schedule::kind::signal);
}

TEST_CASE("activity headers", "[definition]") {
  CHECK(errors_without("/activities/1/id") == ptrs{"/activities/1/id"});
  // the transitions name `saved`, which no longer exists
  CHECK(errors_with("/activities/1/id", "bad-id") ==
        ptrs{"/activities/1/id", "/transitions/1/from"});
  CHECK(errors_with("/activities/1/id", "gold") == ptrs{"/activities/1/id", "/transitions/1/from"});
  CHECK(errors_with("/activities/1/type", "query") == ptrs{"/activities/1/type"});
  CHECK(errors_without("/activities/1/type") == ptrs{"/activities/1/type"});
  CHECK(errors_with("/activities/1/label", 3) == ptrs{"/activities/1/label"});
  CHECK(errors_with("/activities/1/disabled", "yes") == ptrs{"/activities/1/disabled"});
  CHECK(errors_with("/activities/1/onError", "retry") == ptrs{"/activities/1/onError"});
  CHECK(errors_with("/activities/1/onError", json{{"mode", "ignore"}, {"maxConsecutiveErrors", 2}})
            .empty());
  CHECK(errors_with("/activities/1", "gold") == ptrs{"/activities/1"});
  CHECK(errors_with("/activities/1/colour", "red") == ptrs{"/activities/1/colour"});
}

TEST_CASE("options of targeting", "[definition][options]") {
  CHECK(errors_with("/activities/0/audience", "vip") == ptrs{"/activities/0/audience"});
  CHECK(errors_with("/activities/0/emitEmpty", 1) == ptrs{"/activities/0/emitEmpty"});
  CHECK(errors_with("/activities/0/dimension", "people") == ptrs{"/activities/0/dimension"});
  CHECK(errors_without("/activities/1/audience") == ptrs{"/activities/1/audience"});
  CHECK(errors_with("/activities/2/mode", "new_only") == ptrs{"/activities/2/mode"});
  CHECK(errors_with("/activities/2/field", "sku") == ptrs{"/activities/2/field"});
  CHECK(errors_with("/activities/2/historyDays", 7) == ptrs{"/activities/2/historyDays"});
  CHECK(errors_without("/activities/2/field") == ptrs{"/activities/2/field"});
  CHECK(errors_with("/activities/3/via", "household") == ptrs{"/activities/3/via"});
  CHECK(errors_with("/activities/3/via", "nope") == ptrs{"/activities/3/via"});
  CHECK(errors_without("/activities/3/to") == ptrs{"/activities/3/to"});
  CHECK(errors_with("/activities/4/mode", "merge") == ptrs{"/activities/4/mode"});
  CHECK(errors_with("/activities/4/mode", "exclusion") == ptrs{"/activities/4/primary"});
  CHECK(errors_with("/activities/4/primary", "load") == ptrs{"/activities/4/primary"});
  CHECK(errors_with("/activities/4/inputs/1", "load") == ptrs{"/activities/4/inputs/1"});
  CHECK(errors_with("/activities/4/inputs", json{"gold"}) == ptrs{"/activities/4/inputs"});
  CHECK(errors_with("/activities/4/match", "keys") == ptrs{"/activities/4/match"});
  CHECK(errors_with("/activities/4/match", json{"email", "nope"}) == ptrs{"/activities/4/match/1"});
  CHECK(errors_with("/activities/4/complement", true) == ptrs{"/activities/4/complement"});
  CHECK(errors_with("/activities/5/keys", json::array()) == ptrs{"/activities/5/keys"});
  CHECK(errors_with("/activities/5/keep", -1) == ptrs{"/activities/5/keep"});
  CHECK(errors_with("/activities/5/method", "random") == ptrs{"/activities/5/orderBy"});
  CHECK(errors_with("/activities/5/orderBy/direction", "up") ==
        ptrs{"/activities/5/orderBy/direction"});
  CHECK(errors_with("/activities/5/method", "value_list") ==
        ptrs{"/activities/5/field", "/activities/5/orderBy", "/activities/5/values"});
  CHECK(errors_with("/activities/9/subsets/0/limit", "150%") ==
        ptrs{"/activities/9/subsets/0/limit"});
  CHECK(errors_with("/activities/9/subsets/0/limit", -3) == ptrs{"/activities/9/subsets/0/limit"});
  CHECK(errors_with("/activities/9/subsets/0/limit", "0%") ==
        ptrs{"/activities/9/subsets/0/limit"});
  CHECK(errors_with("/activities/9/subsets/0/limit", "12.5%").empty());
  CHECK(errors_with("/activities/9/subsets/1/name", "complement") ==
        ptrs{"/activities/9/subsets/1/name", "/transitions/11/output"});
  CHECK(errors_with("/activities/10/audience", "") == ptrs{"/activities/10/audience"});
}

TEST_CASE("options of enrichment and reconciliation", "[definition][options]") {
  CHECK(errors_with("/activities/8/attributes/0/field", "household.town") ==
        ptrs{"/activities/8/attributes/0/field"});
  CHECK(errors_with("/activities/8/attributes/1/field", "sku") ==
        ptrs{"/activities/8/attributes/1/field"});
  CHECK(errors_with("/activities/8/attributes/1/link", "household") ==
        ptrs{"/activities/8/attributes/1/link"});
  CHECK(errors_with("/activities/8/attributes/2/aggregate", "median") ==
        ptrs{"/activities/8/attributes/2/aggregate"});
  CHECK(errors_with("/activities/8/attributes/3/collect", 0) ==
        ptrs{"/activities/8/attributes/3/collect"});
  CHECK(errors_with("/activities/8/attributes/3/fields/1", "price") ==
        ptrs{"/activities/8/attributes/3/fields/1"});
  CHECK(errors_with("/activities/8/attributes/3/name", "city") ==
        ptrs{"/activities/8/attributes/3/name"});
  CHECK(errors_with("/activities/8/join/with", "gold") == ptrs{"/activities/8/join/with"});
  CHECK(errors_with("/activities/8/join/on/0", json{"id"}) == ptrs{"/activities/8/join/on/0"});
  CHECK(errors_with("/activities/7/rules/0/1", "mail") == ptrs{"/activities/7/rules/0/1"});
  CHECK(errors_with("/activities/7/dimension", "people") == ptrs{"/activities/7/dimension"});
}

TEST_CASE("options of flow control", "[definition][options]") {
  CHECK(errors_with("/activities/17/branches", json{"a", "a"}) ==
        ptrs{"/activities/17/branches/1", "/transitions/18/output"});
  CHECK(errors_with("/activities/20/primary", "fan") == ptrs{"/activities/20/primary"});
  CHECK(errors_with("/activities/15/conditions/0/count/op", "like") ==
        ptrs{"/activities/15/conditions/0/count/op"});
  CHECK(errors_with("/activities/15/conditions/0/count/value", "many") ==
        ptrs{"/activities/15/conditions/0/count/value"});
  CHECK(errors_with("/activities/15/conditions/1/variable", "weather") ==
        ptrs{"/activities/15/conditions/1/variable"});
  CHECK(errors_with("/activities/15/conditions/1/name", "default") ==
        ptrs{"/activities/15/conditions/1/name", "/transitions/16/output"});
  CHECK(errors_with("/activities/15/conditions/1", json{{"name", "x"}}) ==
        ptrs{"/activities/15/conditions/1", "/transitions/16/output"});
  CHECK(errors_with("/activities/15/default", "no") == ptrs{"/activities/15/default"});
  CHECK(errors_with("/activities/14/duration", "3 days") == ptrs{"/activities/14/duration"});
  CHECK(errors_with("/activities/14/duration", "PT0S") == ptrs{"/activities/14/duration"});
  CHECK(errors_with("/activities/14/duration", "P1M") == ptrs{"/activities/14/duration"});
  CHECK(errors_with("/activities/19/signal/variables/source", 1) ==
        ptrs{"/activities/19/signal/variables/source"});
  CHECK(errors_without("/activities/19/signal/campaign") == ptrs{"/activities/19/signal/campaign"});
  CHECK(errors_without("/activities/16/title") == ptrs{"/activities/16/title"});
}

TEST_CASE("options of channels", "[definition][options]") {
  CHECK(errors_with("/activities/11/category", "promo") == ptrs{"/activities/11/category"});
  CHECK(errors_without("/activities/11/subject") == ptrs{"/activities/11/subject"});
  CHECK(errors_without("/activities/12/text") == ptrs{"/activities/12/text"});
  CHECK(errors_without("/activities/13/title") == ptrs{"/activities/13/title"});
  CHECK(errors_with("/activities/12/subject", "x") == ptrs{"/activities/12/subject"});
  CHECK(errors_with("/activities/11/body", "Hi {{first_name") == ptrs{"/activities/11/body"});
  CHECK(errors_with("/activities/11/throttle/perSecond", 0) ==
        ptrs{"/activities/11/throttle/perSecond"});
  CHECK(errors_with("/activities/11/throttle/perSecond", 2001) ==
        ptrs{"/activities/11/throttle/perSecond"});
  CHECK(errors_with("/activities/11/throttle/perSecond", 2000).empty());
  CHECK(errors_with("/activities/11/confirm", "yes") == ptrs{"/activities/11/confirm"});
  // Email only: `html` (a template, not empty when given) and `tracking` (a boolean).
  CHECK(errors_with("/activities/11/html", "<p>Hi {{first_name}}</p>").empty());
  CHECK(errors_with("/activities/11/html", "<p>{{first_name</p>") == ptrs{"/activities/11/html"});
  CHECK(errors_with("/activities/11/html", "") == ptrs{"/activities/11/html"});
  CHECK(errors_with("/activities/11/html", 3) == ptrs{"/activities/11/html"});
  CHECK(errors_with("/activities/11/tracking", false).empty());
  CHECK(errors_with("/activities/11/tracking", "no") == ptrs{"/activities/11/tracking"});
  CHECK(errors_with("/activities/12/html", "<p>x</p>") == ptrs{"/activities/12/html"});
  CHECK(errors_with("/activities/12/tracking", true) == ptrs{"/activities/12/tracking"});
  CHECK(errors_with("/activities/12/waves", 1) == ptrs{"/activities/12/waves"});
  CHECK(errors_with("/activities/12/waves", 11) == ptrs{"/activities/12/waves"});
  CHECK(errors_with("/activities/11/waves/sizes", json{20, 30, 40}) ==
        ptrs{"/activities/11/waves/sizes"});
  CHECK(errors_with("/activities/11/waves/interval", "PT10M") ==
        ptrs{"/activities/11/waves/interval"});
  CHECK(errors_with("/activities/11/waves/count", 4) == ptrs{"/activities/11/waves/count"});
  CHECK(errors_with("/activities/11/waves/mode", "absolute").empty());
  CHECK(errors_with("/activities/11/waves/sizes/0", 0) == ptrs{"/activities/11/waves/sizes/0"});
  CHECK(errors_with("/activities/13/waves/sizes", json{50, 50}) ==
        ptrs{"/activities/13/waves/sizes"});
  CHECK(errors_without("/activities/13/waves/count") == ptrs{"/activities/13/waves/count"});
}

TEST_CASE("options of data", "[definition][options]") {
  CHECK(errors_without("/activities/6/path") == ptrs{"/activities/6/path"});
  CHECK(errors_with("/activities/6/delimiter", ";;") == ptrs{"/activities/6/delimiter"});
  CHECK(errors_with("/activities/6/header", false).empty());
  CHECK(errors_with("/activities/6/columns/0/type", "text") ==
        ptrs{"/activities/6/columns/0/type"});
  CHECK(errors_with("/activities/6/columns/1/default", "zero") ==
        ptrs{"/activities/6/columns/1/default"});
  CHECK(errors_without("/activities/6/columns/1/default") ==
        ptrs{"/activities/6/columns/1/default"});
  CHECK(errors_with("/activities/6/maxErrors", -1) == ptrs{"/activities/6/maxErrors"});
  CHECK(errors_with("/activities/18/operation", "merge") == ptrs{"/activities/18/operation"});
  CHECK(errors_with("/activities/18/entity", "people") == ptrs{"/activities/18/entity"});
  CHECK(errors_with("/activities/18/keys/0/1", "uid") == ptrs{"/activities/18/keys/0/1"});
  CHECK(errors_with("/activities/18/fields", json{{"tier", "loyalty"}}) ==
        ptrs{"/activities/18/fields/tier"});
  CHECK(errors_with("/activities/18/operation", "delete") == ptrs{"/activities/18/fields"});
  CHECK(errors_without("/activities/18/keys") == ptrs{"/activities/18/keys"});
}

TEST_CASE("an unknown option is an error", "[definition][options]") {
  CHECK(errors_with("/activities/14/until", "PT1H") == ptrs{"/activities/14/until"});
  CHECK(errors_with("/activities/11/text", "x") == ptrs{"/activities/11/text"});
}

TEST_CASE("guardrails and campaign-wide checks", "[definition]") {
  SECTION("channel activities") {
    json doc = small({{"id", "m0"}, {"type", "sms"}, {"text", "t"}});
    for (int i = 1; i <= 10; ++i) {
      std::string id = "m" + std::to_string(i);
      doc["activities"].push_back({{"id", id}, {"type", "sms"}, {"text", "t"}});
      doc["transitions"].push_back({{"from", "a"}, {"to", id}});
    }
    CHECK(errors(run(doc)) == ptrs{"/activities"});
    doc["activities"].erase(11);
    doc["transitions"].erase(10);
    CHECK(errors(run(doc)).empty());
  }
  SECTION("activity count") {
    guardrails g;
    g.max_activities = 21;
    CHECK(errors(run(valid_doc(), true, g)) == ptrs{"/activities"});
    g.max_activities = 22;
    CHECK(run(valid_doc(), true, g).ok());
  }
  SECTION("saved audience names are unique") {
    json doc = valid_doc();
    doc["activities"][10]["audience"] = "high_value";
    doc["activities"].push_back(
        {{"id", "keep2"}, {"type", "save_audience"}, {"audience", "high_value"}});
    doc["transitions"].push_back({{"from", "dedup"}, {"output", "complement"}, {"to", "keep2"}});
    CHECK(errors(run(doc)) == ptrs{"/activities/22/audience"});
  }
  SECTION("marketing without consent is a warning") {
    auto no_consent = schema();
    const_cast<entity&>(*no_consent.find_entity("profiles")).consent.clear();
    auto v = parse_campaign_json(valid_doc(), &no_consent);
    CHECK(v.ok());
    REQUIRE(v.issues.size() == 2);  // email (marketing) and push (marketing by default)
    CHECK(v.issues[0].level == problem::severity::warning);
    CHECK(v.issues[0].pointer == "/activities/11");
    CHECK(v.issues[1].pointer == "/activities/13");
  }
}

TEST_CASE("a document with several problems lists all of them", "[definition]") {
  json doc = valid_doc();
  doc["name"] = 7;
  doc["activities"][0]["filter"]["all"][0]["op"] = "equals";
  doc["activities"][0]["filter"]["all"][3]["value"] = {{"daysAgo", "x"}};
  doc["activities"][11]["throttle"]["perSecond"] = 5000;
  doc["activities"][14]["duration"] = "soon";
  doc["activities"][17]["type"] = "fork_all";
  doc["transitions"][0]["output"] = "nope";
  doc["transitions"][21]["from"] = "ghost";
  auto v = run(doc);
  INFO(dump(v));
  CHECK_FALSE(v.ok());
  CHECK(errors(v) ==
        ptrs{"/activities/0/filter/all/0/op", "/activities/0/filter/all/3/value/daysAgo",
             "/activities/11/throttle/perSecond", "/activities/14/duration", "/activities/17/type",
             "/name", "/transitions/0/output", "/transitions/21/from"});
  for (const auto& p : v.issues) CHECK_FALSE(p.message.empty());
}

TEST_CASE("a member given twice is reported where it is", "[definition]") {
  auto v = validate_campaign(R"({"name": "x", "dimension": "profiles", "activities": [
    {"id": "a", "type": "build_audience", "filter": {"field": "loyalty", "op": "eq", "op": "ne",
     "value": "gold"}}], "name": "y"})",
                             &schema());
  CHECK_FALSE(v.ok());
  CHECK(errors(v) == ptrs{"/activities/0/filter/op", "/name"});
}

TEST_CASE("the example of INTERFACES.md §4 is valid", "[definition]") {
  auto v = validate_campaign(R"({
    "name": "Winter sale",
    "description": "optional",
    "dimension": "profiles",
    "schedule": {"cron": "0 9 * * MON-FRI", "timezone": "Europe/Paris",
                 "from": "2026-12-01T00:00:00Z", "until": "2027-01-31T00:00:00Z"},
    "errorPolicy": {"mode": "suspend", "maxConsecutiveErrors": 0},
    "variables": {"season": "winter"},
    "activities": [
      {"id": "gold", "type": "build_audience",
       "filter": {"all": [{"field": "loyalty", "op": "eq", "value": "gold"},
                          {"exists": {"link": "purchases", "where": {"field": "amount", "op": "ge", "value": 100}}}]}},
      {"id": "one_per_email", "type": "deduplication", "keys": ["email"], "keep": 1, "method": "random"},
      {"id": "mail", "type": "email", "category": "marketing",
       "subject": "Hello {{first_name}}", "body": "…", "throttle": {"perSecond": 500}}
    ],
    "transitions": [
      {"from": "gold", "to": "one_per_email"},
      {"from": "one_per_email", "to": "mail"}
    ]
  })",
                             &schema());
  INFO(dump(v));
  CHECK(v.ok());
  CHECK(v.issues.empty());
}
