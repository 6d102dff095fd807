#include "actors/timer.hpp"

#include <map>
#include <set>

#include "actors/messages.hpp"

namespace baton {

namespace {

struct timer_state {
  std::map<std::string, time_us> by_key;
  std::set<std::pair<time_us, std::string>> by_time;
  std::uint64_t wake_gen = 0;  // only the newest self-wake is acted on
  static inline const char* name = "timer";
};

void wake_later(caf::stateful_actor<timer_state>* self, const clock* clk, bool real_time) {
  if (!real_time) return;
  time_us delay = 1'000'000;  // re-check at least every second (the clock may jump)
  if (!self->state.by_time.empty())
    delay = std::clamp<time_us>(self->state.by_time.begin()->first - clk->now(), 0, delay);
  self->delayed_send(self, std::chrono::microseconds(delay), tick_atom::value,
                     ++self->state.wake_gen);
}

void fire_due(caf::stateful_actor<timer_state>* self, const clock* clk, const caf::actor& target) {
  auto& st = self->state;
  auto now = clk->now();
  while (!st.by_time.empty() && st.by_time.begin()->first <= now) {
    auto key = st.by_time.begin()->second;
    st.by_time.erase(st.by_time.begin());
    st.by_key.erase(key);
    self->send(target, fired_atom::value, key);
  }
}

}  // namespace

caf::actor spawn_timer(caf::actor_system& sys, const clock* clk, caf::actor target,
                       bool real_time) {
  return sys.spawn(
      [clk, target, real_time](caf::stateful_actor<timer_state>* self) -> caf::behavior {
        wake_later(self, clk, real_time);
        return {
            [=](timer_set_atom, const std::string& key, time_us at) {
              auto& st = self->state;
              if (auto it = st.by_key.find(key); it != st.by_key.end()) {
                st.by_time.erase({it->second, key});
                st.by_key.erase(it);
              }
              if (at == 0) return;
              st.by_key[key] = at;
              st.by_time.insert({at, key});
              if (st.by_time.begin()->second == key) wake_later(self, clk, real_time);
            },
            [=](tick_atom) {  // from the owner, after moving a manual clock
              fire_due(self, clk, target);
              wake_later(self, clk, real_time);
            },
            [=](tick_atom, std::uint64_t gen) {  // a self-wake
              if (gen != self->state.wake_gen) return;
              fire_due(self, clk, target);
              wake_later(self, clk, real_time);
            },
        };
      });
}

}  // namespace baton
