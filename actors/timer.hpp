// The timer actor: one pending deadline per key (a campaign id), driven by an injected clock.
// With a real clock it wakes itself with delayed messages; with a manual clock the owner sends
// (tick_atom) after moving the clock, so tests never sleep. Due keys are sent to `target` as
// (fired_atom, key).
#pragma once

#include <caf/all.hpp>

#include "events/clock.hpp"

namespace baton {

// Handles (timer_set_atom, key, at) — at = 0 cancels — and (tick_atom).
caf::actor spawn_timer(caf::actor_system& sys, const clock* clk, caf::actor target, bool real_time);

}  // namespace baton
