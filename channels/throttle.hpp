// Pacing: a token bucket that tells a sender when it may send the next message(s), on an
// injected clock (tests use manual_clock, nothing sleeps here); and the 12-hour send window —
// which recipients of which wave can still be sent in time at a given rate.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "channels/waves.hpp"
#include "events/clock.hpp"
#include "model/time.hpp"

namespace baton::channels {

constexpr duration_us k_send_window = 12 * us_per_hour;

// At most `per_second` messages per second on average, with bursts of at most `burst` messages
// (default 1: evenly spaced). Exact integer arithmetic: N messages booked back to back from an
// idle bucket take exactly (N - burst) / per_second seconds. Not thread-safe (one per sender).
class throttle {
 public:
  throttle(std::int64_t per_second, const baton::clock& clock, std::int64_t burst = 1);

  // Books `n` messages and returns the instant at which they may be sent (>= now): send then,
  // or sleep until then. Booking ahead is allowed: the next call returns a later instant. A
  // batch larger than the burst goes at once and the next booking waits for it to be paid off.
  time_us reserve(std::int64_t n = 1);
  // When `n` messages could be sent if booked now (books nothing).
  time_us next_at(std::int64_t n = 1) const;
  std::int64_t per_second() const { return rate_; }

 private:
  // Times are kept in units of 1/rate microseconds so that 1/rate seconds is a whole number.
  __int128 scaled_now() const;
  std::int64_t rate_, burst_;
  const baton::clock& clock_;
  __int128 tat_ = 0;  // "theoretical arrival time" of GCRA, scaled
};

// How many messages fit in `window` at `per_second` starting at once: floor(window * rate).
std::int64_t window_capacity(std::int64_t per_second, duration_us window = k_send_window);

// The part of each wave that can be sent inside the window when waves are sent in order at
// `per_second` (nullopt = no throttle: everything fits), each starting at its `start` or when
// the previous wave has finished, whichever is later. The rest of each wave (its last recipients
// in send order) is excluded with "outside send window".
struct window_fit {
  std::vector<std::int64_t> sendable;  // per wave
  std::int64_t excluded = 0;           // sum of (count - sendable)
  time_us last_send_at = 0;            // offset of the last message from the start of the send
};
window_fit fit_send_window(const std::vector<wave>& waves, std::optional<std::int64_t> per_second,
                           duration_us window = k_send_window);

}  // namespace baton::channels
