#include "model/retention.hpp"

namespace baton {

retention_due retention_at(const campaign_state& s, time_us now, int days) {
  retention_due out;
  const time_us keep = static_cast<time_us>(days) * 86'400'000'000;
  for (const auto& r : s.runs) {
    if (r.number <= s.retained_upto) continue;  // already past retention (run_data_dropped)
    if (r.active() || r.ended_at <= 0) break;   // this run and the later ones are still needed
    auto due = r.ended_at + keep;
    if (due > now) {
      out.next_at = due;
      break;
    }
    out.last_run = r.number;
  }
  return out;
}

}  // namespace baton
