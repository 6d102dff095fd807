// Experiments and control groups in campaign definitions (INTERFACES.md §10): `variants` with
// `experiment` and `controlGroup` validate, round-trip, and each bad input is refused at its JSON
// pointer; the shares are exact (floor) and a control group never holds out more than half.
#include <catch2/catch.hpp>

#include "definition_fixture.hpp"
#include "model/experiment.hpp"

using namespace definition_fixture;

namespace {

json ab_doc() {
  return {{"name", "ab"},
          {"dimension", "profiles"},
          {"activities",
           {{{"id", "all"}, {"type", "build_audience"}},
            {{"id", "mail"},
             {"type", "email"},
             {"variants",
              {{{"name", "a"}, {"subject", "A {{first_name}}"}, {"body", "Body A"}},
               {{"name", "b"}, {"subject", "B {{first_name}}"}, {"body", "Body B"}}}},
             {"experiment", {{"testShare", "20%"}, {"wait", "PT4H"}, {"metric", "opens"}}},
             {"controlGroup", {{"share", "10%"}}}}}},
          {"transitions", {{{"from", "all"}, {"to", "mail"}}}}};
}

}  // namespace

TEST_CASE("experiments: a valid experiment round-trips and reads back",
          "[definition][experiment]") {
  auto v = run(ab_doc());
  INFO(dump(v));
  REQUIRE(v.ok());
  auto j = v.definition->to_json();
  CHECK(run(j).ok());
  auto ex = read_experiment(v.definition->activities[1].options);
  REQUIRE(ex);
  CHECK(ex->variants == std::vector<std::string>{"a", "b"});
  CHECK(ex->test_share == 20);
  CHECK(ex->wait == 4LL * 3600 * 1'000'000);
  CHECK(ex->metric == "opens");
  CHECK(ex->test_rows(99) == 19);  // floor
  auto c = read_control(v.definition->activities[1].options["controlGroup"]);
  REQUIRE(c);
  CHECK(c->held_out(99) == 9);
  CHECK(control_spec{std::nullopt, 80}.held_out(100) == 50);  // a count is capped at half
  // The campaign's controlGroup is kept too.
  auto doc = ab_doc();
  doc["controlGroup"] = {{"count", 100}};
  v = run(doc);
  REQUIRE(v.ok());
  CHECK(v.definition->to_json()["controlGroup"] == json{{"count", 100}});
}

TEST_CASE("experiments: bad variants and experiments at their pointers",
          "[definition][experiment]") {
  auto doc = ab_doc();
  doc["activities"][1]["variants"][0].erase("subject");  // a variant without content
  CHECK(errors(run(doc)) == ptrs{"/activities/1/variants/0/subject"});
  doc = ab_doc();
  doc["activities"][1]["subject"] = "own";  // the activity's own content beside variants
  auto v = run(doc);
  CHECK(errors(v) == ptrs{"/activities/1/subject"});
  CHECK(message_at(v, "/activities/1/subject").find("in each variant") != std::string::npos);
  for (const char* share : {"0%", "100%", "20", "-5%"}) {
    doc = ab_doc();
    doc["activities"][1]["experiment"]["testShare"] = share;
    INFO(share);
    CHECK(errors(run(doc)) == ptrs{"/activities/1/experiment/testShare"});
  }
  doc = ab_doc();
  doc["activities"][1]["experiment"]["metric"] = "revenue";
  CHECK(errors(run(doc)) == ptrs{"/activities/1/experiment/metric"});
  doc = ab_doc();
  doc["activities"][1]["variants"][1]["name"] = "a";
  v = run(doc);
  CHECK(errors(v) == ptrs{"/activities/1/variants/1/name"});
  CHECK(message_at(v, "/activities/1/variants/1/name").find("duplicate") != std::string::npos);
  doc = ab_doc();
  doc["activities"][1]["variants"].erase(1);  // one variant is no experiment
  CHECK(errors(run(doc)) == ptrs{"/activities/1/variants"});
  doc = ab_doc();
  doc["activities"][1].erase("experiment");
  CHECK(errors(run(doc)) == ptrs{"/activities/1/experiment"});
  doc = ab_doc();
  doc["activities"][1]["experiment"]["wait"] = "4 hours";
  CHECK(errors(run(doc)) == ptrs{"/activities/1/experiment/wait"});
  doc = ab_doc();
  doc["activities"][1]["waves"] = 3;
  CHECK(errors(run(doc)) == ptrs{"/activities/1/waves"});
  doc = ab_doc();
  doc["activities"][1]["variants"][0]["subject"] = "Hi {{first_name";
  CHECK(errors(run(doc)) == ptrs{"/activities/1/variants/0/subject"});
}

TEST_CASE("control groups: over 50 % or malformed is refused", "[definition][experiment]") {
  auto doc = ab_doc();
  doc["activities"][1]["controlGroup"] = {{"share", "60%"}};
  auto v = run(doc);
  CHECK(errors(v) == ptrs{"/activities/1/controlGroup/share"});
  CHECK(message_at(v, "/activities/1/controlGroup/share").find("50") != std::string::npos);
  doc = ab_doc();
  doc["controlGroup"] = {{"share", "50.5%"}};
  CHECK(errors(run(doc)) == ptrs{"/controlGroup/share"});
  doc = ab_doc();
  doc["controlGroup"] = {{"share", "10%"}, {"count", 3}};
  CHECK(errors(run(doc)) == ptrs{"/controlGroup"});
  doc = ab_doc();
  doc["controlGroup"] = {{"count", 0}};
  CHECK(errors(run(doc)) == ptrs{"/controlGroup/count"});
  doc = ab_doc();
  doc["activities"][1]["controlGroup"] = {{"share", "50%"}};
  CHECK(run(doc).ok());
}
