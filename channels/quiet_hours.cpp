#include "channels/quiet_hours.hpp"

#include <algorithm>

#include "model/schedule.hpp"

namespace baton::channels {

std::optional<quiet_hours> parse_quiet_hours(const nlohmann::json& o) {
  auto it = o.find("quietHours");
  if (it == o.end() || !it->is_object()) return std::nullopt;
  quiet_hours q;
  auto text = [&](const char* k) {
    auto m = it->find(k);
    return m != it->end() && m->is_string() ? m->get<std::string>() : std::string();
  };
  q.from = parse_hh_mm(text("from"));
  q.to = parse_hh_mm(text("to"));
  q.timezone_field = text("timezoneField");
  if (q.from < 0 || q.to < 0) return std::nullopt;
  return q;
}

std::optional<duration_us> quiet_wait(const quiet_hours& q, const std::string& zone, time_us now) {
  if (q.from == q.to) return std::nullopt;  // an empty quiet period: always open
  // "YYYY-MM-DDTHH:MM:SS+hh:mm": the wall clock of the zone.
  auto local = zone.empty() ? std::string() : format_local_time(now, zone);
  if (local.size() < 19) local = format_local_time(now, "UTC");
  if (local.size() < 19) return std::nullopt;
  auto num = [&](std::size_t at) { return (local[at] - '0') * 10 + (local[at + 1] - '0'); };
  int secs = num(11) * 3600 + num(14) * 60 + num(17);
  int minute = secs / 60;
  bool open =
      q.from < q.to ? (minute >= q.from && minute < q.to) : (minute >= q.from || minute < q.to);
  if (open) return std::nullopt;
  int wait = (q.from * 60 - secs + 86400) % 86400;
  return static_cast<duration_us>(std::max(wait, 1)) * us_per_second;
}

}  // namespace baton::channels
