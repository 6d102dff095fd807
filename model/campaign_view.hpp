// What operators and clients see of a campaign: the JSON of `campaign show` (INTERFACES.md §2),
// the one-line summary of `campaign list`, and the graph with per-transition counts as text or
// Graphviz dot. Derived from the folded state only.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/campaign_state.hpp"

namespace baton {

nlohmann::json campaign_to_json(const campaign_state& s);
nlohmann::json campaign_summary_json(const campaign_state& s);
// Per channel activity, over every run: people, targeted, sent, delivered, bounced, errors,
// exclusions by reason, opens, unique opens, clicks, unique clicks, CTR, unsubscribes
// (PRODUCT.md §3); `activity` = "" for all of them, plus the campaign's totals.
// `variants`: per channel activity with an experiment, its variants' figures (from the data
// plane: actors/experiment_report.hpp), reported as `variants` (INTERFACES.md §10).
nlohmann::json campaign_report(
    const campaign_state& s, const std::string& activity = "",
    const std::map<std::string, std::vector<ev::variant_figures>>& variants = {});
// `run` = 0: the last run. Counts come from that run's tasks and transitions.
std::string graph_text(const campaign_state& s, std::uint32_t run = 0);
std::string graph_dot(const campaign_state& s, std::uint32_t run = 0);
// The same graph for machines: {"id", "run", "status" (of the run; null without one), "nodes":
// [{"id", "type", "label", "status", "countIn", "outputs": {name: count}}] in graph order,
// "edges": [{"from", "output", "to", "count"}]}. Counts are numbers, null where nothing ran.
nlohmann::json graph_json(const campaign_state& s, std::uint32_t run = 0);

}  // namespace baton
