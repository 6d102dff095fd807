// Waves: how a channel activity splits its recipients over time. plan_waves turns the `waves`
// option the validator accepts (docs/campaigns.md, email) into counts and start offsets; the
// counts always add up to the total, and waves start `interval` (>= 30 min) apart.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/result.hpp"
#include "model/time.hpp"

namespace baton::channels {

struct wave {
  int index = 0;            // 0-based
  std::int64_t offset = 0;  // first recipient of the wave (in send order)
  std::int64_t count = 0;   // recipients in the wave (may be 0 when there are few)
  duration_us start = 0;    // from the start of the send: index * interval
  bool operator==(const wave&) const = default;
};

// `spec` is the activity's `waves` member (null or absent = one wave with everything):
// - N: N equal waves, 30 minutes apart;
// - {"count": N, "mode": "equal", "interval": D}: sizes differ by at most one, the larger first;
// - {"mode": "percent", "sizes": [P...], ...}: wave i ends at floor(total * (P1+..+Pi) / 100),
//   the last at total;
// - {"mode": "absolute", "sizes": [N...], ...}: each wave takes its size from what is left, the
//   rows left over go with the last wave.
// `interval` defaults to PT30M. A spec the validator would refuse is errc::validation.
result<std::vector<wave>> plan_waves(std::int64_t total, const nlohmann::json& spec);

}  // namespace baton::channels
