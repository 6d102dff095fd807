// The figures of experiments' variants for reports (INTERFACES.md §10): per channel activity
// with `variants`, each variant's messages sent and opens/clicks, read from the data plane
// (baton_deliveries.variant joined with baton_feedback), in the definition's variant order.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "events/campaign_events.hpp"
#include "model/campaign_state.hpp"

namespace baton {

// Empty when no channel activity of `s` has variants (then nothing is opened).
result<std::map<std::string, std::vector<ev::variant_figures>>> variant_report(
    const std::string& data_url, const std::string& data_dir, const campaign_state& s);

}  // namespace baton
