// Time values of the domain: instants are int64 microseconds since the Unix epoch (UTC), the
// same unit as event timestamps. Parses and prints ISO-8601 instants and durations.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "events/result.hpp"

namespace baton {

using time_us = std::int64_t;      // an instant: microseconds since 1970-01-01T00:00:00Z
using duration_us = std::int64_t;  // a length of time in microseconds

constexpr duration_us us_per_second = 1'000'000;
constexpr duration_us us_per_minute = 60 * us_per_second;
constexpr duration_us us_per_hour = 60 * us_per_minute;
constexpr duration_us us_per_day = 24 * us_per_hour;

// "2026-12-01T09:00:00Z", "2026-12-01T09:00:00.250+01:00", "2026-12-01" (midnight UTC).
// An instant without an offset is refused (ambiguous). Errors are errc::validation.
result<time_us> parse_time(std::string_view text);

// "2026-12-01T09:00:00Z" (microseconds shown only when non-zero: "...:00.000250Z").
std::string format_time(time_us t);

// ISO-8601 durations with days and time parts: "PT2H", "P3D", "P1DT12H30M", "PT0.5S", "PT90S".
// Weeks ("P2W") are accepted; years and months are refused (their length is not fixed).
result<duration_us> parse_duration(std::string_view text);

// The inverse of parse_duration for display: "P1DT2H", "PT30M", "PT0S".
std::string format_duration(duration_us d);

// A time of day "HH:MM" (00:00 to 23:59, two digits each) as minutes since midnight; -1 when
// `text` is anything else.
int parse_hh_mm(std::string_view text);

}  // namespace baton
