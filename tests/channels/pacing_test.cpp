// Throttle (token bucket on a manual clock), the 12-hour send window, and wave plans.
#include <catch2/catch.hpp>

#include <numeric>

#include "channels/throttle.hpp"
#include "channels/waves.hpp"

using namespace baton;
using namespace baton::channels;
using nlohmann::json;

namespace {

std::vector<std::int64_t> counts(const std::vector<wave>& ws) {
  std::vector<std::int64_t> out;
  for (const auto& w : ws) out.push_back(w.count);
  return out;
}

}  // namespace

TEST_CASE("the throttle spaces messages evenly at its rate", "[throttle]") {
  manual_clock clock;
  const time_us t0 = clock.now();
  throttle t(4, clock);
  CHECK(t.reserve() == t0);
  CHECK(t.reserve() == t0 + 250'000);
  CHECK(t.reserve() == t0 + 500'000);
  CHECK(t.next_at() == t0 + 750'000);  // asking books nothing
  CHECK(t.next_at() == t0 + 750'000);
  clock.advance(10 * us_per_second);  // idle: no credit beyond the burst
  CHECK(t.reserve() == clock.now());
  CHECK(t.reserve() == clock.now() + 250'000);
}

TEST_CASE("a sender that waits as told sends exactly the rate", "[throttle]") {
  manual_clock clock;
  const time_us t0 = clock.now();
  throttle t(100, clock);
  for (int i = 0; i < 1000; ++i) {
    time_us at = t.reserve();
    REQUIRE(at >= clock.now());
    clock.set(at);  // "sleep" until allowed, then send
  }
  CHECK(clock.now() - t0 == 999 * 10'000);  // 1000 messages at 100/s: the last at 9.99 s
}

TEST_CASE("rates that do not divide a second do not drift", "[throttle]") {
  manual_clock clock;
  const time_us t0 = clock.now();
  throttle t(3, clock);
  time_us last = 0;
  for (int i = 0; i < 301; ++i) last = t.reserve();
  CHECK(last == t0 + 100 * us_per_second);  // message 300 at exactly 100 s
  throttle fast(2000, clock);
  for (int i = 0; i < 2000; ++i) last = fast.reserve();
  CHECK(last == clock.now() + 999'500);
}

TEST_CASE("bursts and batches keep the average rate", "[throttle]") {
  manual_clock clock;
  const time_us t0 = clock.now();
  throttle t(10, clock, 5);
  for (int i = 0; i < 5; ++i) CHECK(t.reserve() == t0);  // a burst of 5 at once
  CHECK(t.reserve() == t0 + 100'000);
  throttle b(10, clock);
  CHECK(b.reserve(10) == t0);  // a batch of 10 goes now, the next batch a second later
  CHECK(b.reserve(10) == t0 + us_per_second);
  CHECK(b.reserve(1) == t0 + 2 * us_per_second);
}

TEST_CASE("the 12-hour window holds rate * 43200 messages", "[window]") {
  CHECK(window_capacity(1) == 43'200);
  CHECK(window_capacity(2000) == 86'400'000);
  CHECK(window_capacity(10, us_per_hour) == 36'000);
  auto one = plan_waves(50'000, nullptr);
  REQUIRE(one.ok());
  auto fit = fit_send_window(*one, 1);
  CHECK(fit.sendable == std::vector<std::int64_t>{43'200});
  CHECK(fit.excluded == 6'800);
  CHECK(fit.last_send_at == 43'199 * us_per_second);
  auto all = fit_send_window(*one, 2);
  CHECK(all.excluded == 0);
  CHECK(fit_send_window(*one, std::nullopt).excluded == 0);  // no throttle: all at once
}

TEST_CASE("waves queue behind each other inside the window", "[window]") {
  // 3 waves 5 hours apart at 1 message/s: each wave of 20000 needs 5.55 h.
  json spec = {{"count", 3}, {"interval", "PT5H"}};
  auto plan = plan_waves(60'000, spec);
  REQUIRE(plan.ok());
  auto fit = fit_send_window(*plan, 1);
  // wave 0: 0 .. 20000 s; wave 1 starts at 20000 s (after wave 0, later than 18000 s) and ends
  // at 40000 s; wave 2 starts at 40000 s and has 3200 s left.
  CHECK(fit.sendable == std::vector<std::int64_t>{20'000, 20'000, 3'200});
  CHECK(fit.excluded == 16'800);
  // Unthrottled waves past the window are excluded whole.
  auto late = plan_waves(30, json{{"count", 3}, {"interval", "PT8H"}});
  REQUIRE(late.ok());
  auto f = fit_send_window(*late, std::nullopt);
  CHECK(f.sendable == std::vector<std::int64_t>{10, 10, 0});
  CHECK(f.excluded == 10);
}

TEST_CASE("no waves: one wave with everyone, at once", "[waves]") {
  auto p = plan_waves(7, json());
  REQUIRE(p.ok());
  REQUIRE(p->size() == 1);
  CHECK((*p)[0] == wave{0, 0, 7, 0});
}

TEST_CASE("equal waves differ by at most one, 30 minutes apart by default", "[waves]") {
  auto p = plan_waves(10, json(3));
  REQUIRE(p.ok());
  CHECK(counts(*p) == std::vector<std::int64_t>{4, 3, 3});
  CHECK((*p)[1] == wave{1, 4, 3, 30 * us_per_minute});
  CHECK((*p)[2].start == 60 * us_per_minute);
  CHECK((*p)[2].offset == 7);
  auto q = plan_waves(2, json{{"count", 4}, {"mode", "equal"}, {"interval", "PT1H"}});
  REQUIRE(q.ok());
  CHECK(counts(*q) == std::vector<std::int64_t>{1, 1, 0, 0});
  CHECK((*q)[3].start == 3 * us_per_hour);
}

TEST_CASE("percent waves round down and give the rest to the last", "[waves]") {
  auto p = plan_waves(1001, json{{"mode", "percent"}, {"sizes", {10, 30, 60}}});
  REQUIRE(p.ok());
  CHECK(counts(*p) == std::vector<std::int64_t>{100, 300, 601});
  auto thirds = plan_waves(10, json{{"mode", "percent"}, {"sizes", {33.3, 33.3, 33.4}}});
  REQUIRE(thirds.ok());
  auto c = counts(*thirds);
  CHECK(std::accumulate(c.begin(), c.end(), std::int64_t{0}) == 10);
  CHECK(c == std::vector<std::int64_t>{3, 3, 4});
}

TEST_CASE("absolute waves take their sizes, the rest goes with the last", "[waves]") {
  json spec = {{"mode", "absolute"}, {"sizes", {1000, 5000, 20000}}, {"interval", "PT45M"}};
  auto big = plan_waves(30'000, spec);
  REQUIRE(big.ok());
  CHECK(counts(*big) == std::vector<std::int64_t>{1000, 5000, 24'000});
  CHECK((*big)[2].start == 90 * us_per_minute);
  CHECK((*big)[2].offset == 6000);
  auto small = plan_waves(3'000, spec);
  REQUIRE(small.ok());
  CHECK(counts(*small) == std::vector<std::int64_t>{1000, 2000, 0});
}

TEST_CASE("specs the validator refuses are refused here too", "[waves]") {
  CHECK_FALSE(plan_waves(10, json(1)).ok());
  CHECK_FALSE(plan_waves(10, json(11)).ok());
  CHECK_FALSE(plan_waves(10, json{{"count", 3}, {"interval", "PT10M"}}).ok());
  CHECK_FALSE(plan_waves(10, json{{"mode", "percent"}, {"sizes", {50, 40}}}).ok());
  CHECK_FALSE(plan_waves(10, json{{"mode", "absolute"}, {"sizes", {5}}}).ok());
  CHECK_FALSE(plan_waves(10, json{{"mode", "percent"}, {"sizes", {50, 50}}, {"count", 3}}).ok());
  CHECK_FALSE(plan_waves(10, json{{"mode", "sideways"}}).ok());
  CHECK(plan_waves(0, json(3)).ok());
}
