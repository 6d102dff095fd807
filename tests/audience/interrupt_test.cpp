// A file loads whole or not at all: Ctrl-C (SIGINT) to a real `batonctl data load` in the middle
// of a large file rolls it all back — into an empty table and into one that already has rows —
// says so, and exits 130. On every backend of the suite.
#include "actors/process_util.hpp"
#include "fixture.hpp"

using namespace baton;
using namespace baton::audience;
using namespace baton::audience::test;

namespace {

// The data dir batonctl needs to reach this test's database: the schema and a config whose
// data.url is this database (PostgreSQL: the test's private schema on the search path).
void point_batonctl_at(const test_db& db) {
  // Only an initialized data dir is opened (issue 18 C10); then this test's schema and data URL.
  auto init = baton::testing::run_tool(baton::testing::work_dir{}, "batonctl",
                                       {"--data-dir", db.dir, "init"});
  INFO("init: " << init.err);
  REQUIRE(init.code == 0);
  std::ofstream(fs::path(db.dir) / "schema.json") << k_schema;
  std::string url;
  if (db.kind == "postgres")
    url = pg_url() + (pg_url().find('?') == std::string::npos ? "?" : "&") +
          "options=-csearch_path%3D" + db.pg_schema;
  std::ofstream(fs::path(db.dir) / "config.json") << json{{"data", {{"url", url}}}}.dump();
}

std::string big_csv(const test_db& db, int first_id, int rows) {
  auto path = (fs::path(db.dir) / ("big-" + std::to_string(first_id) + ".csv")).string();
  std::ofstream out(path);
  out << "id,email,first_name\n";
  for (int i = 0; i < rows; ++i)
    out << first_id + i << ",p" << first_id + i << "@example.com,Name" << i << "\n";
  return path;
}

// Starts the load, waits for its first progress line (rows are being written), sends SIGINT.
baton::testing::run_result interrupt_load(const test_db& db, const std::string& csv) {
  baton::testing::work_dir wd;
  auto base = wd.fresh("load");
  baton::testing::child_process load({baton::testing::tool_path("batonctl"), "--data-dir", db.dir,
                                      "data", "load", "profiles", csv},
                                     base + ".out", base + ".err");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (load.err().find("loaded ") == std::string::npos) {
    INFO("batonctl stderr: " << load.err());
    REQUIRE(load.running());
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  load.signal(SIGINT);
  baton::testing::run_result r;
  r.code = load.wait(std::chrono::seconds(60));
  r.out = load.out();
  r.err = load.err();
  return r;
}

}  // namespace

TEST_CASE("Ctrl-C during batonctl data load rolls the whole file back", "[audience][load]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  point_batonctl_at(db);
  auto profiles = [&] { return count_rows(*db.b, db.schema, "profiles").value(); };

  // Into an empty table.
  auto r = interrupt_load(db, big_csv(db, 1'000'000, 600'000));
  INFO("stderr: " << r.err);
  CHECK(r.code == 130);
  CHECK(r.err.find("error: data load: interrupted, nothing was loaded") != std::string::npos);
  CHECK(profiles() == 0);

  // Into a table that has rows: new keys and changes to existing ones, none of it kept.
  db.load_sample();
  REQUIRE(profiles() == 6);
  auto csv = big_csv(db, 1, 600'000);  // ids 1..6 exist: their names would change
  r = interrupt_load(db, csv);
  INFO("stderr: " << r.err);
  CHECK(r.code == 130);
  CHECK(r.err.find("error: data load: interrupted, nothing was loaded") != std::string::npos);
  CHECK(profiles() == 6);
  std::string ann;
  REQUIRE(db.b->query("SELECT first_name FROM profiles WHERE id = 1", {},
                      [&](const row& x) {
                        ann = x[0].to_text();
                        return false;
                      })
              .ok());
  CHECK(ann == "Ann");

  // Left alone, the same file loads whole.
  auto whole = baton::testing::run_tool(
      baton::testing::work_dir{}, "batonctl",
      {"--data-dir", db.dir, "--json", "data", "load", "profiles", csv}, std::chrono::minutes(5));
  INFO("stderr: " << whole.err);
  REQUIRE(whole.code == 0);
  CHECK(profiles() == 600'000);
}
