// How a task actor gets an activity done: an activity_runner runs one activity (blocking is
// allowed: it is called on a worker thread, never on a scheduler thread). Running the same
// (campaign, run, activity) again must give the same outcome — recovery re-runs tasks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "model/flow_activities.hpp"

namespace baton {

class activity_runner {
 public:
  virtual ~activity_runner() = default;
  virtual result<task_outcome> run(const task_input& in) = 0;
  // Retention: drops what runs 1..`last_run` of the campaign left in the data plane (their
  // worktables); returns how many tables went. Idempotent; a runner without a data plane has none.
  virtual result<std::uint64_t> drop_run_data(const std::string& campaign, std::uint32_t last_run) {
    (void)campaign;
    (void)last_run;
    return std::uint64_t{0};
  }
};

// Runs the flow-control activities; every other type is refused with a clear error until its
// layer (data plane, channels) provides a runner. `next` handles what this one does not.
std::shared_ptr<activity_runner> make_flow_runner(std::shared_ptr<activity_runner> next = nullptr);

}  // namespace baton
