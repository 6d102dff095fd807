// The data plane's storage: schema application (idempotent, new columns, type changes refused),
// CSV loading in each mode with rejects, typed values, and worktable bookkeeping.
#include "fixture.hpp"

using namespace baton;
using namespace baton::audience;
using namespace baton::audience::test;

TEST_CASE("apply_schema is idempotent, adds columns and refuses type changes",
          "[audience][schema]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  REQUIRE(apply_schema(*db.b, db.schema).ok());  // a second time changes nothing
  db.load_sample();
  auto doc = json::parse(k_schema);
  doc["entities"][1]["columns"].push_back({{"name", "zip"}, {"type", "string"}});
  auto wider = parse_entity_schema(doc.dump());
  REQUIRE(wider.ok());
  REQUIRE(apply_schema(*db.b, *wider.schema).ok());
  CHECK(column_of(*db.b, "households", "zip") == strings{"null", "null", "null"});
  doc["entities"][1]["columns"][1]["type"] = "integer";  // city: string -> integer
  auto changed = parse_entity_schema(doc.dump());
  REQUIRE(changed.ok());
  auto st = apply_schema(*db.b, *changed.schema);
  REQUIRE_FALSE(st.ok());
  CHECK(st.err().what.find("households.city") != std::string::npos);
  CHECK(st.err().what.find("not supported") != std::string::npos);
  CHECK(count_rows(*db.b, db.schema, "households").value() == 3);
  CHECK(count_rows(*db.b, db.schema, "nope").err().code == errc::not_found);
}

TEST_CASE("load_csv upserts, inserts and deletes with typed values and rejects",
          "[audience][load]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  CHECK(count_rows(*db.b, db.schema, "profiles").value() == 6);
  SECTION("upsert updates existing rows and adds new ones; the last row of a key wins") {
    auto r = db.load("profiles", "id,first_name,score\n1,Anne,1.25\n7,Gus,\n7,Gustave,2\n");
    CHECK(r.applied == 3);
    CHECK(count_rows(*db.b, db.schema, "profiles").value() == 7);
    CHECK(column_of(*db.b, "profiles", "first_name") ==
          strings{"Ann2", "Anne", "Bob", "Dan", "Eve", "Fay", "Gustave"});
    auto emails = column_of(*db.b, "profiles", "email");
    CHECK(std::count(emails.begin(), emails.end(), "null") == 2);  // 4 and 7 have none
  }
  SECTION("insert rejects existing keys") {
    auto r = db.load("profiles", "id,first_name\n1,X\n8,Hal\n", load_mode::insert);
    CHECK(r.applied == 1);
    CHECK(r.rejected == 1);
    CHECK(r.first_rejects.at(0) == "line 2: a row with id = 1 already exists");
  }
  SECTION("delete removes by key and counts the missing") {
    auto r = db.load("profiles", "id\n1\n2\n99\n", load_mode::remove);
    CHECK(r.applied == 2);
    CHECK(r.missing == 1);
    CHECK(count_rows(*db.b, db.schema, "profiles").value() == 4);
  }
  SECTION("bad rows are rejected with their line and reason, good rows load") {
    auto r = db.load("profiles",
                     "id,email_opt_in,birth_date,score,created_at\n"
                     "10,true,2000-01-01,1.5,2026-01-01T00:00:00+02:00\n"
                     "11,maybe,2000-01-01,1,\n"
                     "12,false,2000-02-30,1,\n"
                     "13,false,2000-01-01,abc,\n"
                     ",true,,,\n"
                     "14,true\n"
                     "\"15\",\"yes\",\"2001-01-01\",\"2\",\"2026-01-01 10:00\"\n");
    CHECK(r.rows == 7);
    CHECK(r.applied == 2);
    CHECK(r.rejected == 5);
    REQUIRE(r.first_rejects.size() == 5);
    CHECK(r.first_rejects[0].rfind("line 3: column `email_opt_in`", 0) == 0);
    CHECK(r.first_rejects[1].rfind("line 4: column `birth_date`", 0) == 0);
    CHECK(r.first_rejects[2].rfind("line 5: column `score`", 0) == 0);
    CHECK(r.first_rejects[3] == "line 6: the key `id` is empty");
    CHECK(r.first_rejects[4] == "line 7: expected 5 fields, got 2");
    std::ifstream rej(fs::path(db.dir) / "profiles.rejects.csv");
    std::string header, first;
    std::getline(rej, header);
    std::getline(rej, first);
    CHECK(header == "line,reason,record");
    CHECK(first.rfind("3,", 0) == 0);
    // Datetimes are stored in UTC, in one canonical form on both backends.
    auto created = column_of(*db.b, "profiles", "created_at");
    CHECK(std::find(created.begin(), created.end(), "2025-12-31T22:00:00.000000Z") !=
          created.end());
    CHECK(std::find(created.begin(), created.end(), "2026-01-01T10:00:00.000000Z") !=
          created.end());
  }
}

TEST_CASE("a long upsert: rows across statements and batches, rejects and repeated keys",
          "[audience][load]") {
  // SQLite upserts go several rows per statement (loader.cpp); 203 records with a batch (a
  // progress call) every 50 rows end statements early and late. Every 7th record is bad; keys
  // repeat (the last record of a key wins, even when both are in one statement).
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  std::string csv = "id,first_name,score\n";
  std::map<int, std::string> want;
  int bad = 0;
  for (int i = 0; i < 203; ++i) {
    int id = 100 + i % 150;  // ids 100..149 come twice
    if (i % 7 == 3) {
      csv += std::to_string(id) + ",Bad,not-a-number\n";
      ++bad;
      continue;
    }
    auto name = "N" + std::to_string(i);
    csv += std::to_string(id) + "," + name + "," + std::to_string(i) + ".5\n";
    want[id] = name;
  }
  auto r = db.load("profiles", csv, load_mode::upsert, 50);
  CHECK(r.rows == 203);
  CHECK(r.rejected == static_cast<std::uint64_t>(bad));
  CHECK(r.applied == static_cast<std::uint64_t>(203 - bad));
  REQUIRE(r.first_rejects.size() > 0);
  CHECK(r.first_rejects[0].rfind("line 5: column `score`", 0) == 0);  // record 3 is line 5
  CHECK(count_rows(*db.b, db.schema, "profiles").value() == 6 + want.size());
  std::map<int, std::string> got;
  auto st =
      db.b->query("SELECT id, first_name FROM profiles WHERE id >= 100", {}, [&](const row& r) {
        got[std::stoi(r[0].to_text())] = r[1].to_text();
        return true;
      });
  REQUIRE(st.ok());
  CHECK(got == want);
}

TEST_CASE("loads keep odd text, and repeated keys get the same outcome on every backend",
          "[audience][load]") {
  // PostgreSQL loads through COPY into a stage (loader.cpp): its text format escapes tabs,
  // backslashes and line ends, and repeated keys are resolved in SQL — as the row-by-row path.
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  SECTION("odd text arrives unchanged, an upsert of a repeated key into an empty table") {
    auto r = db.load("households",
                     "id,city\n1,\"tab\there\"\n2,\"back\\slash \\N\"\n3,\"two\nlines\"\n"
                     "4,\"say \"\"hi\"\"\"\n5,first\n6,\n5,second\n");
    CHECK(r.rows == 7);
    CHECK(r.applied == 7);
    CHECK(column_of(*db.b, "households", "city") ==
          strings{"back\\slash \\N", "null", "say \"hi\"", "second", "tab\there", "two\nlines"});
    auto again = db.load("households", "id,city\n6,Nice\n1,Lyon\n6,Pau\n");
    CHECK(again.applied == 3);
    CHECK(column_of(*db.b, "households", "city") ==
          strings{"Lyon", "Pau", "back\\slash \\N", "say \"hi\"", "second", "two\nlines"});
  }
  SECTION("insert rejects a key taken in the table or earlier in the file, in line order") {
    db.load("households", "id,city\n1,Paris\n");
    auto r =
        db.load("households", "id,city\n2,Lyon\n1,X\nzz,Bad\n2,Again\n3,Nice\n", load_mode::insert);
    CHECK(r.applied == 2);
    CHECK(r.rejected == 3);
    REQUIRE(r.first_rejects.size() == 3);
    CHECK(r.first_rejects[0] == "line 3: a row with id = 1 already exists");
    CHECK(r.first_rejects[1].rfind("line 4: column `id`", 0) == 0);
    CHECK(r.first_rejects[2] == "line 5: a row with id = 2 already exists");
    CHECK(column_of(*db.b, "households", "city") == strings{"Lyon", "Nice", "Paris"});
    std::ifstream rej(fs::path(db.dir) / "households.rejects.csv");
    std::string header, first;
    std::getline(rej, header);
    std::getline(rej, first);
    CHECK(first == "3,a row with id = 1 already exists,\"1,X\"");
  }
  SECTION("delete counts a key given twice once as missing") {
    db.load("households", "id,city\n1,Paris\n2,Lyon\n");
    auto r = db.load("households", "id\n1\n1\n9\n", load_mode::remove);
    CHECK(r.applied == 1);
    CHECK(r.missing == 2);
    CHECK(column_of(*db.b, "households", "city") == strings{"Lyon"});
  }
}

TEST_CASE("load_csv refuses bad headers and missing files before writing", "[audience][load]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  load_request req;
  req.entity = "profiles";
  req.path = db.write("bad.csv", "id,shoe_size\n1,42\n");
  auto r = load_csv(*db.b, db.schema, req);
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::validation);
  CHECK(r.err().what.find("`shoe_size` is not a column of entity `profiles`") != std::string::npos);
  req.path = db.write("nokey.csv", "email\na@b.c\n");
  CHECK(load_csv(*db.b, db.schema, req).err().what.find("no column `id`") != std::string::npos);
  req.path = db.write("quote.csv", "id,email\n1,\"unterminated\n");
  CHECK(load_csv(*db.b, db.schema, req).err().what.find("not closed") != std::string::npos);
  req.path = db.dir + "/missing.csv";
  CHECK(load_csv(*db.b, db.schema, req).err().code == errc::not_found);
  req.entity = "nope";
  CHECK(load_csv(*db.b, db.schema, req).err().code == errc::not_found);
  CHECK(count_rows(*db.b, db.schema, "profiles").value() == 0);
}

TEST_CASE("values parse into canonical forms", "[audience][value]") {
  CHECK(parse_value("2026-01-01T10:00:00.5+01:00", column_type::datetime)->s ==
        "2026-01-01T09:00:00.500000Z");
  CHECK(parse_value("2026-01-01", column_type::datetime)->s == "2026-01-01T00:00:00.000000Z");
  CHECK_FALSE(parse_value("2026-13-01", column_type::date).ok());
  CHECK(parse_value("YES", column_type::boolean)->i == 1);
  CHECK_FALSE(parse_value("12a", column_type::integer).ok());
  CHECK(parse_value("1e3", column_type::floating)->f == 1000.0);
}

TEST_CASE("a hostile value is only ever a bound parameter", "[audience][filter]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  std::string evil = "x'); DROP TABLE profiles; --";
  db.load("profiles", "id,first_name\n20,\"" + evil + "\"\n");
  runner r{db};
  for (const char* op : {"eq", "contains", "like", "starts_with"}) {
    auto o = r.ok({{"id", std::string("b_") + op},
                   {"type", "build_audience"},
                   {"filter", {{"field", "first_name"}, {"op", op}, {"value", evil}}}});
    CHECK(output(o, "out").count == 1);  // the text itself, found and harmless
  }
  r.vars["v"] = evil;
  auto o =
      r.ok({{"id", "b_var"},
            {"type", "build_audience"},
            {"filter",
             {{"field", "first_name"}, {"op", "in"}, {"value", {evil, {{"variable", "v"}}}}}}});
  CHECK(output(o, "out").count == 1);
  CHECK(count_rows(*db.b, db.schema, "profiles").value() == 7);
}
