// split, enrichment, save/read audiences, incremental queries, load_file, reconciliation and
// update_data on a small hand-checked data set, both backends.
#include "fixture.hpp"

using namespace baton;
using namespace baton::audience;
using namespace baton::audience::test;

namespace {
json f(const char* field, const char* op, json v = nullptr) {
  json j = {{"field", field}, {"op", op}};
  if (!v.is_null()) j["value"] = v;
  return j;
}
using inputs = std::vector<std::pair<std::string, ev::population>>;
}  // namespace

TEST_CASE("split evaluates subsets in order on what remains, or with overlap",
          "[audience][split]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  runner r(db);
  auto all = r.ok({{"id", "all"}, {"type", "build_audience"}});
  inputs in = {{"all", output(all, "out")}};
  json subsets = {
      {{"name", "top_gold"},
       {"filter", f("loyalty", "eq", "gold")},
       {"limit", 2},
       {"orderBy", {{"field", "score"}, {"direction", "desc"}}}},
      {{"name", "optin"}, {"filter", f("email_opt_in", "eq", true)}},
      {{"name", "platinum"}, {"filter", f("loyalty", "eq", "platinum")}, {"skipEmpty", true}}};
  auto s = r.ok({{"id", "s"}, {"type", "split"}, {"subsets", subsets}, {"complement", true}}, in);
  CHECK(ids(*db.b, output(s, "top_gold")) == strings{"3", "5"});
  CHECK(ids(*db.b, output(s, "optin")) == strings{"1", "4", "6"});
  CHECK_FALSE(has_output(s, "platinum"));
  CHECK(ids(*db.b, output(s, "complement")) == strings{"2"});
  auto o = r.ok({{"id", "so"},
                 {"type", "split"},
                 {"subsets", subsets},
                 {"overlap", true},
                 {"complement", true}},
                in);
  CHECK(ids(*db.b, output(o, "optin")) == strings{"1", "3", "4", "6"});
  CHECK(ids(*db.b, output(o, "complement")) == strings{"2"});
  json pct = {{{"name", "half"}, {"limit", "50%"}}, {{"name", "rest"}}};
  auto p1 = r.ok({{"id", "sp"}, {"type", "split"}, {"subsets", pct}}, in);
  auto p2 = r.ok({{"id", "sp"}, {"type", "split"}, {"subsets", pct}}, in);
  CHECK(output(p1, "half").count == 3);
  CHECK(output(p1, "rest").count == 3);
  CHECK(output(p1, "half").fingerprint == output(p2, "half").fingerprint);  // seeded sample
  auto bad = r.go({{"id", "sb"},
                   {"type", "split"},
                   {"subsets", {{{"name", "x"}, {"filter", f("nope", "eq", 1)}}}}},
                  in);
  CHECK(bad.err().code == errc::validation);
}

TEST_CASE("enrichment adds attributes, aggregates, collected lines and joins",
          "[audience][enrichment]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  runner r(db);
  auto few = r.ok({{"id", "few"}, {"type", "build_audience"}, {"filter", f("id", "le", 3)}});
  json attrs = {
      {{"name", "city"}, {"field", "household.city"}},
      {{"name", "total"}, {"link", "purchases"}, {"aggregate", "sum"}, {"field", "amount"}},
      {{"name", "shoes"},
       {"link", "purchases"},
       {"aggregate", "count"},
       {"where", f("category", "eq", "shoes")}},
      {{"name", "last_buy"}, {"link", "purchases"}, {"aggregate", "max"}, {"field", "bought_at"}},
      {{"name", "recent"},
       {"link", "purchases"},
       {"collect", 2},
       {"fields", json::array({"category"})},
       {"orderBy", {{"field", "bought_at"}, {"direction", "desc"}}}},
      {{"name", "big"},
       {"link", "purchases"},
       {"collect", 1},
       {"fields", {"category", "amount"}},
       {"orderBy", {{"field", "amount"}, {"direction", "desc"}}},
       {"where", f("amount", "gt", 20)}}};
  auto e = r.ok({{"id", "e"}, {"type", "enrichment"}, {"attributes", attrs}},
                {{"few", output(few, "out")}});
  const auto& t = output(e, "out").table;
  CHECK(column_of(*db.b, t, "city", false) == strings{"Paris", "Paris", "Lyon"});
  CHECK(column_of(*db.b, t, "total", false) == strings{"175.5", "300", "10"});
  CHECK(column_of(*db.b, t, "shoes", false) == strings{"2", "0", "0"});
  CHECK(column_of(*db.b, t, "last_buy", false)[0] == "2026-11-01T00:00:00.000000Z");
  CHECK(column_of(*db.b, t, "recent1", false) == strings{"shoes", "bags", "hats"});
  CHECK(column_of(*db.b, t, "recent2", false) == strings{"hats", "null", "null"});
  CHECK(column_of(*db.b, t, "big1_category", false) == strings{"shoes", "bags", "null"});
  CHECK(column_of(*db.b, t, "big1_amount", false) == strings{"100", "300", "null"});
  auto arrays = column_of(*db.b, t, "recent", false);
  CHECK(json::parse(arrays[0]) == json::parse(R"([{"category":"shoes"},{"category":"hats"}])"));
  CHECK(json::parse(arrays[2]) == json::parse(R"([{"category":"hats"}])"));
  // A later activity filters on an added column.
  auto s = r.ok({{"id", "s"},
                 {"type", "split"},
                 {"subsets", {{{"name", "rich"}, {"filter", f("total", "gt", 100)}}}}},
                {{"e", output(e, "out")}});
  CHECK(ids(*db.b, output(s, "rich")) == strings{"1", "2"});
  // Join: the columns of another inbound worktable, by a pair of columns.
  auto gold = r.ok({{"id", "gold"},
                    {"type", "enrichment"},
                    {"attributes", {{{"name", "tier"}, {"field", "loyalty"}}}}},
                   {{"few", output(few, "out")}});
  auto j = r.ok({{"id", "j"},
                 {"type", "enrichment"},
                 {"join", {{"with", "gold"}, {"on", json::array({json::array({"id", "id"})})}}}},
                {{"e", output(e, "out")}, {"gold", output(gold, "out")}});
  CHECK(column_of(*db.b, output(j, "out").table, "tier", false) ==
        strings{"gold", "silver", "gold"});
}

TEST_CASE("save_audience and read_audience, test runs save nothing", "[audience][audiences]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  runner r(db);
  auto gold =
      r.ok({{"id", "gold"}, {"type", "build_audience"}, {"filter", f("loyalty", "eq", "gold")}});
  r.test = true;
  auto t = r.ok({{"id", "save"}, {"type", "save_audience"}, {"audience", "Gold members"}},
                {{"gold", output(gold, "out")}});
  CHECK(output(t, "out").count == 3);
  CHECK(
      r.go({{"id", "read"}, {"type", "read_audience"}, {"audience", "Gold members"}}).err().code ==
      errc::not_found);
  r.test = false;
  r.ok({{"id", "save"}, {"type", "save_audience"}, {"audience", "Gold members"}},
       {{"gold", output(gold, "out")}});
  auto rd = r.ok({{"id", "read"}, {"type", "read_audience"}, {"audience", "Gold members"}});
  CHECK(ids(*db.b, output(rd, "out")) == strings{"1", "3", "5"});
  CHECK(output(rd, "out").fingerprint == output(gold, "out").fingerprint);
  auto b = r.ok({{"id", "b"}, {"type", "build_audience"}, {"audience", "Gold members"}});
  CHECK(output(b, "out").count == 3);
  // Overwritten by the next save.
  auto silver = r.ok(
      {{"id", "silver"}, {"type", "build_audience"}, {"filter", f("loyalty", "eq", "silver")}});
  r.run = 2;
  r.ok({{"id", "save"}, {"type", "save_audience"}, {"audience", "Gold members"}},
       {{"silver", output(silver, "out")}});
  CHECK(ids(*db.b,
            output(r.ok({{"id", "read"}, {"type", "read_audience"}, {"audience", "Gold members"}}),
                   "out")) == strings{"2"});
  // Retention drops a run's worktables.
  auto dropped = drop_run_worktables(*db.b, "c1", 1);
  REQUIRE(dropped.ok());
  CHECK(*dropped == 4);  // gold, read, b, silver (a test-run save makes none)
  CHECK(describe_worktable(*db.b, output(gold, "out").table).err().code == errc::not_found);
}

TEST_CASE("incremental_query emits only new rows, idempotently per run",
          "[audience][incremental]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  runner r(db);
  json q = {{"id", "inc"}, {"type", "incremental_query"}, {"filter", f("loyalty", "eq", "gold")}};
  CHECK(ids(*db.b, output(r.ok(q), "out")) == strings{"1", "3", "5"});
  db.load("profiles", "id,loyalty\n7,gold\n");
  r.run = 2;
  r.now += us_per_day;
  CHECK(ids(*db.b, output(r.ok(q), "out")) == strings{"7"});
  CHECK(ids(*db.b, output(r.ok(q), "out")) == strings{"7"});  // the same run again
  r.run = 3;
  CHECK(r.ok(q).outputs.empty());  // nothing new: the branch stops
  // With a history window, rows emitted before it come back.
  json win = {{"id", "win"},
              {"type", "incremental_query"},
              {"historyDays", 2},
              {"filter", f("id", "le", 2)}};
  r.run = 1;
  CHECK(output(r.ok(win), "out").count == 2);
  r.run = 2;
  r.now += 3 * us_per_day;
  CHECK(output(r.ok(win), "out").count == 2);
  // date_field: rows whose date is after the previous run.
  json df = {
      {"id", "df"}, {"type", "incremental_query"}, {"mode", "date_field"}, {"field", "created_at"}};
  r.run = 1;
  CHECK(output(r.ok(df), "out").count == 7);
  db.load("profiles", "id,created_at\n8,2030-01-01T00:00:00Z\n");
  r.run = 2;
  CHECK(ids(*db.b, output(r.ok(df), "out")) == strings{"8"});
}

TEST_CASE("load_file reads typed columns with null and error rules, confined",
          "[audience][load_file]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  runner r(db);
  fs::create_directories(fs::path(db.dir) / "import");
  r.opts.import_dir = (fs::path(db.dir) / "import").string();
  std::ofstream(fs::path(r.opts.import_dir) / "in.csv")
      << "email;age;vip;since\na@x.com;31;yes;2020-01-01\nz@x.com;abc;no;\nb@x.com;;maybe;2021-02-"
         "02\n"
      << "c@x.com;40;no;bad\n";
  json cols = {
      {{"name", "email"}, {"type", "string"}, {"nulls", "required"}},
      {{"name", "age"}, {"type", "integer"}, {"onError", "default"}, {"default", 0}},
      {{"name", "vip"}, {"type", "boolean"}, {"onError", "ignore"}},
      {{"name", "since"}, {"type", "date"}, {"nulls", "default"}, {"default", "1999-01-01"}}};
  json lf = {{"id", "lf"},       {"type", "load_file"}, {"path", "in.csv"},
             {"delimiter", ";"}, {"columns", cols},     {"maxErrors", 1}};
  auto o = r.ok(lf);
  const auto& out = output(o, "out");
  CHECK(out.dimension.empty());
  CHECK(column_of(*db.b, out.table, "_line", false) == strings{"2", "3", "4"});
  CHECK(column_of(*db.b, out.table, "age", false) == strings{"31", "0", "null"});
  CHECK(column_of(*db.b, out.table, "vip", false)[2] == "null");
  CHECK(column_of(*db.b, out.table, "since", false)[1] == "1999-01-01");
  CHECK(column_of(*db.b, output(o, "rejects").table, "_line") == strings{"5"});
  lf["maxErrors"] = 0;
  auto over = r.go(lf);
  REQUIRE_FALSE(over.ok());
  CHECK(over.err().what.find("maxErrors") != std::string::npos);
  lf["path"] = "../secret.csv";
  CHECK(r.go(lf).err().what.find("outside the import directory") != std::string::npos);
  lf["path"] = "/etc/passwd";
  CHECK(r.go(lf).err().what.find("outside the import directory") != std::string::npos);
  lf["path"] = "missing.csv";
  CHECK(r.go(lf).err().code == errc::not_found);
  // Header only: every column as text.
  auto plain =
      r.ok({{"id", "plain"}, {"type", "load_file"}, {"path", "in.csv"}, {"delimiter", ";"}});
  CHECK(output(plain, "out").count == 4);
}

TEST_CASE("reconciliation and update_data turn file rows into entity rows", "[audience][update]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  runner r(db);
  fs::create_directories(fs::path(db.dir) / "import");
  r.opts.import_dir = (fs::path(db.dir) / "import").string();
  std::ofstream(fs::path(r.opts.import_dir) / "crm.csv")
      << "crm_id,mail,name,points\n100,b@x.com,Bobby,7\n101,new@x.com,Nina,x\n102,zz@x.com,Zed,3\n";
  json cols = {{{"name", "crm_id"}, {"type", "integer"}},
               {{"name", "mail"}},
               {{"name", "name"}},
               {{"name", "points"}}};
  auto lf = r.ok({{"id", "lf"}, {"type", "load_file"}, {"path", "crm.csv"}, {"columns", cols}});
  inputs file = {{"lf", output(lf, "out")}};
  auto rec = r.ok({{"id", "rec"},
                   {"type", "reconciliation"},
                   {"dimension", "profiles"},
                   {"rules", json::array({json::array({"mail", "email"})})}},
                  file);
  CHECK(output(rec, "out").dimension == "profiles");
  CHECK(column_of(*db.b, output(rec, "out").table, "id", false) == strings{"2", "null", "null"});
  auto drop = r.ok({{"id", "rec2"},
                    {"type", "reconciliation"},
                    {"dimension", "profiles"},
                    {"rules", json::array({json::array({"mail", "email"})})},
                    {"keepUnreconciled", false}},
                   file);
  CHECK(output(drop, "out").count == 1);
  // Update the reconciled profile's first name from the file.
  auto up = r.ok({{"id", "up"},
                  {"type", "update_data"},
                  {"entity", "profiles"},
                  {"operation", "update"},
                  {"keys", json::array({json::array({"id", "id"})})},
                  {"fields", {{"first_name", "name"}}}},
                 {{"rec2", output(drop, "out")}});
  CHECK(output(up, "out").count == 1);
  auto names = column_of(*db.b, "profiles", "first_name");
  CHECK(std::count(names.begin(), names.end(), "Bobby") == 1);
  CHECK(std::count(names.begin(), names.end(), "Bob") == 0);
  // Upsert every file row by crm id (as the key) with a score from text: a bad number is rejected.
  auto ups = r.ok({{"id", "ups"},
                   {"type", "update_data"},
                   {"entity", "profiles"},
                   {"operation", "upsert"},
                   {"keys", json::array({json::array({"crm_id", "id"})})},
                   {"fields", {{"email", "mail"}, {"score", "points"}}}},
                  file);
  CHECK(output(ups, "out").count == 2);
  CHECK(column_of(*db.b, output(ups, "rejects").table, "_line") == strings{"3"});
  CHECK(count_rows(*db.b, db.schema, "profiles").value() == 8);
  auto ins = r.ok({{"id", "ins"},
                   {"type", "update_data"},
                   {"entity", "profiles"},
                   {"operation", "insert"},
                   {"fields", {{"id", "crm_id"}}}},
                  file);
  CHECK(output(ins, "rejects").count == 2);  // 100 and 102 exist now
  auto del = r.ok({{"id", "del"},
                   {"type", "update_data"},
                   {"entity", "profiles"},
                   {"operation", "delete"},
                   {"keys", json::array({json::array({"crm_id", "id"})})}},
                  file);
  CHECK(output(del, "out").count == 3);
  CHECK(count_rows(*db.b, db.schema, "profiles").value() == 6);
  auto bad = r.go({{"id", "bad"},
                   {"type", "update_data"},
                   {"entity", "profiles"},
                   {"operation", "insert"},
                   {"fields", {{"email", "mail"}}}},
                  file);
  CHECK(bad.err().what.find("needs a value for its key") != std::string::npos);
}
