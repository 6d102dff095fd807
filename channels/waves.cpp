#include "channels/waves.hpp"

#include <cmath>

namespace baton::channels {

namespace {

constexpr int k_min_waves = 2, k_max_waves = 10;
constexpr duration_us k_min_interval = 30 * us_per_minute;

error bad(std::string where, std::string what) {
  return make_error(errc::validation, "/waves" + where, std::move(what));
}

std::vector<wave> with_sizes(const std::vector<std::int64_t>& counts, duration_us interval) {
  std::vector<wave> out;
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    out.push_back({static_cast<int>(i), offset, counts[i], static_cast<duration_us>(i) * interval});
    offset += counts[i];
  }
  return out;
}

std::vector<std::int64_t> equal_sizes(std::int64_t total, int n) {
  std::vector<std::int64_t> out(n, total / n);
  for (std::int64_t i = 0; i < total % n; ++i) out[i]++;
  return out;
}

result<std::vector<std::int64_t>> percent_sizes(std::int64_t total, const nlohmann::json& sizes) {
  double sum = 0;
  for (const auto& s : sizes) {
    if (!s.is_number() || s.get<double>() <= 0) return bad("/sizes", "expected percentages > 0");
    sum += s.get<double>();
  }
  if (std::abs(sum - 100.0) > 1e-6) return bad("/sizes", "the percentages must add up to 100");
  std::vector<std::int64_t> out;
  double cumulative = 0;
  std::int64_t taken = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    cumulative += sizes[i].get<double>();
    std::int64_t end =
        i + 1 == sizes.size()
            ? total
            : std::min<std::int64_t>(
                  total, static_cast<std::int64_t>(std::floor(total * cumulative / 100.0 + 1e-9)));
    out.push_back(std::max<std::int64_t>(0, end - taken));
    taken += out.back();
  }
  return out;
}

result<std::vector<std::int64_t>> absolute_sizes(std::int64_t total, const nlohmann::json& sizes) {
  std::vector<std::int64_t> out;
  std::int64_t left = total;
  for (const auto& s : sizes) {
    if (!s.is_number_integer() || s.get<std::int64_t>() < 1)
      return bad("/sizes", "expected integers >= 1");
    out.push_back(std::min(left, s.get<std::int64_t>()));
    left -= out.back();
  }
  out.back() += left;
  return out;
}

}  // namespace

result<std::vector<wave>> plan_waves(std::int64_t total, const nlohmann::json& spec) {
  if (total < 0) return bad("", "a negative number of recipients");
  if (spec.is_null()) return with_sizes({total}, 0);
  if (spec.is_number_integer()) {
    auto n = spec.get<std::int64_t>();
    if (n < k_min_waves || n > k_max_waves) return bad("", "between 2 and 10 waves");
    return with_sizes(equal_sizes(total, static_cast<int>(n)), k_min_interval);
  }
  if (!spec.is_object()) return bad("", "expected a number of waves or an object");
  duration_us interval = k_min_interval;
  if (auto it = spec.find("interval"); it != spec.end()) {
    auto d = it->is_string() ? parse_duration(it->get<std::string>())
                             : result<duration_us>(bad("/interval", "expected a duration"));
    if (!d) return bad("/interval", d.err().what);
    if (*d < k_min_interval) return bad("/interval", "at least PT30M");
    interval = *d;
  }
  std::string mode = spec.value("mode", std::string("equal"));
  const auto* sizes = spec.contains("sizes") ? &spec["sizes"] : nullptr;
  if (mode == "equal") {
    auto count = spec.find("count");
    if (count == spec.end() || !count->is_number_integer() ||
        count->get<std::int64_t>() < k_min_waves || count->get<std::int64_t>() > k_max_waves)
      return bad("/count", "between 2 and 10 waves");
    return with_sizes(equal_sizes(total, count->get<int>()), interval);
  }
  if (mode != "percent" && mode != "absolute")
    return bad("/mode", "expected equal, percent or absolute");
  if (!sizes || !sizes->is_array() || sizes->size() < k_min_waves || sizes->size() > k_max_waves)
    return bad("/sizes", "between 2 and 10 sizes");
  if (auto c = spec.find("count"); c != spec.end() && *c != sizes->size())
    return bad("/count", "`count` differs from the number of `sizes`");
  auto counts = mode == "percent" ? percent_sizes(total, *sizes) : absolute_sizes(total, *sizes);
  if (!counts) return counts.err();
  return with_sizes(*counts, interval);
}

}  // namespace baton::channels
