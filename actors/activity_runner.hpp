// How a task actor gets an activity done: an activity_runner runs one activity (blocking is
// allowed: it is called on a worker thread, never on a scheduler thread). Running the same
// (campaign, run, activity) again must give the same outcome — recovery re-runs tasks.
#pragma once

#include <memory>

#include "model/flow_activities.hpp"

namespace baton {

class activity_runner {
 public:
  virtual ~activity_runner() = default;
  virtual result<task_outcome> run(const task_input& in) = 0;
};

// Runs the flow-control activities; every other type is refused with a clear error until its
// layer (data plane, channels) provides a runner. `next` handles what this one does not.
std::shared_ptr<activity_runner> make_flow_runner(std::shared_ptr<activity_runner> next = nullptr);

}  // namespace baton
