// Retention (config retention.logsDays, issue 10 item 8): the ended runs past it are found in
// order with the time the next one passes it; run_data_dropped takes their task logs out of the
// state (the events keep them), is remembered by snapshots, and a run it names must exist.
#include <catch2/catch.hpp>

#include "campaign_fixture.hpp"
#include "model/retention.hpp"

using namespace campaign_fixture;

namespace {

constexpr time_us day = 86'400'000'000;

// One alert: a test run ends at once, and its task has a log line.
std::string alert_only() {
  return campaign_json(
      json::array({{{"id", "note"}, {"type", "alert"}, {"title", "T"}, {"message", "M"}}}),
      json::array());
}

// A campaign with two ended test runs: run 1 at t0, run 2 a day later.
campaign two_runs() {
  campaign c(alert_only());
  c.accept(decide_test(c.s, c.ctx()));
  c.step();
  c.now += day;
  c.accept(decide_test(c.s, c.ctx()));
  c.step();
  REQUIRE(c.s.runs.size() == 2);
  for (auto& r : c.s.runs) {
    REQUIRE_FALSE(r.active());
    REQUIRE_FALSE(r.tasks.at("note").logs.empty());
  }
  return c;
}

}  // namespace

TEST_CASE("retention finds the runs past it in order and when the next one is", "[retention]") {
  auto c = two_runs();
  auto end1 = c.run(1).ended_at, end2 = c.run(2).ended_at;
  REQUIRE(end2 == end1 + day);
  auto none = retention_at(c.s, end1 + 30 * day - 1, 30);
  CHECK(none.last_run == 0);
  CHECK(none.next_at == end1 + 30 * day);
  auto first = retention_at(c.s, end1 + 30 * day, 30);
  CHECK(first.last_run == 1);
  CHECK(first.next_at == end2 + 30 * day);
  auto both = retention_at(c.s, end2 + 30 * day, 30);
  CHECK(both.last_run == 2);
  CHECK(both.next_at == 0);
}

TEST_CASE("a run still going holds back retention for it and the runs after it", "[retention]") {
  auto c = two_runs();
  c.accept(decide_test(c.s, c.ctx()));  // run 3 starts; its alert is not run
  c.auto_flow = false;
  c.step();
  REQUIRE(c.s.runs.back().active());
  auto due = retention_at(c.s, c.now + 1000 * day, 30);
  CHECK(due.last_run == 2);
  CHECK(due.next_at == 0);
}

TEST_CASE("run_data_dropped drops the task logs of those runs only, and snapshots keep it",
          "[retention]") {
  auto c = two_runs();
  c.now = c.run(1).ended_at + 30 * day;  // run 1 is due, run 2 a day later
  c.fold({ev::run_data_dropped{1, 3}}, "engine");
  CHECK(c.s.retained_upto == 1);
  CHECK(c.run(1).tasks.at("note").logs.empty());
  CHECK_FALSE(c.run(2).tasks.at("note").logs.empty());
  CHECK(c.run(1).tasks.at("note").status == task_status::done);  // only the logs go
  auto due = retention_at(c.s, c.now, 30);                       // run 1 is not due again
  CHECK(due.last_run == 0);
  CHECK(due.next_at == c.run(2).ended_at + 30 * day);
  auto back = decode_state(encode_state(c.s));
  REQUIRE(back.ok());
  CHECK(back->retained_upto == 1);
  CHECK(back->runs[0].tasks.at("note").logs.empty());
  // The event itself keeps what the state dropped: the fold of the log from the start agrees.
  campaign_state again;
  for (auto& e : c.log) REQUIRE(apply(again, e).ok());
  CHECK(again.retained_upto == 1);
  CHECK(again.runs[0].tasks.at("note").logs.empty());
}

TEST_CASE("run_data_dropped naming a run that does not exist does not fold", "[retention]") {
  auto c = two_runs();
  event e = ev::to_event(ev::run_data_dropped{3, 0});
  e.stream = k_stream;
  e.stream_seq = c.log.size() + 1;
  e.global_seq = 99999;
  auto st = apply(c.s, e);
  REQUIRE_FALSE(st.ok());
  CHECK(st.err().code == errc::integrity);
  CHECK(st.err().what.find("unknown run 3") != std::string::npos);
}
