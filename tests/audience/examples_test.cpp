// The example campaigns of config/campaigns/ run against config/schema.json and generated data:
// every data-plane activity in graph order, channels left out (they belong to delivery).
#include <sstream>

#include "fixture.hpp"
#include "model/definition.hpp"

using namespace baton;
using namespace baton::audience;
using namespace baton::audience::test;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the data activities of a campaign in the order they are listed (the examples list sources
// first); returns the outcome per activity.
std::map<std::string, task_outcome> run_campaign(test_db& db, const campaign_definition& def,
                                                 const std::string& import_dir) {
  std::map<std::string, task_outcome> done;
  for (const auto& a : def.activities) {
    if (!is_data_activity(a.type)) continue;
    task_input in;
    in.campaign = "ex";
    in.run = 1;
    in.act = &a;
    in.vars = def.variables;
    in.now = 1'795'000'000'000'000;
    for (const auto& t : def.transitions) {
      if (t.to != a.id || !done.count(t.from)) continue;
      for (const auto& p : done[t.from].outputs)
        if (p.output == t.output) in.inputs.push_back({t.from, p});
    }
    data_options opts{def.dimension, import_dir, 50ull << 20};
    auto r = run_data_activity(*db.b, db.schema, in, opts);
    INFO(def.name << " / " << a.id << ": " << (r.ok() ? "" : r.err().message()));
    REQUIRE(r.ok());
    done[a.id] = *r;
  }
  return done;
}

}  // namespace

TEST_CASE("the example campaigns run on the sample schema", "[audience][examples]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind, false);
  fs::path root = BATON_SOURCE_DIR;
  auto schema = parse_entity_schema(slurp(root / "config/schema.json"));
  REQUIRE(schema.ok());
  db.schema = *schema.schema;
  REQUIRE(apply_schema(*db.b, db.schema).ok());
  std::mt19937_64 rng(5);
  std::ostringstream h, p, b;
  h << "id,city,size\n";
  for (int i = 1; i <= 20; ++i)
    h << i << "," << (i % 3 ? "Paris" : "Lyon") << "," << i % 4 + 1 << "\n";
  p << "id,email,loyalty,email_opt_in,household_id,score,created_at,first_name\n";
  for (int i = 1; i <= 60; ++i)
    p << i << ",u" << i % 45 << "@x.com," << (i % 3 == 0 ? "gold" : "silver") << ","
      << (i % 4 ? "true" : "false") << "," << i % 20 + 1 << "," << i * 7 % 100 << ",2026-0"
      << i % 9 + 1 << "-01T00:00:00Z,N" << i << "\n";
  b << "id,profile_id,amount,category,bought_at\n";
  for (int i = 1; i <= 300; ++i)
    b << i << "," << rng() % 60 + 1 << "," << rng() % 90000 / 100.0 << ","
      << (i % 2 ? "hats" : "shoes") << ",2026-11-0" << i % 9 + 1 << "T10:00:00Z\n";
  db.load("households", h.str());
  db.load("profiles", p.str());
  db.load("purchases", b.str());
  std::string import = (fs::path(db.dir) / "import").string();
  fs::create_directories(import);
  std::ofstream(fs::path(import) / "partner.csv")
      << "mail,points\nu1@x.com,10\nu2@x.com,x\nnobody@x.com,3\n";
  std::ofstream(fs::path(import) / "new_customers.csv")
      << "id;email;first_name;birth_date;loyalty\n100;n@x.com;Neo;2000-01-01;\n101;m@x.com;Mia;bad;"
         "gold\n";
  std::map<std::string, std::map<std::string, task_outcome>> runs;
  for (const char* name : {"save-audience", "build-audience", "read-audience", "incremental-query",
                           "change-dimension", "combine", "deduplication", "enrichment",
                           "reconciliation", "split", "load-file", "update-data"}) {
    auto v = validate_campaign(slurp(root / "config/campaigns" / (std::string(name) + ".json")),
                               &db.schema);
    INFO(name << ": " << (v.issues.empty() ? "" : v.issues[0].pointer + " " + v.issues[0].message));
    REQUIRE(v.ok());
    runs[name] = run_campaign(db, *v.definition, import);
  }
  CHECK(runs["read-audience"]["vip"].outputs.at(0).count ==
        runs["save-audience"]["vip"].outputs.at(0).count);
  CHECK(runs["reconciliation"]["match"].outputs.at(0).count == 2);
  CHECK(count_rows(*db.b, db.schema, "profiles").value() == 62);
  CHECK(runs["split"]["ab"].outputs.size() >= 3);
  CHECK(runs["deduplication"]["one_per_email"].outputs.at(0).count == 45);
}
