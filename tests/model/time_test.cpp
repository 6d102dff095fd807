// Tests for model/time: ISO-8601 instants and durations parse exactly to microseconds, print back
// to the same text, and malformed or ambiguous input is refused with errc::validation.
#include <catch2/catch.hpp>

#include "model/time.hpp"

using namespace baton;

namespace {

time_us t(std::string_view text) {
  auto r = parse_time(text);
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

TEST_CASE("parse_time reads UTC instants, offsets and fractions", "[time]") {
  CHECK(t("1970-01-01T00:00:00Z") == 0);
  CHECK(t("1970-01-01") == 0);
  CHECK(t("2026-12-01T09:00:00Z") == 1'796'115'600 * us_per_second);
  CHECK(t("2026-12-01T09:00:00+01:00") == t("2026-12-01T08:00:00Z"));
  CHECK(t("2026-12-01T09:00:00-05:30") == t("2026-12-01T14:30:00Z"));
  CHECK(t("2026-12-01T00:30:00+01:00") == t("2026-11-30T23:30:00Z"));
  CHECK(t("2026-12-01T09:00:00.250+01:00") == t("2026-12-01T08:00:00Z") + 250'000);
  CHECK(t("2026-12-01T09:00:00.000001Z") == t("2026-12-01T09:00:00Z") + 1);
  CHECK(t("2026-12-01T09:00:00.5Z") == t("2026-12-01T09:00:00Z") + 500'000);
  CHECK(t("2026-12-01") == t("2026-12-01T00:00:00Z"));
  CHECK(t("2024-02-29") == t("2024-03-01") - us_per_day);
  CHECK(t("1969-12-31T23:59:59Z") == -us_per_second);
  CHECK(t("0000-01-01T00:00:00Z") == -62'167'219'200 * us_per_second);
}

TEST_CASE("parse_time refuses ambiguous, impossible and malformed instants", "[time]") {
  for (const char* bad : {
           "2026-12-01T09:00:00",           // no offset: ambiguous
           "2026-02-30",                    // no such date
           "2025-02-29",                    // not a leap year
           "1900-02-29",                    // century, not a leap year
           "2026-13-01",                    // month 13
           "2026-00-10",                    // month 0
           "2026-12-00",                    // day 0
           "2026-12-01T24:00:00Z",          // hour 24
           "2026-12-01T09:60:00Z",          // minute 60
           "2026-12-01T09:00:60Z",          // second 60
           "2026-12-01T09:00:00.1234567Z",  // more than microseconds
           "2026-12-01T09:00:00.Z",         // empty fraction
           "2026-12-01T09:00:00+01",        // offset without minutes
           "2026-12-01T09:00:00+24:00",     // no such offset
           "2026-12-01T09:00:00Zjunk",      // trailing garbage
           "2026-12-01junk",                // trailing garbage after a date
           "2026-12-01 09:00:00Z",          // a space instead of T
           "2026-12-01T09:00Z",             // no seconds
           "26-12-01",                      // two-digit year
           "2026-1-01",                     // one-digit month
           "",                              // nothing
       }) {
    INFO(bad);
    auto r = parse_time(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == errc::validation);
    CHECK_FALSE(r.err().what.empty());
  }
  CHECK_THAT(parse_time("2026-12-01T09:00:00").err().what, Catch::Contains("offset"));
  CHECK_THAT(parse_time("2026-02-30").err().what, Catch::Contains("no such date"));
}

TEST_CASE("format_time prints UTC with microseconds only when non-zero", "[time]") {
  CHECK(format_time(0) == "1970-01-01T00:00:00Z");
  CHECK(format_time(t("2026-12-01T09:00:00+01:00")) == "2026-12-01T08:00:00Z");
  CHECK(format_time(t("2026-12-01T09:00:00Z") + 250) == "2026-12-01T09:00:00.000250Z");
  CHECK(format_time(-1) == "1969-12-31T23:59:59.999999Z");
  CHECK(format_time(-us_per_day) == "1969-12-31T00:00:00Z");
}

TEST_CASE("parse_time and format_time round-trip", "[time]") {
  for (const char* text :
       {"2026-12-01T09:00:00Z", "2026-03-29T01:00:00.500Z" /* printed .5 */,
        "2024-02-29T23:59:59.999999Z", "1999-12-31T00:00:00Z", "2000-01-01T00:00:00.000001Z"}) {
    INFO(text);
    CHECK(t(format_time(t(text))) == t(text));
  }
  CHECK(format_time(t("2024-02-29T23:59:59.999999Z")) == "2024-02-29T23:59:59.999999Z");
  for (time_us v : {time_us{0}, time_us{1}, time_us{-1}, time_us{1'796'115'600'123'456},
                    time_us{-86'400'000'001}}) {
    INFO(v);
    CHECK(t(format_time(v)) == v);
  }
}

TEST_CASE("parse_duration reads days, weeks and time parts", "[time]") {
  CHECK(*parse_duration("PT2H") == 2 * us_per_hour);
  CHECK(*parse_duration("P3D") == 3 * us_per_day);
  CHECK(*parse_duration("P1DT12H30M") == us_per_day + 12 * us_per_hour + 30 * us_per_minute);
  CHECK(*parse_duration("PT0.5S") == 500'000);
  CHECK(*parse_duration("PT90S") == 90 * us_per_second);
  CHECK(*parse_duration("P2W") == 14 * us_per_day);
  CHECK(*parse_duration("PT0S") == 0);
  CHECK(*parse_duration("PT1.5H") == 90 * us_per_minute);
  CHECK(*parse_duration("PT0.000001S") == 1);
  CHECK(*parse_duration("P1W2DT3H4M5.25S") ==
        9 * us_per_day + 3 * us_per_hour + 4 * us_per_minute + 5'250'000);
}

TEST_CASE("parse_duration refuses months, years and malformed text", "[time]") {
  for (const char* bad :
       {"P1Y",          "P2M",  "P1Y2M3D", "",        "P",      "PT",     "2H",
        "PT2",          "PT2X", "P1H",     "PT1D",    "PT1M2H", "PT1H1H", "PT1.5H30M",
        "PT0.1234567S", "P-1D", "-PT1H",   "PT1HT2M", "P1DT",   "pt1h",   "PT99999999999999999H"}) {
    INFO(bad);
    auto r = parse_duration(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == errc::validation);
  }
  CHECK_THAT(parse_duration("P1M").err().what, Catch::Contains("months"));
}

TEST_CASE("format_duration is the display inverse of parse_duration", "[time]") {
  CHECK(format_duration(0) == "PT0S");
  CHECK(format_duration(us_per_day + 2 * us_per_hour) == "P1DT2H");
  CHECK(format_duration(30 * us_per_minute) == "PT30M");
  CHECK(format_duration(3 * us_per_day) == "P3D");
  CHECK(format_duration(90 * us_per_second) == "PT1M30S");
  CHECK(format_duration(500'000) == "PT0.5S");
  CHECK(format_duration(1) == "PT0.000001S");
  CHECK(format_duration(-us_per_hour) == "-PT1H");
  for (duration_us d : {duration_us{0}, duration_us{1}, 15 * us_per_minute, 14 * us_per_day,
                        us_per_day + 12 * us_per_hour + 30 * us_per_minute + 1'250'000}) {
    INFO(d);
    CHECK(*parse_duration(format_duration(d)) == d);
  }
}
