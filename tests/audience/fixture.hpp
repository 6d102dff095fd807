// Shared by the data-plane tests: a fresh database per test on each backend (SQLite always;
// PostgreSQL when BATON_TEST_PG_URL is set or the CTest fixture wrote BATON_BINARY_DIR/pg/url),
// a small schema, CSV helpers and a runner for one activity given as JSON.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "audience/activities.hpp"
#include "audience/backend.hpp"
#include "audience/loader.hpp"
#include "audience/schema.hpp"
#include "audience/worktable.hpp"

namespace baton::audience::test {

namespace fs = std::filesystem;
using nlohmann::json;

inline const char* k_schema = R"({"entities": [
  {"name": "profiles", "key": "id",
   "columns": [{"name": "id", "type": "integer"}, {"name": "email", "type": "string"},
               {"name": "first_name", "type": "string"}, {"name": "loyalty", "type": "string"},
               {"name": "email_opt_in", "type": "boolean"}, {"name": "birth_date", "type": "date"},
               {"name": "household_id", "type": "integer"}, {"name": "score", "type": "float"},
               {"name": "created_at", "type": "datetime"}],
   "addresses": {"email": "email"}, "consent": {"email": "email_opt_in"},
   "links": [{"name": "purchases", "to": "purchases", "on": [["id", "profile_id"]], "cardinality": "one-to-many"},
             {"name": "household", "to": "households", "on": [["household_id", "id"]], "cardinality": "many-to-one"}]},
  {"name": "households", "key": "id",
   "columns": [{"name": "id", "type": "integer"}, {"name": "city", "type": "string"}],
   "links": [{"name": "members", "to": "profiles", "on": [["id", "household_id"]], "cardinality": "one-to-many"}]},
  {"name": "purchases", "key": "id",
   "columns": [{"name": "id", "type": "integer"}, {"name": "profile_id", "type": "integer"},
               {"name": "amount", "type": "float"}, {"name": "bought_at", "type": "datetime"},
               {"name": "category", "type": "string"}],
   "links": [{"name": "profile", "to": "profiles", "on": [["profile_id", "id"]], "cardinality": "many-to-one"}]}
]})";

inline entity_schema test_schema() {
  auto v = parse_entity_schema(k_schema);
  REQUIRE(v.ok());
  return *v.schema;
}

// The PostgreSQL URL: $BATON_TEST_PG_URL, or the first line of the file $BATON_TEST_PG_URL_FILE
// (which the CTest fixture "audience_pg" writes with tests/pg_server.sh).
inline std::string pg_url() {
  if (const char* u = std::getenv("BATON_TEST_PG_URL"); u && *u) return u;
  const char* file = std::getenv("BATON_TEST_PG_URL_FILE");
  if (!file || !*file) return "";
  std::ifstream in(file);
  std::string url;
  std::getline(in, url);
  return url;
}

// The backends to run a test on: SQLite, and PostgreSQL when a URL is known;
// BATON_TEST_BACKENDS=postgres runs PostgreSQL only (the CTest variant "audience: postgresql").
inline std::vector<std::string> backend_kinds() {
  const char* only = std::getenv("BATON_TEST_BACKENDS");
  if (only && std::string(only) == "postgres") {
    if (pg_url().empty()) FAIL("BATON_TEST_BACKENDS=postgres but no PostgreSQL URL is set");
    return {"postgres"};
  }
  std::vector<std::string> k = {"sqlite"};
  if (!pg_url().empty()) k.push_back("postgres");
  return k;
}

inline std::string temp_dir() {
  static std::mt19937_64 rng(std::random_device{}());
  auto p = fs::temp_directory_path() / ("baton-audience-" + std::to_string(rng()));
  fs::create_directories(p);
  return p.string();
}

// A fresh database: a SQLite file in a temp dir, or a private PostgreSQL schema.
struct test_db {
  std::string kind, dir, pg_schema;
  std::unique_ptr<backend> b;
  entity_schema schema;

  explicit test_db(const std::string& k, bool apply = true) : kind(k), dir(temp_dir()) {
    schema = test_schema();
    b = connect();
    if (apply) REQUIRE(apply_schema(*b, schema).ok());
  }
  std::unique_ptr<backend> connect() {
    if (kind == "sqlite") {
      auto r = open_backend("", dir);
      REQUIRE(r.ok());
      return std::move(r.value());
    }
    auto r = open_backend(pg_url(), dir);
    INFO((r.ok() ? "" : r.err().message()));
    REQUIRE(r.ok());
    if (pg_schema.empty()) {
      pg_schema = "t_" + fs::path(dir).filename().string().substr(15);
      REQUIRE(r.value()->exec("CREATE SCHEMA " + pg_schema).ok());
    }
    REQUIRE(r.value()->exec("SET search_path TO " + pg_schema).ok());
    return std::move(r.value());
  }
  ~test_db() {
    if (!pg_schema.empty()) b->exec("DROP SCHEMA " + pg_schema + " CASCADE");
    b.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  std::string write(const std::string& name, const std::string& text) const {
    auto p = fs::path(dir) / name;
    std::ofstream(p) << text;
    return p.string();
  }
  load_report load(const std::string& entity, const std::string& csv,
                   load_mode mode = load_mode::upsert, std::size_t batch_rows = 0) {
    load_request req;
    req.entity = entity;
    req.path = write(entity + ".csv", csv);
    req.mode = mode;
    if (batch_rows) req.batch_rows = batch_rows;
    req.rejects_path = (fs::path(dir) / (entity + ".rejects.csv")).string();
    auto r = load_csv(*b, schema, req);
    INFO((r.ok() ? "" : r.err().message()));
    REQUIRE(r.ok());
    return *r;
  }
  // A small data set used by many tests.
  void load_sample() {
    load("households", "id,city\n1,Paris\n2,Lyon\n3,Nice\n");
    load("profiles",
         "id,email,first_name,loyalty,email_opt_in,birth_date,household_id,score,created_at\n"
         "1,a@x.com,Ann,gold,true,1980-01-01,1,10.5,2026-01-01T10:00:00Z\n"
         "2,b@x.com,Bob,silver,false,1990-05-05,1,20,2026-02-01T10:00:00Z\n"
         "3,a@x.com,Ann2,gold,true,1985-03-03,2,30,2026-03-01T10:00:00Z\n"
         "4,,Dan,bronze,true,2000-12-31,2,,2026-04-01T10:00:00Z\n"
         "5,c@x.com,Eve,gold,false,,3,50,2026-05-01T10:00:00Z\n"
         "6,c@x.com,Fay,,true,1970-07-07,,60,2026-06-01T10:00:00Z\n");
    load("purchases",
         "id,profile_id,amount,bought_at,category\n"
         "1,1,100,2026-10-01T00:00:00Z,shoes\n"
         "2,1,50,2026-10-05T00:00:00Z,hats\n"
         "3,1,25.5,2026-11-01T00:00:00Z,shoes\n"
         "4,2,300,2026-09-01T00:00:00Z,bags\n"
         "5,3,10,2026-11-10T00:00:00Z,hats\n"
         "6,5,80,2026-11-15T00:00:00Z,shoes\n");
  }
};

// Runs one activity given as JSON ({"id", "type", options...}).
struct runner {
  explicit runner(test_db& d) : db(d) {}
  test_db& db;
  std::string campaign = "c1";
  std::uint32_t run = 1;
  time_us now = 1'795'000'000'000'000;  // 2026-11-18T...Z
  std::map<std::string, std::string> vars;
  bool test = false;
  data_options opts{"profiles", "", 50ull << 20};
  std::vector<std::unique_ptr<activity>> keep;

  result<task_outcome> go(const json& a,
                          std::vector<std::pair<std::string, ev::population>> inputs = {}) {
    auto act = std::make_unique<activity>();
    act->id = a.at("id");
    act->type = *activity_type_from_string(a.at("type").get<std::string>());
    for (const auto& [k, v] : a.items())
      if (k != "id" && k != "type") act->options[k] = v;
    task_input in;
    in.campaign = campaign;
    in.run = run;
    in.act = act.get();
    in.inputs = std::move(inputs);
    in.vars = vars;
    in.test = test;
    in.now = now;
    keep.push_back(std::move(act));
    return run_data_activity(*db.b, db.schema, in, opts);
  }
  task_outcome ok(const json& a, std::vector<std::pair<std::string, ev::population>> inputs = {}) {
    auto r = go(a, std::move(inputs));
    INFO((r.ok() ? "" : r.err().message()));
    REQUIRE(r.ok());
    return std::move(r.value());
  }
};

inline const ev::population& output(const task_outcome& o, const std::string& name) {
  for (const auto& p : o.outputs)
    if (p.output == name) return p;
  FAIL("no output " << name);
  return o.outputs.front();
}
inline bool has_output(const task_outcome& o, const std::string& name) {
  return std::any_of(o.outputs.begin(), o.outputs.end(),
                     [&](const ev::population& p) { return p.output == name; });
}

// The values of one column of a table, as text, sorted.
inline std::vector<std::string> column_of(backend& b, const std::string& table,
                                          const std::string& col = "id", bool sorted = true) {
  std::vector<std::string> v;
  auto st = b.query("SELECT " + quote_id(col) + " FROM " + quote_id(table), {}, [&](const row& r) {
    v.push_back(r[0].null ? "null" : r[0].to_text());
    return true;
  });
  REQUIRE(st.ok());
  if (sorted) std::sort(v.begin(), v.end());
  return v;
}
inline std::vector<std::string> ids(backend& b, const ev::population& p) {
  return column_of(b, p.table, "id");
}
using strings = std::vector<std::string>;

}  // namespace baton::audience::test
