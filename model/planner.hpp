// Graph planning for one run: which tasks are ready to start, which must be skipped (disabled,
// test run, upstream skipped, branch stopped) and whether the run has nothing left to do. Pure:
// it reads the folded state and decides nothing by itself.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "model/campaign_state.hpp"

namespace baton {

struct planned_skip {
  std::string activity, reason;
  bool pass_through = false;
};

struct run_plan {
  std::vector<std::string> ready;   // pending tasks whose inputs are all resolved, in graph order
  std::vector<planned_skip> skips;  // pending tasks to mark skipped, in graph order
  bool finished = false;            // every task is (or, after the skips, will be) terminal
};

run_plan plan_run(const campaign_definition& def, const run_state& run);

// The populations entering `activity`: (source activity id, population) for each inbound
// transition that fired. Roots have none.
std::vector<std::pair<std::string, ev::population>> inputs_of(const campaign_definition& def,
                                                              const run_state& run,
                                                              const std::string& activity);

// The activities in topological order (sources before their targets; ties in definition order).
std::vector<std::string> topological_order(const campaign_definition& def);

}  // namespace baton
