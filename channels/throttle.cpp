#include "channels/throttle.hpp"

#include <algorithm>

namespace baton::channels {

namespace {

constexpr __int128 k_interval = 1'000'000;  // one message, in scaled units (us * rate / rate)

time_us unscale(__int128 scaled, std::int64_t rate) {
  return static_cast<time_us>((scaled + rate - 1) / rate);  // ceil: never earlier than allowed
}

}  // namespace

throttle::throttle(std::int64_t per_second, const baton::clock& clock, std::int64_t burst)
    : rate_(std::max<std::int64_t>(1, per_second)),
      burst_(std::max<std::int64_t>(1, burst)),
      clock_(clock) {}

__int128 throttle::scaled_now() const {
  return static_cast<__int128>(clock_.now()) * rate_;
}

time_us throttle::next_at(std::int64_t n) const {
  n = std::max<std::int64_t>(1, n);
  __int128 now = scaled_now();
  __int128 allowed = std::max(now, tat_ - std::max<std::int64_t>(0, burst_ - n) * k_interval);
  return unscale(allowed, rate_);
}

time_us throttle::reserve(std::int64_t n) {
  n = std::max<std::int64_t>(1, n);
  __int128 now = scaled_now();
  __int128 allowed = std::max(now, tat_ - std::max<std::int64_t>(0, burst_ - n) * k_interval);
  tat_ = std::max(tat_, allowed) + n * k_interval;
  return unscale(allowed, rate_);
}

std::int64_t window_capacity(std::int64_t per_second, duration_us window) {
  if (per_second <= 0 || window <= 0) return 0;
  return static_cast<std::int64_t>(static_cast<__int128>(window) * per_second / k_interval);
}

window_fit fit_send_window(const std::vector<wave>& waves, std::optional<std::int64_t> per_second,
                           duration_us window) {
  window_fit out;
  if (!per_second || *per_second <= 0) {
    for (const auto& w : waves) {
      bool in = w.start < window;
      out.sendable.push_back(in ? w.count : 0);
      out.excluded += in ? 0 : w.count;
      if (in && w.count > 0) out.last_send_at = std::max(out.last_send_at, w.start);
    }
    return out;
  }
  const std::int64_t rate = *per_second;
  const __int128 end = static_cast<__int128>(window) * rate;
  __int128 cursor = 0;
  for (const auto& w : waves) {
    __int128 start = std::max<__int128>(static_cast<__int128>(w.start) * rate, cursor);
    __int128 room = start >= end ? 0 : (end - start + k_interval - 1) / k_interval;
    std::int64_t n = static_cast<std::int64_t>(std::min<__int128>(w.count, room));
    out.sendable.push_back(n);
    out.excluded += w.count - n;
    if (n > 0) {
      out.last_send_at = unscale(start + (n - 1) * k_interval, rate);
      cursor = start + n * k_interval;
    }
  }
  return out;
}

}  // namespace baton::channels
