// Time comes from an injected clock, never from the wall directly: the engine gets the system
// clock, tests a manual one they advance themselves. Instants are microseconds since the epoch.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace baton {

using time_us = std::int64_t;

class clock {
 public:
  virtual ~clock() = default;
  virtual time_us now() const = 0;
};

class system_clock final : public clock {
 public:
  time_us now() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to; thread-safe.
class manual_clock final : public clock {
 public:
  explicit manual_clock(time_us start = 1'767'225'600'000'000)  // 2026-01-01T00:00:00Z
      : now_(start) {}
  time_us now() const override { return now_.load(); }
  void set(time_us t) { now_.store(t); }
  void advance(std::int64_t us) { now_.fetch_add(us); }

 private:
  std::atomic<time_us> now_;
};

}  // namespace baton
