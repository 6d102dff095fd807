#include "model/number.hpp"

#include <charconv>
#include <cmath>

namespace baton {

namespace {

std::string shown(std::string_view text) {
  return text.size() > 40 ? std::string(text.substr(0, 40)) + "..." : std::string(text);
}

}  // namespace

result<std::uint64_t> parse_whole_number(std::string_view text, const std::string& where,
                                         std::uint64_t min, std::uint64_t max) {
  auto bad = [&] {
    return make_error(errc::validation, where,
                      "expected a whole number from " + std::to_string(min) + " to " +
                          std::to_string(max) + ", got '" + shown(text) + "'");
  };
  if (text.empty() || text.front() < '0' || text.front() > '9') return bad();
  std::uint64_t v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || v < min || v > max) return bad();
  return v;
}

result<double> parse_decimal(std::string_view text, const std::string& where, double min,
                             double max) {
  auto bad = [&] {
    return make_error(errc::validation, where,
                      "expected a number from " + format_number(min) + " to " + format_number(max) +
                          ", got '" + shown(text) + "'");
  };
  if (text.empty() || text.front() == '+') return bad();
  double v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || !std::isfinite(v) || v < min ||
      v > max)
    return bad();
  return v;
}

std::string format_number(double v) {
  if (!std::isfinite(v)) return "";
  if (v == 0) return "0";  // also -0
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 15);
  return std::string(buf, r.ptr);
}

}  // namespace baton
