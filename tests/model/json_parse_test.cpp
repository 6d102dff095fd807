// Hostile JSON (issue 18, items 6 and 7): numbers beyond a double, nesting 100 000 levels deep,
// oversized documents and malformed text come back as problems with a pointer or a line and
// column — never an exception, never a crash — through the one parser every input uses.
#include <catch2/catch.hpp>

#include <string>

#include "model/definition.hpp"
#include "model/entity_schema.hpp"
#include "model/json_parse.hpp"
#include "model/json_reader.hpp"

using namespace baton;

namespace {

std::string nested_nots(std::size_t n) {
  std::string s;
  s.reserve(n * 9 + 64);
  for (std::size_t i = 0; i < n; ++i) s += "{\"not\":";
  s += R"({"field":"email","op":"eq","value":"x"})";
  s.append(n, '}');
  return s;
}

std::string campaign_with_filter(const std::string& filter) {
  return R"({"name":"x","dimension":"profiles","activities":[{"id":"a","type":"build_audience",)"
         R"("filter":)" +
         filter + R"(}],"transitions":[]})";
}

bool has_problem(const problems& ps, const std::string& pointer, const std::string& words) {
  for (auto& p : ps)
    if (p.pointer == pointer && p.message.find(words) != std::string::npos) return true;
  return false;
}

std::string all_of(const problems& ps) {
  std::string s;
  for (auto& p : ps) s += (p.pointer.empty() ? "/" : p.pointer) + ": " + p.message + "\n";
  return s;
}

}  // namespace

TEST_CASE("a number beyond the range of a double is a problem at its pointer", "[json]") {
  for (std::string number :
       {std::string("1e400"), std::string("-1e400"), "1" + std::string(400, '0')}) {
    auto text =
        R"({"name":"x","dimension":"profiles","activities":[{"id":"a","type":"build_audience"},)"
        R"({"id":"d","type":"deduplication","keys":["email"],"keep":)" +
        number + R"(}],"transitions":[{"from":"a","to":"d"}]})";
    campaign_validation v;
    REQUIRE_NOTHROW(v = validate_campaign(text, nullptr));
    INFO(all_of(v.issues));
    CHECK_FALSE(v.ok());
    CHECK(has_problem(v.issues, "/activities/1/keep", "out of range"));
  }
  auto throttle =
      R"({"name":"x","dimension":"profiles","activities":[{"id":"a","type":"build_audience"},)"
      R"({"id":"m","type":"email","subject":"s","body":"b","throttle":{"perSecond":1e400}}],)"
      R"("transitions":[{"from":"a","to":"m"}]})";
  auto v = validate_campaign(throttle, nullptr);
  CHECK(has_problem(v.issues, "/activities/1/throttle/perSecond", "out of range"));

  entity_schema_validation s;
  REQUIRE_NOTHROW(s = parse_entity_schema(R"({"entities": [{"name": "p", "key": "id",
      "columns": [{"name": "id", "type": "integer"}], "links": 1e999}]})"));
  CHECK_FALSE(s.ok());
  CHECK(has_problem(s.issues, "/entities/0/links", "out of range"));
}

TEST_CASE("nesting is limited to 64 levels, refused at the first value too deep", "[json]") {
  problems ps;
  std::string deep64 = std::string(64, '[') + std::string(64, ']');
  CHECK(parse_json_text(deep64, ps).has_value());
  CHECK(ps.empty());
  std::string deep65 = std::string(65, '[') + std::string(65, ']');
  CHECK_FALSE(parse_json_text(deep65, ps).has_value());
  REQUIRE(ps.size() == 1);
  std::string innermost;
  for (int i = 0; i < 64; ++i) innermost += "/0";  // the 65th array, inside 64 others
  CHECK(ps[0].pointer == innermost);
  CHECK(ps[0].message.find("nested too deeply") != std::string::npos);

  // 100 000 nested `not`: validate (and the engine's create, which validates) answer a problem.
  campaign_validation v;
  REQUIRE_NOTHROW(v = validate_campaign(campaign_with_filter(nested_nots(100000)), nullptr));
  CHECK_FALSE(v.ok());
  REQUIRE(v.issues.size() == 1);
  std::string expected = "/activities/0/filter";
  for (int i = 0; i < 61; ++i) expected += "/not";
  CHECK(v.issues[0].pointer == expected);
  CHECK(v.issues[0].message.find("more than 64") != std::string::npos);

  // Within the JSON limit, the filter checker's own limit (32 levels) answers.
  v = validate_campaign(campaign_with_filter(nested_nots(40)), nullptr);
  CHECK_FALSE(v.ok());
  CHECK(all_of(v.issues).find("filter nested too deeply") != std::string::npos);
}

TEST_CASE("documents larger than the limit are refused before parsing", "[json]") {
  problems ps;
  std::string big = "\"" + std::string(1000, 'x') + "\"";
  CHECK_FALSE(parse_json_text(big, ps, json_limits{100, 64}).has_value());
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].pointer.empty());
  CHECK(ps[0].message.find("more than the limit of 100 bytes") != std::string::npos);
  ps.clear();
  CHECK(parse_json_text(big, ps).has_value());  // the default limit is megabytes
}

TEST_CASE("malformed JSON gives its line and column; duplicates their pointer", "[json]") {
  problems ps;
  CHECK_FALSE(parse_json_text("{\n  \"a\": 1,\n  \"b\": tru\n}", ps).has_value());
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].pointer.empty());
  CHECK(ps[0].message.rfind("malformed JSON at line 3, column ", 0) == 0);
  ps.clear();
  CHECK_FALSE(parse_json_text("", ps).has_value());
  CHECK(ps.size() == 1);
  ps.clear();
  CHECK_FALSE(parse_json_text("{} trailing", ps).has_value());
  CHECK(ps.size() == 1);
  ps.clear();
  CHECK_FALSE(parse_json_text("\"\xff\"", ps).has_value());  // not UTF-8
  CHECK(ps.size() == 1);

  ps.clear();
  auto doc = parse_json_text(R"({"a": [1, {"b": 1, "b": 2}], "a": 3})", ps);
  REQUIRE(doc.has_value());
  CHECK((*doc)["a"] == 3);
  CHECK(ps.size() == 2);
  CHECK(has_problem(ps, "/a/1/b", "duplicate member `b`"));
  CHECK(has_problem(ps, "/a", "duplicate member `a`"));

  ps.clear();
  doc = parse_json_text(R"({"x": [true, null, -5, 18446744073709551615, 2.5, "s", {}, []]})", ps);
  REQUIRE(doc.has_value());
  CHECK(ps.empty());
  CHECK(doc->dump() == R"({"x":[true,null,-5,18446744073709551615,2.5,"s",{},[]]})");
}

TEST_CASE("unknown members name the allowed one a typo away", "[json]") {
  CHECK(closest_name("listn", {"listen", "workers"}) == "listen");
  CHECK(closest_name("campain", {"campaign", "run"}) == "campaign");
  CHECK(closest_name("shwo", {"show", "list"}) == "show");
  CHECK(closest_name("frobnicate", {"show", "list"}).empty());
  CHECK(closest_name("x", {"y"}).empty());  // one letter replaced entirely is no typo

  problems ps;
  nlohmann::json j = {{"listn", "a"}, {"colour", 1}};
  json_reader r(j, "/engine", ps);
  r.allow({"listen", "workers"});
  r.finish();
  REQUIRE(ps.size() == 2);
  CHECK(has_problem(ps, "/engine/listn", "unknown member `listn` (did you mean `listen`?)"));
  CHECK(has_problem(ps, "/engine/colour", "allowed: listen, workers"));
}
