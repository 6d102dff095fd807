// Retention in the data plane (issue 10 item 8): drop_worktables_up_to drops the worktables of
// runs 1..N of one campaign — not later runs, not other campaigns — on both backends, and costs
// nothing where no worktable was ever made.
#include "fixture.hpp"

using namespace baton;
using namespace baton::audience;
using namespace baton::audience::test;

TEST_CASE("retention drops the worktables of runs 1..N of one campaign only",
          "[audience][retention]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  {
    test_db bare(kind, false);  // no registry yet: nothing to drop, not an error
    auto none = drop_worktables_up_to(*bare.b, "c1", 5);
    REQUIRE(none.ok());
    CHECK(*none == 0);
  }
  test_db db(kind);
  db.load_sample();
  runner r(db);
  json all = {{"id", "all"}, {"type", "build_audience"}};
  std::map<std::pair<std::string, std::uint32_t>, std::string> table;  // (campaign, run) -> table
  for (std::string campaign : {"c1", "c2"})
    for (std::uint32_t run : {1u, 2u, 3u}) {
      r.campaign = campaign;
      r.run = run;
      table[{campaign, run}] = output(r.ok(all), "out").table;
    }
  auto dropped = drop_worktables_up_to(*db.b, "c1", 2);
  REQUIRE(dropped.ok());
  CHECK(*dropped == 2);
  for (auto& [owner, name] : table) {
    bool gone = owner.first == "c1" && owner.second <= 2;
    INFO(owner.first << " run " << owner.second);
    CHECK(describe_worktable(*db.b, name).ok() == !gone);
  }
  auto again = drop_worktables_up_to(*db.b, "c1", 2);  // idempotent
  REQUIRE(again.ok());
  CHECK(*again == 0);
}
