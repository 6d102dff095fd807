// Instants and durations as text: parses ISO-8601 instants (with a mandatory offset) and
// day/time durations exactly in integer microseconds, and prints them back. Pure calendar
// arithmetic (proleptic Gregorian), no time zone database, no global state.
#include "model/time.hpp"

#include <cstdio>
#include <limits>

namespace baton {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil_date {
  std::int64_t year;
  unsigned month, day;
};

// The inverse of days_from_civil (H. Hinnant's civil_from_days).
constexpr civil_date civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);
static_assert(civil_from_days(11017).month == 3);

constexpr unsigned days_in_month(std::int64_t y, unsigned m) {
  constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

// A left-to-right reader over the text being parsed.
class scanner {
 public:
  explicit scanner(std::string_view s) : s_(s) {}
  bool done() const { return i_ == s_.size(); }
  bool peek_digit() const { return i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9'; }
  bool eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) return ++i_, true;
    return false;
  }
  char next() { return i_ < s_.size() ? s_[i_++] : '\0'; }
  // Reads exactly n digits into out.
  bool digits(int n, int& out) {
    out = 0;
    for (int k = 0; k < n; ++k) {
      if (!peek_digit()) return false;
      out = out * 10 + (s_[i_++] - '0');
    }
    return true;
  }
  // Reads 1..max_digits digits into out; returns how many were read (0: none).
  int number(int max_digits, std::int64_t& out) {
    out = 0;
    int n = 0;
    while (peek_digit() && n <= max_digits) out = out * 10 + (s_[i_++] - '0'), ++n;
    return n;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

constexpr const char* time_form =
    " (expected YYYY-MM-DDTHH:MM:SS[.ffffff] followed by Z or ±HH:MM, or YYYY-MM-DD)";

error bad_time(std::string_view text, const std::string& why) {
  return make_error(errc::validation, "", "invalid time \"" + std::string(text) + "\": " + why);
}

// Reads "[.ffffff]" (1 to 6 digits) as microseconds; -1 when there are more than 6 digits.
std::int64_t read_fraction(scanner& sc) {
  if (!sc.eat('.')) return 0;
  std::int64_t f = 0;
  const int n = sc.number(6, f);
  if (n == 0 || n > 6) return -1;
  for (int k = n; k < 6; ++k) f *= 10;
  return f;
}

// Reads "Z" or "±HH:MM" into an offset east of UTC in microseconds.
result<std::int64_t> read_offset(scanner& sc, std::string_view text) {
  if (sc.eat('Z')) return std::int64_t{0};
  const int sign = sc.eat('+') ? 1 : sc.eat('-') ? -1 : 0;
  if (sign == 0) {
    if (sc.done()) return bad_time(text, "no UTC offset: add Z or ±HH:MM");
    return bad_time(text, "unexpected characters" + std::string(time_form));
  }
  int oh = 0, om = 0;
  if (!sc.digits(2, oh) || !sc.eat(':') || !sc.digits(2, om))
    return bad_time(text, "the UTC offset must be ±HH:MM");
  if (oh > 23 || om > 59) return bad_time(text, "no such UTC offset");
  return sign * (oh * us_per_hour + om * us_per_minute);
}

// Reads "HH:MM:SS[.ffffff]" and the offset after the 'T'; returns the UTC time of day (which
// may fall outside [0, 1 day) once the offset is applied).
result<std::int64_t> read_clock(scanner& sc, std::string_view text) {
  int h = 0, mi = 0, s = 0;
  if (!sc.digits(2, h) || !sc.eat(':') || !sc.digits(2, mi) || !sc.eat(':') || !sc.digits(2, s))
    return bad_time(text, "the time of day must be HH:MM:SS" + std::string(time_form));
  if (h > 23 || mi > 59 || s > 59) return bad_time(text, "no such time of day");
  const std::int64_t frac = read_fraction(sc);
  if (frac < 0) return bad_time(text, "seconds take 1 to 6 fractional digits (microseconds)");
  auto offset = read_offset(sc, text);
  if (!offset) return offset.err();
  if (!sc.done()) return bad_time(text, "unexpected characters after the UTC offset");
  return h * us_per_hour + mi * us_per_minute + s * us_per_second + frac - *offset;
}

bool checked_add(std::int64_t& acc, std::int64_t v) {
  return !__builtin_add_overflow(acc, v, &acc);
}

}  // namespace

result<time_us> parse_time(std::string_view text) {
  scanner sc(text);
  int y = 0, mo = 0, d = 0;
  if (!sc.digits(4, y) || !sc.eat('-') || !sc.digits(2, mo) || !sc.eat('-') || !sc.digits(2, d))
    return bad_time(text, "the date must be YYYY-MM-DD" + std::string(time_form));
  if (mo < 1 || mo > 12 || d < 1 || d > static_cast<int>(days_in_month(y, mo)))
    return bad_time(text, "no such date");
  const time_us midnight = days_from_civil(y, mo, d) * us_per_day;
  if (sc.done()) return midnight;
  if (!sc.eat('T')) return bad_time(text, "expected 'T' after the date" + std::string(time_form));
  auto clock = read_clock(sc, text);
  if (!clock) return clock.err();
  return midnight + *clock;
}

std::string format_time(time_us t) {
  std::int64_t days = t / us_per_day, rem = t % us_per_day;
  if (rem < 0) rem += us_per_day, --days;
  const civil_date c = civil_from_days(days);
  const std::int64_t secs = rem / us_per_second, micros = rem % us_per_second;
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                        static_cast<long long>(c.year), c.month, c.day,
                        static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                        static_cast<long long>(secs % 60));
  if (micros != 0)
    n += std::snprintf(buf + n, sizeof buf - n, ".%06lld", static_cast<long long>(micros));
  return std::string(buf, n) + "Z";
}

namespace {

error bad_duration(std::string_view text, const std::string& why) {
  return make_error(errc::validation, "",
                    "invalid duration \"" + std::string(text) + "\": " + why +
                        " (ISO-8601 with weeks, days and time parts, e.g. PT2H, P3D, P1DT12H30M)");
}

// The rank of a unit in the order it must appear (W D T H M S), and its length.
struct unit_info {
  int rank;
  duration_us length;
};

result<unit_info> duration_unit(char u, bool in_time, std::string_view text) {
  if (!in_time && u == 'W') return unit_info{0, 7 * us_per_day};
  if (!in_time && u == 'D') return unit_info{1, us_per_day};
  if (in_time && u == 'H') return unit_info{2, us_per_hour};
  if (in_time && u == 'M') return unit_info{3, us_per_minute};
  if (in_time && u == 'S') return unit_info{4, us_per_second};
  if (u == 'Y' || (!in_time && u == 'M'))
    return bad_duration(text, "years and months are refused (their length is not fixed)");
  if (u == '\0') return bad_duration(text, "a number needs a unit");
  return bad_duration(text, std::string("unexpected unit '") + u + "'");
}

// Reads one "<number>[.fraction]<unit>" component and adds it to total.
status add_component(scanner& sc, bool in_time, int& last_rank, bool& fraction_seen,
                     duration_us& total, std::string_view text) {
  if (fraction_seen) return bad_duration(text, "only the last component may have a fraction");
  std::int64_t whole = 0, frac = 0;
  const int n = sc.number(15, whole);
  if (n == 0) return bad_duration(text, "expected a number");
  if (n > 15) return bad_duration(text, "a number is too large");
  int frac_digits = 0;
  if (sc.eat('.')) {
    frac_digits = sc.number(6, frac);
    if (frac_digits == 0 || frac_digits > 6) return bad_duration(text, "1 to 6 fractional digits");
    fraction_seen = true;
  }
  auto unit = duration_unit(sc.next(), in_time, text);
  if (!unit) return unit.err();
  if (unit->rank <= last_rank) return bad_duration(text, "units out of order or repeated");
  last_rank = unit->rank;
  std::int64_t scale = 1;
  for (int k = 0; k < frac_digits; ++k) scale *= 10;
  std::int64_t part = 0;
  if (__builtin_mul_overflow(whole, unit->length, &part) ||
      !checked_add(part, frac * (unit->length / scale)) || !checked_add(total, part))
    return bad_duration(text, "too large");
  return ok_status();
}

}  // namespace

result<duration_us> parse_duration(std::string_view text) {
  scanner sc(text);
  if (!sc.eat('P')) return bad_duration(text, "must start with 'P'");
  duration_us total = 0;
  int last_rank = -1, components = 0, time_components = 0;
  bool in_time = false, fraction_seen = false;
  while (!sc.done()) {
    if (sc.eat('T')) {
      if (in_time) return bad_duration(text, "'T' appears twice");
      in_time = true;
      continue;
    }
    auto st = add_component(sc, in_time, last_rank, fraction_seen, total, text);
    if (!st) return st.err();
    ++components;
    if (in_time) ++time_components;
  }
  if (components == 0) return bad_duration(text, "no component");
  if (in_time && time_components == 0) return bad_duration(text, "'T' without a time component");
  return total;
}

std::string format_duration(duration_us d) {
  std::string out = d < 0 ? "-P" : "P";
  // Negate in unsigned arithmetic so the most negative value does not overflow.
  const std::uint64_t u = d < 0 ? 0 - static_cast<std::uint64_t>(d) : static_cast<std::uint64_t>(d);
  const std::uint64_t days = u / us_per_day, rem = u % us_per_day;
  const std::uint64_t h = rem / us_per_hour, m = rem / us_per_minute % 60;
  const std::uint64_t s = rem / us_per_second % 60, micros = rem % us_per_second;
  if (days != 0) out += std::to_string(days) + "D";
  if (rem == 0 && days != 0) return out;
  out += 'T';
  if (h != 0) out += std::to_string(h) + "H";
  if (m != 0) out += std::to_string(m) + "M";
  if (s != 0 || micros != 0 || (h == 0 && m == 0)) {
    out += std::to_string(s);
    if (micros != 0) {
      std::string f = std::to_string(micros + us_per_second).substr(1);  // 6 digits
      while (f.back() == '0') f.pop_back();
      out += "." + f;
    }
    out += 'S';
  }
  return out;
}

int parse_hh_mm(std::string_view t) {
  auto digit = [&](std::size_t i) { return t[i] >= '0' && t[i] <= '9' ? t[i] - '0' : -100; };
  if (t.size() != 5 || t[2] != ':') return -1;
  int h = digit(0) * 10 + digit(1), m = digit(3) * 10 + digit(4);
  if (h < 0 || h > 23 || m < 0 || m > 59) return -1;
  return h * 60 + m;
}

}  // namespace baton
