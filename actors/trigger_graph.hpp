// The graph path of API triggers (INTERFACES.md §10): for an api campaign whose graph starts at
// enrichment, test, split or deduplication, each trigger's recipient becomes a one-row worktable
// that runs through the graph's activities as a run's tasks would (planner, same runners),
// until a channel activity, which sends it through the fast path's send (trigger_send.hpp).
#pragma once

#include <vector>

#include "actors/activity_runner.hpp"
#include "actors/trigger_send.hpp"

namespace baton {

// The reason of a trigger whose recipient reached no channel activity (a split, a test or a
// filter sent it elsewhere, or to an end): status "excluded".
inline constexpr const char* k_no_channel = "no channel";

// One result per trigger of `job` (job.graph set), in order; `top` runs the graph's activities.
// The worktables of a trigger (run 0 of the campaign) are dropped once it is handled. An unknown
// recipient is a per-trigger not_found; a failing activity a per-trigger error (nothing recorded).
result<std::vector<trigger_result>> send_graph_trigger_batch(audience::backend& b,
                                                             const trigger_send_env& env,
                                                             activity_runner& top,
                                                             const trigger_job& job);

}  // namespace baton
