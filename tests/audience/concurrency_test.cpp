// Several workers, each with its own connection (open_backend per thread), run activities on the
// same database at once: SQLite serialises the writers (busy timeout), PostgreSQL runs them in
// parallel; every run succeeds and gives the same result as alone.
#include <thread>

#include "fixture.hpp"

using namespace baton;
using namespace baton::audience;
using namespace baton::audience::test;

TEST_CASE("workers with their own connections run activities concurrently", "[audience][threads]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  runner alone(db);
  json q = {{"id", "q"},
            {"type", "build_audience"},
            {"filter", {{"field", "loyalty"}, {"op", "eq"}, {"value", "gold"}}}};
  auto expected = output(alone.ok(q), "out").fingerprint;
  std::vector<std::string> fingerprints(4), errors(4);
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      auto conn = db.connect();
      activity a;
      a.id = "q";
      a.type = activity_type::build_audience;
      a.options = {{"filter", q["filter"]}};
      for (int i = 0; i < 5; ++i) {
        task_input in;
        in.campaign = "w" + std::to_string(w);
        in.run = static_cast<std::uint32_t>(i + 1);
        in.act = &a;
        in.now = 1'795'000'000'000'000;
        auto r = run_data_activity(*conn, db.schema, in, data_options{"profiles", "", 1});
        if (!r) {
          errors[w] = r.err().message();
          return;
        }
        fingerprints[w] = r->outputs.at(0).fingerprint;
      }
    });
  }
  for (auto& t : workers) t.join();
  for (int w = 0; w < 4; ++w) {
    INFO("worker " << w << ": " << errors[w]);
    CHECK(errors[w].empty());
    CHECK(fingerprints[w] == expected);
  }
}
