// The flow-control activities that need no data plane — fork, and_join, test, alert, end —
// as pure functions from a task's inputs to its outcome (wait is a durable timer in the engine).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/lifecycle.hpp"

namespace baton {

struct task_input {
  std::string campaign;
  std::uint32_t run = 0;
  const activity* act = nullptr;
  std::vector<std::pair<std::string, ev::population>> inputs;  // (source id, population)
  ev::variables vars;
  bool test = false;
  time_us now = 0;
  std::string dimension;  // the campaign's targeting dimension
  // Channel activities: where a re-run resumes (the last durable batch), and how to make a
  // batch's progress durable before going on (blocks; an error means stop now).
  std::optional<ev::delivery_progress> progress;
  std::function<status(const ev::delivery_progress&)> checkpoint;
  // True once the engine is stopping: a long activity (a send) stops at the next message,
  // makes what it did durable and returns an `interrupted` outcome. Empty: never stops.
  std::function<bool()> stop_requested;
  bool stopping() const { return stop_requested && stop_requested(); }
  // An experiment's variant chosen in this run (variant_chosen), "" before the choice.
  std::string chosen_variant;
};

bool is_flow_activity(activity_type t);  // fork, and_join, test, alert, end
result<task_outcome> run_flow_activity(const task_input& in);

}  // namespace baton
