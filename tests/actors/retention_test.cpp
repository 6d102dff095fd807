// Retention end to end (config retention.logsDays, default 30; issue 10 item 8): an engine with
// a real SQLite data plane runs a campaign; logsDays after its run ended, the run's worktables
// are dropped from the data plane and its task logs from the campaign's state, with one
// run_data_dropped event — and every event written before stays.
#include <cctype>

#include "delivery_fixture.hpp"

using namespace baton;
using namespace baton::testing;

namespace {

constexpr time_us day = 86'400'000'000;

// Worktables of the campaign: registered ones, and the wt_ tables SQLite holds for it.
std::pair<std::int64_t, std::int64_t> worktables_of(const std::string& data,
                                                    const std::string& id) {
  auto b = audience::open_backend("", data);
  REQUIRE(b.ok());
  auto registered = audience::query_int(
      **b, "SELECT count(*) FROM baton_worktables WHERE campaign = ?", {audience::value::text(id)});
  REQUIRE(registered.ok());
  std::string prefix = "wt_";  // worktable_name: [a-z0-9_], anything else becomes '_'
  for (char c : id) prefix += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  auto tables = audience::query_int(
      **b, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE ?",
      {audience::value::text(prefix + "%")});
  REQUIRE(tables.ok());
  return {*registered, *tables};
}

}  // namespace

TEST_CASE("logsDays after a run ended its worktables and task logs go, and its events stay",
          "[retention]") {
  delivery_fixture d({{"profiles", profiles_csv(5)}});
  auto id = d.f.create(mail_campaign(json::object()));
  d.f.ok("publish", id);
  REQUIRE(d.f.wait_run(id)["runStatus"] == "completed");
  auto [registered, tables] = worktables_of(d.data, id);
  REQUIRE(registered > 0);
  REQUIRE(tables == registered);
  REQUIRE_FALSE(d.mail_task(id)["logs"].empty());
  auto events = d.f.events(id);

  d.f.settle(29 * day);  // not yet
  CHECK(worktables_of(d.data, id).first == registered);
  CHECK_FALSE(d.mail_task(id)["logs"].empty());
  CHECK_FALSE(d.f.show(id).contains("retainedUpTo"));

  d.f.settle(2 * day);
  auto v = d.f.await(
      id, [](const json& v) { return v.value("retainedUpTo", 0) == 1; }, "retention of run 1");
  CHECK(worktables_of(d.data, id) == std::pair<std::int64_t, std::int64_t>{0, 0});
  CHECK_FALSE(task_of(v["runs"][0], "mail").contains("logs"));
  CHECK(task_of(v["runs"][0], "mail")["status"] == "done");  // only the logs go
  auto dropped = d.f.events_of_type(id, "run_data_dropped");
  REQUIRE(dropped.size() == 1);
  CHECK(count_of(dropped[0]["payload"]["lastRun"]) == 1);
  CHECK(count_of(dropped[0]["payload"]["worktables"]) == static_cast<std::uint64_t>(registered));
  // Every earlier event stays as it was, the task log in its task_completed included.
  auto after = d.f.events(id);
  REQUIRE(after.size() == events.size() + 1);
  for (std::size_t i = 0; i < events.size(); ++i) CHECK(after[i] == events[i]);
  bool logged = false;
  for (auto& e : d.f.events_of_type(id, "task_completed"))
    if (e["payload"]["activity"] == "mail") logged = !e["payload"]["logs"].empty();
  CHECK(logged);

  // Once done, it is not done again: a restart and more time change nothing.
  d.f.restart(d.f.dir.str("events"));
  d.f.settle(40 * day);
  CHECK(d.f.events_of_type(id, "run_data_dropped").size() == 1);
}
