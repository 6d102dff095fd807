// Quiet hours of a channel activity (`quietHours`, INTERFACES.md §9): a recipient is sent to only
// inside a daily window of their own time zone (a column of the row). Pure functions: whether
// an instant is inside the window for a zone, and how long until the window opens.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "model/time.hpp"

namespace baton::channels {

struct quiet_hours {
  int from = 0, to = 0;        // minutes since midnight; from > to: the window spans midnight
  std::string timezone_field;  // the row's column holding an IANA zone name
};

// The `quietHours` option (nullopt when absent or malformed: validation reports that).
std::optional<quiet_hours> parse_quiet_hours(const nlohmann::json& options);

// nullopt when `now` is inside the window on the wall clock of `zone`, else how long until it
// opens (at least one second). A blank or unknown zone is UTC (the documented default).
std::optional<duration_us> quiet_wait(const quiet_hours& q, const std::string& zone, time_us now);

}  // namespace baton::channels
