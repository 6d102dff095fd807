// build_audience filters (every operator, link paths, exists, aggregates, daysAgo, variables),
// deduplication, combine and change_dimension on a small hand-checked data set, both backends.
#include "fixture.hpp"

using namespace baton;
using namespace baton::audience;
using namespace baton::audience::test;

namespace {

strings build(runner& r, const json& filter) {
  static int n = 0;
  auto o =
      r.ok({{"id", "b" + std::to_string(++n)}, {"type", "build_audience"}, {"filter", filter}});
  return ids(*r.db.b, output(o, "out"));
}

json f(const char* field, const char* op, json v = nullptr) {
  json j = {{"field", field}, {"op", op}};
  if (!v.is_null()) j["value"] = v;
  return j;
}

}  // namespace

TEST_CASE("build_audience compiles every filter form", "[audience][filter]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  runner r(db);
  CHECK(build(r, f("loyalty", "eq", "gold")) == strings{"1", "3", "5"});
  CHECK(build(r, f("loyalty", "ne", "gold")) == strings{"2", "4"});  // null is neither
  CHECK(build(r, f("score", "lt", 20)) == strings{"1"});
  CHECK(build(r, f("score", "le", 20)) == strings{"1", "2"});
  CHECK(build(r, f("score", "gt", 50)) == strings{"6"});
  CHECK(build(r, f("score", "ge", 50.0)) == strings{"5", "6"});
  CHECK(build(r, f("score", "between", {15, 35})) == strings{"2", "3"});
  CHECK(build(r, f("loyalty", "in", {"silver", "bronze"})) == strings{"2", "4"});
  CHECK(build(r, f("loyalty", "not_in", {"silver", "bronze"})) == strings{"1", "3", "5"});
  CHECK(build(r, f("email", "is_null")) == strings{"4"});
  CHECK(build(r, f("household_id", "not_null")) == strings{"1", "2", "3", "4", "5"});
  CHECK(build(r, f("first_name", "starts_with", "Ann")) == strings{"1", "3"});
  CHECK(build(r, f("first_name", "contains", "a")) == strings{"4", "6"});  // case-sensitive
  CHECK(build(r, f("first_name", "like", "_n%")) == strings{"1", "3"});
  CHECK(build(r, f("email_opt_in", "eq", false)) == strings{"2", "5"});
  CHECK(build(r, f("birth_date", "lt", "1981-01-01")) == strings{"1", "6"});
  CHECK(build(r, f("created_at", "ge", "2026-05-01T10:00:00Z")) == strings{"5", "6"});
  CHECK(build(r, f("created_at", "ge", {{"daysAgo", 180}})) == strings{"6"});  // now = 2026-11-18
  CHECK(build(r, f("household.city", "eq", "Paris")) == strings{"1", "2"});
  CHECK(build(r, {{"all",
                   {f("loyalty", "eq", "gold"), {{"not", f("household.city", "eq", "Paris")}}}}}) ==
        strings{"3", "5"});
  CHECK(build(r, {{"any", {f("score", "lt", 15), f("score", "gt", 55)}}}) == strings{"1", "6"});
  CHECK(build(r, {{"any", json::array()}}).empty());
  CHECK(build(r, {{"exists", {{"link", "purchases"}, {"where", f("category", "eq", "shoes")}}}}) ==
        strings{"1", "5"});
  CHECK(build(r, {{"not", {{"exists", {{"link", "purchases"}}}}}}) == strings{"4", "6"});
  CHECK(build(r, {{"aggregate", {{"link", "purchases"}, {"fn", "sum"}, {"field", "amount"}}},
                  {"op", "ge"},
                  {"value", 100}}) == strings{"1", "2"});
  CHECK(
      build(r, {{"aggregate",
                 {{"link", "purchases"}, {"fn", "count"}, {"where", f("category", "eq", "hats")}}},
                {"op", "ge"},
                {"value", 1}}) == strings{"1", "3"});
  CHECK(build(r, {{"aggregate", {{"link", "purchases"}, {"fn", "max"}, {"field", "bought_at"}}},
                  {"op", "ge"},
                  {"value", {{"daysAgo", 10}}}}) == strings{"3", "5"});
  CHECK(build(r, {{"aggregate", {{"link", "purchases"}, {"fn", "avg"}, {"field", "amount"}}},
                  {"op", "lt"},
                  {"value", 60}}) == strings{"1", "3"});
  CHECK(build(r, {{"aggregate", {{"link", "purchases"}, {"fn", "count"}}},
                  {"op", "eq"},
                  {"value", 0}}) == strings{"4", "6"});
  r.vars["tier"] = "silver";
  CHECK(build(r, f("loyalty", "eq", {{"variable", "tier"}})) == strings{"2"});
  // Another dimension, and all rows without a filter.
  auto o = r.ok({{"id", "hh"}, {"type", "build_audience"}, {"dimension", "households"}});
  CHECK(output(o, "out").count == 3);
  CHECK(output(o, "out").dimension == "households");
}

TEST_CASE("build_audience reports bad filters and emitEmpty", "[audience][filter]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  runner r(db);
  auto bad = [&](const json& filter) {
    auto res = r.go({{"id", "bad"}, {"type", "build_audience"}, {"filter", filter}});
    REQUIRE_FALSE(res.ok());
    CHECK(res.err().code == errc::validation);
    return res.err().message();
  };
  CHECK(bad(f("shoe_size", "eq", 1)).find("shoe_size") != std::string::npos);
  CHECK(bad(f("household.zip", "eq", 1)).find("zip") != std::string::npos);
  CHECK(bad(f("score", "eq", "abc")).find("abc") != std::string::npos);
  CHECK(bad(f("score", "ge", {{"daysAgo", 1}})).find("daysAgo") != std::string::npos);
  CHECK(bad(f("loyalty", "eq", {{"variable", "nope"}})).find("nope") != std::string::npos);
  CHECK(bad({{"feedback", {{"event", "opened"}}}}).find("feedback") != std::string::npos);
  CHECK(bad({{"exists", {{"link", "household"}}}}).empty() == false);
  auto empty = r.ok({{"id", "e1"},
                     {"type", "build_audience"},
                     {"emitEmpty", false},
                     {"filter", f("loyalty", "eq", "platinum")}});
  CHECK(empty.outputs.empty());
  auto emitted =
      r.ok({{"id", "e2"}, {"type", "build_audience"}, {"filter", f("loyalty", "eq", "platinum")}});
  CHECK(output(emitted, "out").count == 0);
}

// Found by fuzz/filter (docs/fuzzing.md): the compiler threw nlohmann's type_error (an abort in an
// engine worker) on members of the wrong type, and days * us_per_day could overflow. Filters reach
// it from stored definitions too, so it refuses these by itself, as error values.
TEST_CASE("filters of the wrong shape are errors from the compiler and never exceptions",
          "[audience][filter]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  runner r(db);
  for (const json& filter :
       {json{{"exists", "emai_null"}}, json{{"aggregate", 3}, {"op", "gt"}, {"value", 1}},
        json{{"aggregate", {{"link", "purchases"}, {"fn", 1}}}, {"op", "gt"}, {"value", 1}},
        json{{"field", 7}, {"op", "eq"}, {"value", 1}},
        json{{"field", "loyalty"}, {"op", json::array()}, {"value", "x"}},
        json{{"field", "loyalty"}, {"op", "eq"}, {"value", {{"variable", 1}}}},
        json{{"field", "created_at"},
             {"op", "gt"},
             {"value", {{"daysAgo", std::int64_t{9'000'000'000'000'000'000}}}}}}) {
    INFO(filter.dump());
    auto res = r.go({{"id", "bad"}, {"type", "build_audience"}, {"filter", filter}});
    REQUIRE_FALSE(res.ok());
    CHECK(res.err().code == errc::validation);
  }
}

TEST_CASE("deduplication keeps N per group with each method, and the complement",
          "[audience][dedup]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  runner r(db);
  auto all = r.ok({{"id", "all"}, {"type", "build_audience"}});
  auto in = std::vector<std::pair<std::string, ev::population>>{{"all", output(all, "out")}};
  auto dedup = [&](const std::string& id, json opts) {
    opts["id"] = id;
    opts["type"] = "deduplication";
    opts["complement"] = true;
    auto o = r.ok(opts, in);
    return std::make_pair(ids(*db.b, output(o, "out")), ids(*db.b, output(o, "complement")));
  };
  // email groups: a {1,3}, b {2}, c {5,6}; 4 has no email and is never a duplicate.
  auto [out1, comp1] = dedup("d1", {{"keys", json::array({"email"})},
                                    {"method", "expression"},
                                    {"orderBy", {{"field", "score"}, {"direction", "desc"}}}});
  CHECK(out1 == strings{"2", "3", "4", "6"});
  CHECK(comp1 == strings{"1", "5"});
  auto [out2, comp2] = dedup("d2", {{"keys", json::array({"email"})}, {"keep", 2}});
  CHECK(out2 == strings{"1", "2", "3", "4", "5", "6"});
  CHECK(comp2.empty());
  auto [out0, comp0] = dedup("d0", {{"keys", json::array({"email"})}, {"keep", 0}});
  CHECK(out0.size() == 6);
  CHECK(comp0.empty());
  auto [outn, compn] = dedup(
      "dn", {{"keys", json::array({"email"})}, {"method", "non_empty"}, {"field", "loyalty"}});
  CHECK(outn.size() == 4);
  CHECK(std::count(outn.begin(), outn.end(), "5") == 1);  // 6 has no loyalty
  CHECK(std::count(compn.begin(), compn.end(), "6") == 1);
  // household groups: 1 {1 gold, 2 silver}, 2 {3 gold, 4 bronze}, 3 {5}; 6 has none.
  auto [outv, compv] = dedup("dv", {{"keys", json::array({"household_id"})},
                                    {"method", "value_list"},
                                    {"field", "loyalty"},
                                    {"values", {"bronze", "silver", "gold"}}});
  CHECK(outv == strings{"2", "4", "5", "6"});
  CHECK(compv == strings{"1", "3"});
  // Keys may be link paths: one per city.
  auto [outc, compc] = dedup("dc", {{"keys", json::array({"household.city"})},
                                    {"method", "expression"},
                                    {"orderBy", {{"field", "id"}}}});
  CHECK(outc == strings{"1", "3", "5", "6"});
  // Random is seeded by campaign, run and activity: a re-run picks the same rows.
  auto first =
      r.ok({{"id", "dr"}, {"type", "deduplication"}, {"keys", json::array({"email"})}}, in);
  auto again =
      r.ok({{"id", "dr"}, {"type", "deduplication"}, {"keys", json::array({"email"})}}, in);
  CHECK(output(first, "out").count == 4);
  CHECK(output(first, "out").fingerprint == output(again, "out").fingerprint);
  CHECK(output(first, "out").table == output(again, "out").table);
}

TEST_CASE("combine: union, intersection and exclusion with complements", "[audience][combine]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  runner r(db);
  auto gold =
      r.ok({{"id", "gold"}, {"type", "build_audience"}, {"filter", f("loyalty", "eq", "gold")}});
  auto optin = r.ok(
      {{"id", "optin"}, {"type", "build_audience"}, {"filter", f("email_opt_in", "eq", true)}});
  std::vector<std::pair<std::string, ev::population>> in = {{"gold", output(gold, "out")},
                                                            {"optin", output(optin, "out")}};
  auto combine = [&](const std::string& id, json opts) {
    opts["id"] = id;
    opts["type"] = "combine";
    return r.ok(opts, in);
  };
  auto u = combine("u", {{"mode", "union"}});
  CHECK(ids(*db.b, output(u, "out")) == strings{"1", "3", "4", "5", "6"});
  auto i = combine("i", {{"mode", "intersection"}, {"complement", true}});
  CHECK(ids(*db.b, output(i, "out")) == strings{"1", "3"});
  CHECK(ids(*db.b, output(i, "complement")) == strings{"4", "5", "6"});
  auto x = combine("x", {{"mode", "exclusion"}, {"primary", "gold"}, {"complement", true}});
  CHECK(ids(*db.b, output(x, "out")) == strings{"5"});
  CHECK(ids(*db.b, output(x, "complement")) == strings{"1", "3"});
  auto x2 = combine("x2", {{"mode", "exclusion"}, {"primary", "optin"}});
  CHECK(ids(*db.b, output(x2, "out")) == strings{"4", "6"});
  // Matching on columns: gold emails {a, a, c} against opt-in emails {a, a, null, c}.
  auto ie = combine("ie", {{"mode", "intersection"}, {"match", json::array({"email"})}});
  CHECK(ids(*db.b, output(ie, "out")) == strings{"1", "3", "5"});
  auto ue = combine("ue", {{"mode", "union"}, {"match", json::array({"email"})}});
  CHECK(ids(*db.b, output(ue, "out")) == strings{"1", "4", "5"});  // first of each email; null kept
}

TEST_CASE("change_dimension moves along a link and de-duplicates", "[audience][change_dimension]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  runner r(db);
  auto big = r.ok({{"id", "big"},
                   {"type", "build_audience"},
                   {"dimension", "purchases"},
                   {"filter", f("amount", "ge", 50)}});
  CHECK(ids(*db.b, output(big, "out")) == strings{"1", "2", "4", "6"});
  auto who =
      r.ok({{"id", "who"}, {"type", "change_dimension"}, {"to", "profiles"}, {"via", "profile"}},
           {{"big", output(big, "out")}});
  CHECK(output(who, "out").dimension == "profiles");
  CHECK(ids(*db.b, output(who, "out")) == strings{"1", "2", "5"});
  auto homes = r.ok(
      {{"id", "homes"}, {"type", "change_dimension"}, {"to", "households"}, {"via", "household"}},
      {{"who", output(who, "out")}});
  CHECK(ids(*db.b, output(homes, "out")) == strings{"1", "3"});
  auto bad =
      r.go({{"id", "bad"}, {"type", "change_dimension"}, {"to", "profiles"}, {"via", "nope"}},
           {{"big", output(big, "out")}});
  CHECK(bad.err().code == errc::validation);
}
