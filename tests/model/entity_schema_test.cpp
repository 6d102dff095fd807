// Entity schema parsing (INTERFACES.md §5): every problem with its JSON pointer, path resolution
// across links, and the JSON round trip.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "model/entity_schema.hpp"

using namespace baton;
using nlohmann::json;

namespace {

const char* k_schema = R"({"entities": [
  {"name": "profiles", "key": "id",
   "columns": [{"name": "id", "type": "integer"}, {"name": "email", "type": "string"},
               {"name": "phone", "type": "string"}, {"name": "loyalty", "type": "string"},
               {"name": "email_opt_in", "type": "boolean"}, {"name": "sms_opt_in", "type": "boolean"},
               {"name": "birth_date", "type": "date"}, {"name": "household_id", "type": "integer"},
               {"name": "score", "type": "float"}],
   "addresses": {"email": "email", "sms": "phone"},
   "consent":   {"email": "email_opt_in", "sms": "sms_opt_in"},
   "links": [{"name": "purchases", "to": "purchases", "on": [["id", "profile_id"]], "cardinality": "one-to-many"},
             {"name": "household", "to": "households", "on": [["household_id", "id"]], "cardinality": "many-to-one"}]},
  {"name": "households", "key": "id",
   "columns": [{"name": "id", "type": "integer"}, {"name": "city", "type": "string"},
               {"name": "region_id", "type": "integer"}],
   "links": [{"name": "region", "to": "regions", "on": [["region_id", "id"]], "cardinality": "one-to-one"}]},
  {"name": "regions", "key": "id",
   "columns": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]},
  {"name": "purchases", "key": "id",
   "columns": [{"name": "id", "type": "integer"}, {"name": "profile_id", "type": "integer"},
               {"name": "amount", "type": "float"}, {"name": "bought_at", "type": "datetime"}],
   "links": [{"name": "profile", "to": "profiles", "on": [["profile_id", "id"]], "cardinality": "many-to-one"}]}
]})";

std::vector<std::string> pointers(const problems& ps) {
  std::vector<std::string> v;
  for (const auto& p : ps) v.push_back(p.pointer);
  std::sort(v.begin(), v.end());
  return v;
}

bool has_pointer(const problems& ps, const std::string& ptr) {
  return std::any_of(ps.begin(), ps.end(), [&](const problem& p) { return p.pointer == ptr; });
}

// The schema above with one change applied at a JSON pointer.
entity_schema_validation with_change(const std::string& ptr, const json& value) {
  json doc = json::parse(k_schema);
  doc[json::json_pointer(ptr)] = value;
  return parse_entity_schema(doc.dump());
}

}  // namespace

TEST_CASE("a valid schema parses with every part", "[entity_schema]") {
  auto v = parse_entity_schema(k_schema);
  INFO((v.issues.empty() ? std::string() : v.issues[0].pointer + " " + v.issues[0].message));
  REQUIRE(v.ok());
  REQUIRE(v.issues.empty());
  const auto& s = *v.schema;
  REQUIRE(s.entities.size() == 4);
  const entity* p = s.find_entity("profiles");
  REQUIRE(p);
  CHECK(p->key == "id");
  CHECK(p->find_column("birth_date")->type == column_type::date);
  CHECK(p->find_column("score")->type == column_type::floating);
  CHECK(p->addresses.at(channel::sms) == "phone");
  CHECK(p->consent.at(channel::email) == "email_opt_in");
  CHECK(p->find_link("purchases")->card == cardinality::one_to_many);
  CHECK(p->find_link("household")->on ==
        std::vector<std::pair<std::string, std::string>>{{"household_id", "id"}});
  CHECK(s.find_entity("nope") == nullptr);
  CHECK(p->find_column("nope") == nullptr);
}

TEST_CASE("schema round-trips through to_json", "[entity_schema]") {
  auto v = parse_entity_schema(k_schema);
  REQUIRE(v.ok());
  auto again = parse_entity_schema_json(v.schema->to_json());
  REQUIRE(again.ok());
  CHECK(*again.schema == *v.schema);
  CHECK(again.schema->to_json() == v.schema->to_json());
}

TEST_CASE("resolve_field follows N-1 and 1-1 links", "[entity_schema]") {
  auto v = parse_entity_schema(k_schema);
  REQUIRE(v.ok());
  const auto& s = *v.schema;
  const entity& profiles = *s.find_entity("profiles");

  auto plain = s.resolve_field(profiles, "loyalty");
  REQUIRE(plain.ok());
  CHECK(plain->col->name == "loyalty");
  CHECK(plain->owner == &profiles);
  CHECK(plain->links.empty());

  auto two = s.resolve_field(profiles, "household.region.name");
  REQUIRE(two.ok());
  CHECK(two->owner->name == "regions");
  CHECK(two->col->type == column_type::string);
  REQUIRE(two->links.size() == 2);
  CHECK(two->links[0]->name == "household");
  CHECK(two->links[1]->name == "region");

  auto bad_col = s.resolve_field(profiles, "household.cty");
  REQUIRE_FALSE(bad_col.ok());
  CHECK(bad_col.err().code == errc::validation);
  CHECK(bad_col.err().what.find("`cty` is not a column of entity `households`") !=
        std::string::npos);

  auto bad_link = s.resolve_field(profiles, "house.city");
  REQUIRE_FALSE(bad_link.ok());
  CHECK(bad_link.err().what.find("`house` is not a link of entity `profiles`") !=
        std::string::npos);

  auto one_to_many = s.resolve_field(profiles, "purchases.amount");
  REQUIRE_FALSE(one_to_many.ok());
  CHECK(one_to_many.err().what.find("one-to-many") != std::string::npos);

  CHECK_FALSE(s.resolve_field(profiles, "household.").ok());
  CHECK_FALSE(s.resolve_field(profiles, "").ok());
  CHECK_FALSE(s.resolve_field(profiles, "household").ok());  // a link, not a column
}

TEST_CASE("malformed schema JSON gives line and column", "[entity_schema]") {
  auto v = parse_entity_schema("{\"entities\": [\n  {\"name\": \"a\",,}\n]}");
  REQUIRE_FALSE(v.ok());
  REQUIRE(v.issues.size() == 1);
  CHECK(v.issues[0].pointer == "");
  CHECK(v.issues[0].message.find("line 2, column 16") != std::string::npos);
}

TEST_CASE("each schema rule reports its pointer", "[entity_schema]") {
  SECTION("unknown column type") {
    auto v = with_change("/entities/0/columns/1/type", "text");
    CHECK(pointers(v.issues) == std::vector<std::string>{"/entities/0/columns/1/type"});
  }
  SECTION("duplicate column") {
    auto v = with_change("/entities/0/columns/3/name", "email");
    CHECK(pointers(v.issues) == std::vector<std::string>{"/entities/0/columns/3/name"});
  }
  SECTION("duplicate entity") {
    auto v = with_change("/entities/2/name", "households");
    // the link to `regions` now points nowhere, too
    CHECK(pointers(v.issues) ==
          std::vector<std::string>{"/entities/1/links/0/to", "/entities/2/name"});
  }
  SECTION("key is not a column") {
    auto v = with_change("/entities/1/key", "code");
    CHECK(pointers(v.issues) == std::vector<std::string>{"/entities/1/key"});
  }
  SECTION("link to an unknown entity") {
    auto v = with_change("/entities/3/links/0/to", "people");
    CHECK(pointers(v.issues) == std::vector<std::string>{"/entities/3/links/0/to"});
  }
  SECTION("link on unknown columns") {
    auto v = with_change("/entities/0/links/0/on", json::array({json::array({"idd", "pid"})}));
    CHECK(pointers(v.issues) ==
          std::vector<std::string>{"/entities/0/links/0/on/0/0", "/entities/0/links/0/on/0/1"});
  }
  SECTION("link columns of different types") {
    auto v = with_change("/entities/0/links/0/on/0/0", "email");
    CHECK(pointers(v.issues) == std::vector<std::string>{"/entities/0/links/0/on/0"});
  }
  SECTION("bad cardinality") {
    auto v = with_change("/entities/0/links/1/cardinality", "many-to-many");
    CHECK(pointers(v.issues) == std::vector<std::string>{"/entities/0/links/1/cardinality"});
  }
  SECTION("duplicate link") {
    auto v = with_change("/entities/0/links/1/name", "purchases");
    CHECK(pointers(v.issues) == std::vector<std::string>{"/entities/0/links/1/name"});
  }
  SECTION("address naming an unknown column") {
    auto v = with_change("/entities/0/addresses/push", "push_token");
    CHECK(pointers(v.issues) == std::vector<std::string>{"/entities/0/addresses/push"});
  }
  SECTION("unknown channel") {
    auto v = with_change("/entities/0/addresses/fax", "phone");
    CHECK(pointers(v.issues) == std::vector<std::string>{"/entities/0/addresses/fax"});
  }
  SECTION("consent column must be boolean") {
    auto v = with_change("/entities/0/consent/sms", "phone");
    REQUIRE(v.issues.size() == 1);
    CHECK(v.issues[0].pointer == "/entities/0/consent/sms");
    CHECK(v.issues[0].message.find("boolean") != std::string::npos);
  }
  SECTION("identifiers must be SQL-safe") {
    auto v = with_change("/entities/0/columns/3/name", "loyalty; drop table x");
    CHECK(pointers(v.issues) == std::vector<std::string>{"/entities/0/columns/3/name"});
    auto digit = with_change("/entities/2/name", "1regions");
    CHECK(has_pointer(digit.issues, "/entities/2/name"));
    auto long_name = with_change("/entities/2/columns/1/name", std::string(64, 'a'));
    CHECK(has_pointer(long_name.issues, "/entities/2/columns/1/name"));
    auto max_len = with_change("/entities/2/columns/1/name", std::string(63, 'a'));
    CHECK(max_len.ok());
  }
  SECTION("unknown member") {
    auto v = with_change("/entities/1/comment", "x");
    CHECK(pointers(v.issues) == std::vector<std::string>{"/entities/1/comment"});
  }
  SECTION("missing required members") {
    auto v = parse_entity_schema(R"({"entities": [{"columns": []}]})");
    CHECK(pointers(v.issues) ==
          std::vector<std::string>{"/entities/0/columns", "/entities/0/key", "/entities/0/name"});
  }
}

TEST_CASE("a schema with several problems lists all of them", "[entity_schema]") {
  json doc = json::parse(k_schema);
  doc["entities"][0]["columns"][1]["type"] = "varchar";
  doc["entities"][1]["key"] = "nope";
  doc["entities"][3]["links"][0]["to"] = "people";
  doc["entities"][0]["consent"]["email"] = "email";
  doc["version"] = 2;
  auto v = parse_entity_schema_json(doc);
  REQUIRE_FALSE(v.ok());
  CHECK(pointers(v.issues) == std::vector<std::string>{
                                  "/entities/0/columns/1/type",
                                  "/entities/0/consent/email",
                                  "/entities/1/key",
                                  "/entities/3/links/0/to",
                                  "/version",
                              });
}

TEST_CASE("schema document shape", "[entity_schema]") {
  CHECK(pointers(parse_entity_schema("[]").issues) == std::vector<std::string>{""});
  CHECK(pointers(parse_entity_schema("{}").issues) == std::vector<std::string>{"/entities"});
  CHECK(pointers(parse_entity_schema(R"({"entities": [1]})").issues) ==
        std::vector<std::string>{"/entities/0"});
  CHECK(parse_entity_schema(R"({"entities": []})").ok());
}

TEST_CASE("a schema member given twice is reported", "[entity_schema]") {
  auto v = parse_entity_schema(
      R"({"entities": [{"name": "a", "key": "id", "columns": [{"name": "id", "type": "integer",
          "type": "string"}]}]})");
  CHECK(pointers(v.issues) == std::vector<std::string>{"/entities/0/columns/0/type"});
}

TEST_CASE("names the backends or Baton reserve are refused (issue 18, item 9)", "[entity_schema]") {
  for (std::string name : {"sqlite_master", "sqlite_sequence", "SQLITE_stat1", "pg_class",
                           "Pg_Users", "baton_worktables", "wt_x"}) {
    INFO(name);
    auto v = with_change("/entities/2/name", name);
    CHECK_FALSE(v.ok());
    CHECK(has_pointer(v.issues, "/entities/2/name"));
  }
  for (std::string name : {"sqlite_rowid", "pg_id", "baton_rank"}) {
    INFO(name);
    auto col = with_change("/entities/2/columns/1/name", name);
    CHECK(pointers(col.issues) == std::vector<std::string>{"/entities/2/columns/1/name"});
    auto link = with_change("/entities/1/links/0/name", name);
    CHECK(has_pointer(link.issues, "/entities/1/links/0/name"));
  }
  // wt_ is reserved for tables only; a prefix alone in the middle of a name is fine.
  CHECK(with_change("/entities/2/columns/1/name", "wt_total").ok());
  // (renaming `regions` breaks the link to it, so only the name itself is looked at here)
  CHECK_FALSE(
      has_pointer(with_change("/entities/2/name", "my_sqlite_regions").issues, "/entities/2/name"));
  CHECK(with_change("/entities/2/columns/1/name", "my_pg_name").ok());
}

TEST_CASE("more columns than the backends allow are refused (issue 18, item 9)",
          "[entity_schema]") {
  auto entity_with = [](std::size_t n) {
    json cols = json::array();
    cols.push_back({{"name", "id"}, {"type", "integer"}});
    for (std::size_t i = 1; i < n; ++i)
      cols.push_back({{"name", "c" + std::to_string(i)}, {"type", "string"}});
    return json{{"entities", {{{"name", "wide"}, {"key", "id"}, {"columns", cols}}}}};
  };
  CHECK(parse_entity_schema_json(entity_with(k_max_entity_columns)).ok());
  for (std::size_t n : {k_max_entity_columns + 1, std::size_t{3000}}) {
    auto v = parse_entity_schema_json(entity_with(n));
    CHECK_FALSE(v.ok());
    REQUIRE(v.issues.size() == 1);
    CHECK(v.issues[0].pointer == "/entities/0/columns");
    CHECK(v.issues[0].message.find("at most 1000") != std::string::npos);
  }
}
