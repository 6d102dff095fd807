// Retention (config `retention.logsDays`): which ended runs are past it at a given time, and when
// the next one will be. Runs end in order, so "runs 1..N" says which; the events always stay.
#pragma once

#include <cstdint>

#include "model/campaign_state.hpp"

namespace baton {

struct retention_due {
  std::uint32_t last_run = 0;  // runs up to this one ended at least `days` ago (0: none new)
  time_us next_at = 0;         // when the next ended run passes its retention (0: none ended)
};

retention_due retention_at(const campaign_state& s, time_us now, int days);

}  // namespace baton
