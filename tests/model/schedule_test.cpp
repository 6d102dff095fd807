// Tests for model/schedule: cron parsing (every form, and refusals with a reason), firing times in
// UTC and across Europe/Paris DST changes, Vixie day matching, validity windows, previews, the
// 15-minute guardrail and the validation of a campaign's "schedule" member. Fixed instants only.
#include <catch2/catch.hpp>

#include "model/schedule.hpp"

using namespace baton;
using nlohmann::json;

namespace {

time_us t(std::string_view text) {
  auto r = parse_time(text);
  REQUIRE(r.ok());
  return *r;
}

cron_expression cron(std::string_view text) {
  auto r = cron_expression::parse(text);
  INFO(text << ": " << (r.ok() ? "" : r.err().what));
  REQUIRE(r.ok());
  return *r;
}

// The next n firings after `after`, printed in UTC.
std::vector<std::string> firings(std::string_view expr, std::string_view after, int n,
                                 const std::string& zone = "UTC") {
  const cron_expression c = cron(expr);
  std::vector<std::string> out;
  time_us at = t(after);
  for (int i = 0; i < n; ++i) {
    auto next = c.next_after(at, zone);
    if (!next) break;
    out.push_back(format_time(*next));
    at = *next;
  }
  return out;
}

std::string next(std::string_view expr, std::string_view after, const std::string& zone = "UTC") {
  auto f = firings(expr, after, 1, zone);
  return f.empty() ? "none" : f.front();
}

using strings = std::vector<std::string>;

}  // namespace

TEST_CASE("cron fields take *, values, lists, ranges and steps", "[schedule][cron]") {
  CHECK(firings("* * * * *", "2026-12-01T10:00:30Z", 2) ==
        strings{"2026-12-01T10:01:00Z", "2026-12-01T10:02:00Z"});
  CHECK(firings("5 * * * *", "2026-12-01T10:05:00Z", 2) ==
        strings{"2026-12-01T11:05:00Z", "2026-12-01T12:05:00Z"});
  CHECK(firings("1,5 10 * * *", "2026-12-01T10:00:00Z", 3) ==
        strings{"2026-12-01T10:01:00Z", "2026-12-01T10:05:00Z", "2026-12-02T10:01:00Z"});
  CHECK(firings("0 1-3 * * *", "2026-12-01T00:00:00Z", 4) ==
        strings{"2026-12-01T01:00:00Z", "2026-12-01T02:00:00Z", "2026-12-01T03:00:00Z",
                "2026-12-02T01:00:00Z"});
  CHECK(firings("*/15 * * * *", "2026-12-01T10:07:30Z", 3) ==
        strings{"2026-12-01T10:15:00Z", "2026-12-01T10:30:00Z", "2026-12-01T10:45:00Z"});
  CHECK(firings("0-30/10 * * * *", "2026-12-01T10:00:00Z", 4) ==
        strings{"2026-12-01T10:10:00Z", "2026-12-01T10:20:00Z", "2026-12-01T10:30:00Z",
                "2026-12-01T11:00:00Z"});
  CHECK(firings("0 0 1,15 */3 *", "2026-01-01T00:00:00Z", 3) ==
        strings{"2026-01-15T00:00:00Z", "2026-04-01T00:00:00Z", "2026-04-15T00:00:00Z"});
}

TEST_CASE("cron months and weekdays take names, 0 and 7 are Sunday", "[schedule][cron]") {
  // 2026-12-01 is a Tuesday.
  CHECK(next("0 9 * JUN-AUG *", "2026-12-01T00:00:00Z") == "2027-06-01T09:00:00Z");
  CHECK(next("0 9 * jan *", "2026-12-01T00:00:00Z") == "2027-01-01T09:00:00Z");
  CHECK(firings("0 9 * * MON-FRI", "2026-12-04T09:00:00Z", 2) ==
        strings{"2026-12-07T09:00:00Z", "2026-12-08T09:00:00Z"});
  CHECK(firings("0 9 * * mon,Wed,FRI", "2026-12-01T00:00:00Z", 3) ==
        strings{"2026-12-02T09:00:00Z", "2026-12-04T09:00:00Z", "2026-12-07T09:00:00Z"});
  CHECK(next("0 9 * * 0", "2026-12-01T00:00:00Z") == "2026-12-06T09:00:00Z");
  CHECK(next("0 9 * * 7", "2026-12-01T00:00:00Z") == "2026-12-06T09:00:00Z");
  CHECK(next("0 9 * * SUN", "2026-12-01T00:00:00Z") == "2026-12-06T09:00:00Z");
  CHECK(firings("0 9 * * FRI-SUN", "2026-12-01T00:00:00Z", 4) ==
        strings{"2026-12-04T09:00:00Z", "2026-12-05T09:00:00Z", "2026-12-06T09:00:00Z",
                "2026-12-11T09:00:00Z"});
  CHECK(cron("  0  9\t* * 1-5 ").text() == "  0  9\t* * 1-5 ");
}

TEST_CASE("cron refuses malformed expressions with a reason", "[schedule][cron]") {
  const std::pair<const char*, const char*> cases[] = {
      {"", "expected 5 fields"},
      {"* * * *", "got 4"},
      {"* * * * * *", "got 6"},
      {"60 * * * *", "minute \"60\": 60 is out of range 0-59"},
      {"* 24 * * *", "hour"},
      {"* * 0 * *", "day-of-month"},
      {"* * 32 * *", "out of range 1-31"},
      {"* * * 13 *", "month"},
      {"* * * * 8", "day-of-week"},
      {"5/15 * * * *", "a step needs a range"},
      {"*/0 * * * *", "the step must be"},
      {"*/60 * * * *", "the step must be"},
      {"*/x * * * *", "the step must be"},
      {"5-1 * * * *", "runs backwards"},
      {"1,,2 * * * *", "empty list item"},
      {"1, * * * *", "empty list item"},
      {"-5 * * * *", "missing"},
      {"1- * * * *", "missing"},
      {"FOO * * * *", "not a number"},
      {"* * * FOO *", "not a number or a name"},
      {"* * * * MONDAY", "not a number or a name"},
      {"* * * MON *", "not a number or a name"},
      {"? * * * *", "not a number"},
      {"*-5 * * * *", "not a number"},
      {"0 0 30 2 *", "never occurs"},
      {"0 0 31 APR,JUN,SEP,NOV *", "never occurs"},
  };
  for (const auto& [expr, reason] : cases) {
    INFO(expr);
    auto r = cron_expression::parse(expr);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == errc::validation);
    CHECK_THAT(r.err().what, Catch::Contains(reason));
  }
  // When both day fields are restricted a day matches either, so 30 February is not an error.
  CHECK(cron_expression::parse("0 0 30 2 MON").ok());
}

TEST_CASE("next_after in UTC is strictly after and crosses months and years", "[schedule][cron]") {
  CHECK(next("0 9 * * *", "2026-12-01T09:00:00Z") == "2026-12-02T09:00:00Z");
  CHECK(next("0 9 * * *", "2026-12-01T08:59:59.999999Z") == "2026-12-01T09:00:00Z");
  CHECK(next("59 23 31 12 *", "2026-06-01T00:00:00Z") == "2026-12-31T23:59:00Z");
  CHECK(next("0 0 1 1 *", "2026-06-01T00:00:00Z") == "2027-01-01T00:00:00Z");
  CHECK(next("0 0 31 * *", "2026-04-01T00:00:00Z") == "2026-05-31T00:00:00Z");
  CHECK(next("0 0 29 2 *", "2026-03-01T00:00:00Z") == "2028-02-29T00:00:00Z");
  CHECK(next("0 0 * * *", "1969-12-31T12:00:00Z") == "1970-01-01T00:00:00Z");
}

TEST_CASE("next_after has no answer for an unknown zone", "[schedule][cron]") {
  const auto c = cron("0 9 * * *");
  const time_us now = t("2026-12-01T00:00:00Z");
  CHECK_FALSE(c.next_after(now, "Mars/Olympus_Mons").has_value());
  CHECK_FALSE(c.next_after(now, "").has_value());
  CHECK_FALSE(c.next_after(now, "localtime").has_value());
  CHECK_FALSE(c.next_after(now, "../zoneinfo/UTC").has_value());
  CHECK(c.next_after(now, "Europe/Paris").has_value());
}

TEST_CASE("cron follows the wall clock of Europe/Paris", "[schedule][cron][dst]") {
  const std::string paris = "Europe/Paris";
  SECTION("01:30 on ordinary winter and summer days") {
    CHECK(firings("30 1 * * *", "2026-01-10T00:00:00Z", 2, paris) ==
          strings{"2026-01-10T00:30:00Z", "2026-01-11T00:30:00Z"});
    CHECK(firings("30 1 * * *", "2026-07-10T00:00:00Z", 2, paris) ==
          strings{"2026-07-10T23:30:00Z", "2026-07-11T23:30:00Z"});
  }
  SECTION("spring forward: 02:30 does not exist and fires at 03:00 local") {
    CHECK(firings("30 2 * * *", "2026-03-28T00:00:00Z", 3, paris) ==
          strings{"2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"});
    // Every minute of the gap collapses onto one firing.
    CHECK(firings("*/20 2 * * *", "2026-03-29T00:00:00Z", 2, paris) ==
          strings{"2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z"});
  }
  SECTION("fall back: 02:30 happens twice and fires once, the first time") {
    CHECK(firings("30 2 * * *", "2026-10-24T00:00:00Z", 3, paris) ==
          strings{"2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"});
    // Asked from inside the repeated hour (second 02:10), the next firing is 03:00 CET.
    CHECK(next("*/5 * * * *", "2026-10-25T01:10:00Z", paris) == "2026-10-25T02:00:00Z");
    CHECK(next("*/5 * * * *", "2026-10-25T00:55:00Z", paris) == "2026-10-25T02:00:00Z");
  }
}

TEST_CASE("day-of-month and day-of-week combine as in Vixie cron", "[schedule][cron]") {
  // Both restricted: every Friday and every 13th. 2026-12-13 is a Sunday.
  CHECK(firings("0 12 13 * FRI", "2026-12-01T00:00:00Z", 4) ==
        strings{"2026-12-04T12:00:00Z", "2026-12-11T12:00:00Z", "2026-12-13T12:00:00Z",
                "2026-12-18T12:00:00Z"});
  // Day of week is '*': only the 13th.
  CHECK(firings("0 12 13 * *", "2026-12-01T00:00:00Z", 2) ==
        strings{"2026-12-13T12:00:00Z", "2027-01-13T12:00:00Z"});
  // Day of month is '*': only Fridays.
  CHECK(firings("0 12 * * FRI", "2026-12-01T00:00:00Z", 2) ==
        strings{"2026-12-04T12:00:00Z", "2026-12-11T12:00:00Z"});
  // A field starting with '*' counts as unrestricted (Vixie): odd days that are Fridays.
  CHECK(firings("0 12 */2 * FRI", "2026-12-01T00:00:00Z", 2) ==
        strings{"2026-12-11T12:00:00Z", "2026-12-25T12:00:00Z"});
}

TEST_CASE("shortest_interval measures the densest firing over a year", "[schedule][cron]") {
  const time_us from = t("2026-01-01T00:00:00Z");
  CHECK(shortest_interval(cron("*/5 * * * *"), "UTC", from) == 5 * us_per_minute);
  CHECK(shortest_interval(cron("* * * * *"), "UTC", from) == us_per_minute);
  CHECK(shortest_interval(cron("0,50 * * * *"), "UTC", from) == 10 * us_per_minute);
  CHECK(shortest_interval(cron("0 9 * * MON-FRI"), "Europe/Paris", from) == us_per_day);
  CHECK(shortest_interval(cron("0 9 1 1 *"), "UTC", from) == 365 * us_per_day);
  CHECK(shortest_interval(cron("0 0 29 2 *"), "UTC", from) ==
        std::numeric_limits<duration_us>::max());
  // 01:30 and 02:30 are an hour apart, except on the spring-forward night: 01:30 CET, 03:00 CEST.
  CHECK(shortest_interval(cron("30 1,2 * * *"), "Europe/Paris", from) == 30 * us_per_minute);
  CHECK(shortest_interval(cron("30 1,2 * * *"), "UTC", from) == us_per_hour);
}

TEST_CASE("next_runs previews the next N runs of each schedule form", "[schedule]") {
  const time_us now = t("2026-12-02T10:00:00Z");
  CHECK(next_runs(schedule{}, now, 5).empty());  // asap runs on start/publish
  schedule signal;
  signal.k = schedule::kind::signal;
  CHECK(next_runs(signal, now, 5).empty());
  schedule at;
  at.k = schedule::kind::at;
  at.at = t("2026-12-24T18:00:00Z");
  CHECK(next_runs(at, now, 5) == std::vector<time_us>{at.at});
  CHECK(next_runs(at, at.at, 5).empty());
  CHECK(next_runs(at, now, 0).empty());

  schedule daily;
  daily.k = schedule::kind::cron;
  daily.cron = cron("0 9 * * *");
  daily.timezone = "Europe/Paris";
  CHECK(next_runs(daily, now, 3) == std::vector<time_us>{t("2026-12-03T08:00:00Z"),
                                                         t("2026-12-04T08:00:00Z"),
                                                         t("2026-12-05T08:00:00Z")});
  CHECK(next_runs(daily, now, 0).empty());
}

TEST_CASE("cron runs respect the validity window", "[schedule]") {
  schedule s;
  s.k = schedule::kind::cron;
  s.cron = cron("0 9 * * *");
  s.from = t("2026-12-01T09:00:00Z");
  s.until = t("2026-12-03T09:00:00Z");
  SECTION("a future from is itself the first slot; until is exclusive") {
    CHECK(next_runs(s, t("2026-11-01T00:00:00Z"), 10) ==
          std::vector<time_us>{t("2026-12-01T09:00:00Z"), t("2026-12-02T09:00:00Z")});
  }
  SECTION("a past first slot rolls to the next valid one") {
    CHECK(next_runs(s, t("2026-12-01T09:00:00Z"), 10) ==
          std::vector<time_us>{t("2026-12-02T09:00:00Z")});
    s.until.reset();
    CHECK(next_runs(s, t("2026-12-05T12:00:00Z"), 2) ==
          std::vector<time_us>{t("2026-12-06T09:00:00Z"), t("2026-12-07T09:00:00Z")});
  }
  SECTION("after the window there is nothing") {
    CHECK(next_runs(s, t("2026-12-03T09:00:00Z"), 10).empty());
  }
}

namespace {

struct parsed {
  std::optional<schedule> s;
  problems ps;
};

parsed parse(const json& j) {
  parsed p;
  p.s = parse_schedule(&j, "/schedule", p.ps);
  return p;
}

bool has_problem(const problems& ps, const std::string& pointer, problem::severity level,
                 const std::string& words = "") {
  for (const auto& p : ps)
    if (p.pointer == pointer && p.level == level && p.message.find(words) != std::string::npos)
      return true;
  return false;
}

constexpr auto is_error = problem::severity::error;
constexpr auto is_warning = problem::severity::warning;

}  // namespace

TEST_CASE("parse_schedule reads every schedule form", "[schedule][parse]") {
  problems ps;
  auto asap = parse_schedule(nullptr, "/schedule", ps);
  REQUIRE(asap);
  CHECK(asap->k == schedule::kind::asap);
  const json null_schedule = nullptr;
  CHECK(parse_schedule(&null_schedule, "/schedule", ps)->k == schedule::kind::asap);
  CHECK(ps.empty());

  auto at = parse({{"at", "2026-12-24T18:00:00+01:00"}});
  REQUIRE(at.s);
  CHECK(at.s->k == schedule::kind::at);
  CHECK(at.s->at == t("2026-12-24T17:00:00Z"));

  auto sig = parse({{"signal", true}});
  REQUIRE(sig.s);
  CHECK(sig.s->k == schedule::kind::signal);

  auto c = parse(json::parse(R"({"cron": "0 9 * * MON-FRI", "timezone": "Europe/Paris",
      "from": "2026-12-01T00:00:00Z", "until": "2027-01-31T00:00:00Z"})"));
  REQUIRE(c.s);
  CHECK(c.ps.empty());
  CHECK(c.s->k == schedule::kind::cron);
  CHECK(c.s->cron->text() == "0 9 * * MON-FRI");
  CHECK(c.s->timezone == "Europe/Paris");
  CHECK(c.s->from == t("2026-12-01"));
  CHECK(c.s->until == t("2027-01-31"));

  auto utc = parse({{"cron", "0 9 * * *"}});
  REQUIRE(utc.s);
  CHECK(utc.s->timezone == "UTC");
  CHECK_FALSE(utc.s->from);
}

TEST_CASE("parse_schedule reports each problem at its member", "[schedule][parse]") {
  const std::pair<json, std::string> cases[] = {
      {"daily", "/schedule"},
      {json::object(), "/schedule"},
      {{{"at", "2026-12-24T18:00:00Z"}, {"cron", "0 9 * * *"}}, "/schedule"},
      {{{"cron", "0 9 * * *"}, {"every", "day"}}, "/schedule/every"},
      {{{"cron", "0 9 * * *"}, {"a/b", 1}}, "/schedule/a~1b"},
      {{{"cron", "0 9 * * *"}, {"timezone", "Mars/Olympus_Mons"}}, "/schedule/timezone"},
      {{{"cron", "0 9 * * *"}, {"timezone", 1}}, "/schedule/timezone"},
      {{{"cron", "0 25 * * *"}}, "/schedule/cron"},
      {{{"cron", 5}}, "/schedule/cron"},
      {{{"cron", "0 9 * * *"}, {"from", "2026-12-01T00:00:00"}}, "/schedule/from"},
      {{{"cron", "0 9 * * *"}, {"until", "tomorrow"}}, "/schedule/until"},
      {{{"cron", "0 9 * * *"}, {"from", "2027-01-01"}, {"until", "2026-12-01"}}, "/schedule/until"},
      {{{"cron", "0 9 * * *"}, {"from", "2027-01-01"}, {"until", "2027-01-01"}}, "/schedule/until"},
      {{{"at", "2026-12-24T18:00:00"}}, "/schedule/at"},
      {{{"at", 1796115600}}, "/schedule/at"},
      {{{"at", "2026-12-24"}, {"timezone", "UTC"}}, "/schedule/timezone"},
      {{{"signal", true}, {"from", "2026-12-24"}}, "/schedule/from"},
      {{{"signal", false}}, "/schedule/signal"},
      {{{"signal", "yes"}}, "/schedule/signal"},
  };
  for (const auto& [input, pointer] : cases) {
    INFO(input.dump() << " -> " << pointer);
    const auto p = parse(input);
    CHECK_FALSE(p.s);
    CHECK(has_problem(p.ps, pointer, is_error));
  }
  CHECK(has_problem(parse({{"cron", "0 9 * * *"}, {"timezone", "Mars/Olympus_Mons"}}).ps,
                    "/schedule/timezone", is_error, "unknown time zone"));
  CHECK(has_problem(parse({{"cron", "0 9 * * *"}, {"every", "day"}}).ps, "/schedule/every",
                    is_error, "unknown member"));
}

TEST_CASE("parse_schedule collects every problem, not just the first", "[schedule][parse]") {
  const auto p = parse({{"cron", "0 25 * * *"}, {"timezone", "Nowhere"}, {"extra", 1}});
  CHECK_FALSE(p.s);
  CHECK(p.ps.size() == 3);
  CHECK(has_problem(p.ps, "/schedule/cron", is_error, "hour"));
  CHECK(has_problem(p.ps, "/schedule/timezone", is_error));
  CHECK(has_problem(p.ps, "/schedule/extra", is_error));
}

TEST_CASE("a cron firing more often than every 15 minutes is a warning", "[schedule][parse]") {
  const auto often = parse({{"cron", "*/5 * * * *"}});
  REQUIRE(often.s);  // a warning does not block
  REQUIRE(often.ps.size() == 1);
  CHECK(has_problem(often.ps, "/schedule/cron", is_warning, "PT5M"));
  CHECK_FALSE(has_errors(often.ps));

  CHECK(parse({{"cron", "0 9 * * MON-FRI"}}).ps.empty());
  CHECK(parse({{"cron", "*/15 * * * *"}}).ps.empty());

  problems ps;
  const json hourly = {{"cron", "0 * * * *"}};
  REQUIRE(parse_schedule(&hourly, "/schedule", ps, 2 * us_per_hour));
  CHECK(has_problem(ps, "/schedule/cron", is_warning, "PT1H"));

  // Only the DST night makes these two 30 minutes apart: still a warning with a 45 min guardrail.
  problems dst;
  const json night = {{"cron", "30 1,2 * * *"}, {"timezone", "Europe/Paris"}};
  REQUIRE(parse_schedule(&night, "/schedule", dst, 45 * us_per_minute));
  CHECK(has_problem(dst, "/schedule/cron", is_warning, "PT30M"));
}

TEST_CASE("a window in which the cron never fires is a warning", "[schedule][parse]") {
  const auto p = parse({{"cron", "0 9 25 12 *"}, {"from", "2027-01-01"}, {"until", "2027-06-01"}});
  REQUIRE(p.s);
  CHECK(has_problem(p.ps, "/schedule/until", is_warning, "never fires"));
}
