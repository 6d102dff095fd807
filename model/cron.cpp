// Cron expressions: parses the five Vixie-cron fields into bit sets and finds the instants at
// which they fire on the wall clock of an IANA time zone (a wall time skipped by DST fires at
// the end of the gap, a repeated one fires once, at its first occurrence).
#include <algorithm>
#include <bit>
#include <cctype>
#include <limits>

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

#include "model/schedule.hpp"

namespace baton {
namespace detail {

// Loads an IANA zone ("Europe/Paris", "UTC"). Names that are not plain zone names ("",
// "localtime", paths, "..") are refused, so a schedule never depends on the host's settings.
bool load_zone(const std::string& name, cctz::time_zone& tz) {
  if (name.empty() || name.front() == '/' || name == "localtime") return false;
  if (name.find("..") != std::string::npos) return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '_' || c == '-' || c == '+';
    if (!ok) return false;
  }
  return cctz::load_time_zone(name, &tz);
}

}  // namespace detail

namespace {

constexpr const char* month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* day_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

// One of the five fields: its name, its value range and its three-letter names (if any), the
// first of which stands for the value `lo`.
struct field_spec {
  const char* name;
  int lo, hi;
  const char* const* names;
  int name_count;
};

constexpr field_spec field_specs[5] = {
    {"minute", 0, 59, nullptr, 0},       {"hour", 0, 23, nullptr, 0},
    {"day-of-month", 1, 31, nullptr, 0}, {"month", 1, 12, month_names, 12},
    {"day-of-week", 0, 7, day_names, 7},
};

error bad_field(const field_spec& f, std::string_view item, const std::string& why) {
  return make_error(errc::validation, "",
                    std::string(f.name) + " \"" + std::string(item) + "\": " + why);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A number or, in the month and day-of-week fields, a three-letter name (any case).
result<int> parse_value(std::string_view tok, const field_spec& f, std::string_view item) {
  if (all_digits(tok)) {
    const int v = tok.size() > 4 ? std::numeric_limits<int>::max() : std::stoi(std::string(tok));
    if (v < f.lo || v > f.hi)
      return bad_field(f, item,
                       std::to_string(v) + " is out of range " + std::to_string(f.lo) + "-" +
                           std::to_string(f.hi));
    return v;
  }
  for (int i = 0; i < f.name_count && tok.size() == 3; ++i) {
    const std::string_view name = f.names[i];
    bool same = true;
    for (std::size_t k = 0; k < 3; ++k) same = same && std::toupper(tok[k]) == name[k];
    if (same) return f.lo + i;
  }
  if (tok.empty()) return bad_field(f, item, "a value is missing");
  if (f.names) return bad_field(f, item, "\"" + std::string(tok) + "\" is not a number or a name");
  return bad_field(f, item, "\"" + std::string(tok) + "\" is not a number");
}

// "*", "a", "a-b", "*/s" or "a-b/s" as a bit set. A step after a single value ("5/15") is refused:
// cron implementations disagree on what it means.
result<std::uint64_t> parse_item(std::string_view item, const field_spec& f) {
  const auto slash = item.find('/');
  const std::string_view range = item.substr(0, slash);
  int lo = f.lo, hi = f.hi, step = 1;
  if (range != "*") {
    const auto dash = range.find('-');
    auto a = parse_value(range.substr(0, dash), f, item);
    if (!a) return a.err();
    lo = hi = *a;
    if (dash != std::string_view::npos) {
      auto b = parse_value(range.substr(dash + 1), f, item);
      if (!b) return b.err();
      hi = *b;
      if (f.names == day_names && hi == 0 && lo > 0) hi = 7;  // "FRI-SUN"
    } else if (slash != std::string_view::npos) {
      return bad_field(f, item,
                       "a step needs a range or '*' (e.g. " + std::to_string(lo) + "-" +
                           std::to_string(f.hi) + "/...)");
    }
  }
  if (lo > hi) return bad_field(f, item, "the range runs backwards");
  if (slash != std::string_view::npos) {
    const std::string_view s = item.substr(slash + 1);
    if (!all_digits(s) || s.size() > 2 || std::stoi(std::string(s)) < 1 ||
        std::stoi(std::string(s)) > f.hi)
      return bad_field(f, item, "the step must be a number from 1 to " + std::to_string(f.hi));
    step = std::stoi(std::string(s));
  }
  std::uint64_t bits = 0;
  for (int v = lo; v <= hi; v += step) bits |= std::uint64_t{1} << v;
  return bits;
}

// A comma-separated list of items.
result<std::uint64_t> parse_field(std::string_view text, const field_spec& f) {
  std::uint64_t bits = 0;
  while (true) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    if (item.empty()) return bad_field(f, text, "empty list item");
    auto b = parse_item(item, f);
    if (!b) return b.err();
    bits |= *b;
    if (comma == std::string_view::npos) return bits;
    text.remove_prefix(comma + 1);
  }
}

std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

// True when some selected month has one of the selected days of the month (February: 29).
bool some_day_exists(std::uint32_t days, std::uint16_t months) {
  constexpr int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int m = 1; m <= 12; ++m)
    if ((months >> m & 1) && (days & ((std::uint32_t{2} << month_days[m - 1]) - 2)) != 0)
      return true;
  return false;
}

// The bit sets of an expression, detached from the class so the search helpers can use them.
struct cron_bits {
  std::uint64_t minutes;
  std::uint32_t hours, days;
  std::uint16_t months;
  std::uint8_t weekdays;
  bool dom_star, dow_star;
};

int cron_weekday(const cctz::civil_day& d) {  // Sunday = 0
  return (static_cast<int>(cctz::get_weekday(d)) + 1) % 7;
}

// Vixie cron: when either day field starts with '*', a day must match both; otherwise either.
bool day_matches(const cron_bits& b, const cctz::civil_day& d) {
  const bool dom = b.days >> d.day() & 1;
  const bool dow = b.weekdays >> cron_weekday(d) & 1;
  return (b.dom_star || b.dow_star) ? (dom && dow) : (dom || dow);
}

// The first matching civil minute of a matching day at or after h0:m0.
std::optional<cctz::civil_minute> first_in_day(const cron_bits& b, const cctz::civil_day& d, int h0,
                                               int m0) {
  for (int h = h0; h < 24; ++h) {
    if (!(b.hours >> h & 1)) continue;
    const std::uint64_t mask = b.minutes & (~std::uint64_t{0} << (h == h0 ? m0 : 0));
    if (mask != 0)
      return cctz::civil_minute(d.year(), d.month(), d.day(), h, std::countr_zero(mask));
  }
  return std::nullopt;
}

// The first civil minute at or after `start` that the expression selects, looking no further
// than `last`. Skips whole months and days before looking at hours and minutes.
std::optional<cctz::civil_minute> next_match(const cron_bits& b, const cctz::civil_minute& start,
                                             const cctz::civil_day& last) {
  cctz::civil_day day(start);
  int h0 = start.hour(), m0 = start.minute();
  while (day <= last) {
    if (!(b.months >> day.month() & 1)) {
      day = cctz::civil_day(cctz::civil_month(day) + 1);
    } else {
      if (day_matches(b, day))
        if (auto m = first_in_day(b, day, h0, m0)) return m;
      ++day;
    }
    h0 = m0 = 0;
  }
  return std::nullopt;
}

// The instant (seconds since the epoch) at which a civil minute of `tz` fires.
std::int64_t fire_seconds(const cctz::time_zone& tz, const cctz::civil_minute& m) {
  const auto cl = tz.lookup(cctz::civil_second(m));
  const auto tp = cl.kind == cctz::time_zone::civil_lookup::SKIPPED ? cl.trans : cl.pre;
  return tp.time_since_epoch().count();
}

constexpr int horizon_days = 5 * 366;  // next_after looks this far ahead (5 years)

}  // namespace

result<cron_expression> cron_expression::parse(std::string_view text) {
  const auto fail = [&](const std::string& why) {
    return make_error(errc::validation, "",
                      "invalid cron expression \"" + std::string(text) + "\": " + why);
  };
  const auto parts = split_fields(text);
  if (parts.size() != 5)
    return fail("expected 5 fields (minute hour day-of-month month day-of-week), got " +
                std::to_string(parts.size()));
  std::uint64_t bits[5];
  for (int i = 0; i < 5; ++i) {
    auto b = parse_field(parts[i], field_specs[i]);
    if (!b) return fail(b.err().what);
    bits[i] = *b;
  }
  cron_expression c;
  c.text_ = std::string(text);
  c.minutes_ = bits[0];
  c.hours_ = static_cast<std::uint32_t>(bits[1]);
  c.days_ = static_cast<std::uint32_t>(bits[2]);
  c.months_ = static_cast<std::uint16_t>(bits[3]);
  c.weekdays_ = static_cast<std::uint8_t>((bits[4] | bits[4] >> 7) & 0x7f);  // 7 is Sunday too
  c.dom_star_ = parts[2].front() == '*';
  c.dow_star_ = parts[4].front() == '*';
  if ((c.dom_star_ || c.dow_star_) && !some_day_exists(c.days_, c.months_))
    return fail("the day of the month never occurs in the selected months");
  return c;
}

std::optional<time_us> cron_expression::next_after(time_us after, const std::string& zone) const {
  cctz::time_zone tz;
  if (!detail::load_zone(zone, tz)) return std::nullopt;
  const cron_bits b{minutes_, hours_, days_, months_, weekdays_, dom_star_, dow_star_};
  std::int64_t secs = after / us_per_second;
  if (after % us_per_second < 0) --secs;
  const cctz::time_point<cctz::seconds> tp{cctz::seconds(secs)};
  cctz::civil_minute cursor(cctz::convert(tp, tz));
  const cctz::civil_day last = cctz::civil_day(cursor) + horizon_days;
  // Civil minutes map to non-decreasing instants, so the first one past `after` is the answer;
  // minutes of a repeated hour or of a gap may map at or before `after`, and are stepped over.
  while (auto m = next_match(b, cursor, last)) {
    const std::int64_t s = fire_seconds(tz, *m);
    if (s > std::numeric_limits<time_us>::max() / us_per_second) return std::nullopt;
    if (s * us_per_second > after) return s * us_per_second;
    cursor = *m + 1;
  }
  return std::nullopt;
}

// Walks the firings in [from, from + 366 days]. The result is the largest duration when fewer
// than two firings fall in that year. A gap of one minute is the least possible: stop there.
duration_us shortest_interval(const cron_expression& c, const std::string& zone, time_us from) {
  const time_us end = from > std::numeric_limits<time_us>::max() - 366 * us_per_day
                          ? std::numeric_limits<time_us>::max()
                          : from + 366 * us_per_day;
  duration_us best = std::numeric_limits<duration_us>::max();
  auto prev = c.next_after(from == std::numeric_limits<time_us>::min() ? from : from - 1, zone);
  while (prev && *prev <= end && best > us_per_minute) {
    const auto next = c.next_after(*prev, zone);
    if (!next || *next > end) break;
    best = std::min(best, *next - *prev);
    prev = next;
  }
  return best;
}

}  // namespace baton
