#include "audience/value.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>

namespace baton::audience {

namespace {

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool parse_ymd(std::string_view s, int& y, int& m, int& d) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (!digits(s, 0, 4, y) || !digits(s, 5, 2, m) || !digits(s, 8, 2, d)) return false;
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

// The time-of-day and offset part after "YYYY-MM-DD" at `p` (a 'T' or ' ' was consumed).
bool parse_clock(std::string_view s, std::size_t p, std::int64_t& us_of_day, std::int64_t& off) {
  int hh = 0, mi = 0, ss = 0;
  if (!digits(s, p, 2, hh) || p + 2 >= s.size() || s[p + 2] != ':' || !digits(s, p + 3, 2, mi))
    return false;
  p += 5;
  std::int64_t frac = 0;
  if (p < s.size() && s[p] == ':') {
    if (!digits(s, p + 1, 2, ss)) return false;
    p += 3;
    if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
      std::size_t n = 0;
      for (++p; p < s.size() && std::isdigit(static_cast<unsigned char>(s[p])); ++p, ++n)
        if (n < 6) frac = frac * 10 + (s[p] - '0');
      if (n == 0) return false;
      for (; n < 6; ++n) frac *= 10;
    }
  }
  if (hh > 23 || mi > 59 || ss > 60) return false;
  off = 0;
  if (p < s.size()) {
    if (s[p] == 'Z' || s[p] == 'z') {
      ++p;
    } else if (s[p] == '+' || s[p] == '-') {
      int oh = 0, om = 0;
      int sign = s[p] == '-' ? -1 : 1;
      if (!digits(s, p + 1, 2, oh)) return false;
      p += 3;
      if (p < s.size() && s[p] == ':') ++p;
      if (p < s.size() && !digits(s, p, 2, om)) return false;
      if (p < s.size()) p += 2;
      off = sign * (oh * 60 + om) * us_per_minute;
    }
    if (p != s.size()) return false;
  }
  us_of_day = ((hh * 60 + mi) * 60 + ss) * us_per_second + frac;
  return true;
}

}  // namespace

bool valid_date(std::string_view text) {
  int y, m, d;
  return text.size() == 10 && parse_ymd(text, y, m, d);
}

result<time_us> parse_datetime(std::string_view s) {
  auto bad = [&] {
    return make_error(
        errc::validation, "",
        "`" + std::string(s) + "` is not an ISO-8601 date-time (YYYY-MM-DDTHH:MM:SSZ)");
  };
  int y, m, d;
  if (!parse_ymd(s, y, m, d)) return bad();
  time_us day = days_from_civil(y, m, d) * us_per_day;
  if (s.size() == 10) return day;
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return bad();
  std::int64_t tod = 0, off = 0;
  if (!parse_clock(s, 11, tod, off)) return bad();
  return day + tod - off;
}

std::string canonical_datetime(time_us t) {
  std::int64_t days = t >= 0 ? t / us_per_day : -((-t + us_per_day - 1) / us_per_day);
  std::int64_t rest = t - days * us_per_day;
  int y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  if (y < 0 || y > 9999) return "0000-01-01T00:00:00.000000Z";
  char buf[28] = "0000-00-00T00:00:00.000000Z";
  auto put = [&](int pos, std::int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) buf[pos + i] = static_cast<char>('0' + v % 10);
  };
  put(0, y, 4);
  put(5, m, 2);
  put(8, d, 2);
  put(11, rest / us_per_hour, 2);
  put(14, rest / us_per_minute % 60, 2);
  put(17, rest / us_per_second % 60, 2);
  put(20, rest % us_per_second, 6);
  return std::string(buf, 27);
}

std::string canonical_date(time_us t) {
  return canonical_datetime(t).substr(0, 10);
}

std::string value::to_text() const {
  if (null) return "";
  switch (type) {
    case column_type::integer:
      return std::to_string(i);
    case column_type::boolean:
      return i ? "true" : "false";
    case column_type::floating: {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, f);
      return std::string(buf, r.ptr);
    }
    default:
      return s;
  }
}

result<value> parse_value(std::string_view text, column_type t) {
  auto bad = [&](const char* what) {
    return make_error(errc::validation, "", "`" + std::string(text) + "` is not " + what);
  };
  switch (t) {
    case column_type::string:
      return value::text(std::string(text));
    case column_type::integer: {
      std::int64_t v = 0;
      auto b = text.data(), e = text.data() + text.size();
      if (b != e && *b == '+') ++b;
      auto r = std::from_chars(b, e, v);
      if (r.ec != std::errc() || r.ptr != e || b == e) return bad("an integer");
      return value::integer(v);
    }
    case column_type::floating: {
      double v = 0;
      auto b = text.data(), e = text.data() + text.size();
      if (b != e && *b == '+') ++b;
      auto r = std::from_chars(b, e, v);
      if (r.ec != std::errc() || r.ptr != e || b == e) return bad("a number");
      return value::floating(v);
    }
    case column_type::boolean: {
      std::string l = lower(text);
      if (l == "true" || l == "1" || l == "yes" || l == "t" || l == "y")
        return value::boolean(true);
      if (l == "false" || l == "0" || l == "no" || l == "f" || l == "n")
        return value::boolean(false);
      return bad("a boolean (true/false, 1/0, yes/no)");
    }
    case column_type::date:
      if (!valid_date(text)) return bad("a date (YYYY-MM-DD)");
      return value::date(std::string(text));
    case column_type::datetime: {
      auto tm = parse_datetime(text);
      if (!tm) return bad("an ISO-8601 date-time (YYYY-MM-DDTHH:MM:SSZ)");
      return value::datetime(canonical_datetime(*tm));
    }
  }
  return bad("a value");
}

result<value> convert(const value& v, column_type t) {
  if (v.null) return value::null_of(t);
  if (v.type == t) return v;
  if (t == column_type::floating && v.type == column_type::integer)
    return value::floating(static_cast<double>(v.i));
  if (t == column_type::boolean && v.type == column_type::integer) return value::boolean(v.i != 0);
  if (t == column_type::integer && v.type == column_type::boolean) return value::integer(v.i);
  if (t == column_type::integer && v.type == column_type::floating) {
    auto i = static_cast<std::int64_t>(v.f);
    if (static_cast<double>(i) == v.f) return value::integer(i);
  }
  if (t == column_type::date && v.type == column_type::datetime && v.s.size() >= 10)
    return value::date(v.s.substr(0, 10));
  return parse_value(v.to_text(), t);
}

}  // namespace baton::audience
