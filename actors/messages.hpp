// Messages between the engine's own actors (never sent over the network): appends to the event
// writer, timers, task jobs and task results.
#pragma once

#include <string>
#include <vector>

#include <caf/all.hpp>

#include "events/security_events.hpp"
#include "model/flow_activities.hpp"
#include "store/event_store.hpp"

namespace baton {

using append_atom = caf::atom_constant<caf::atom("append")>;
using timer_set_atom = caf::atom_constant<caf::atom("timerset")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using fired_atom = caf::atom_constant<caf::atom("fired")>;
using run_task_atom = caf::atom_constant<caf::atom("runtask")>;
using task_done_atom = caf::atom_constant<caf::atom("taskdone")>;
using task_fail_atom = caf::atom_constant<caf::atom("taskfail")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;
using backup_atom = caf::atom_constant<caf::atom("backup")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using retain_atom = caf::atom_constant<caf::atom("retain")>;
using record_atom = caf::atom_constant<caf::atom("record")>;

// One atomic append for the event writer.
struct append_batch {
  std::vector<append_request> requests;
  append_options opts;
};

// Facts for the security stream (auth_failed from the API gate), appended by the registry.
struct security_record {
  std::vector<ev::security_event> events;
  std::string actor;
};

// One activity to run on a worker thread; owns a copy of the activity it points to.
struct task_job {
  task_input input;
  activity act;
  caf::actor campaign;  // where a channel's progress goes to be made durable
};

}  // namespace baton

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(baton::append_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(baton::security_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(baton::append_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(baton::task_job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(baton::task_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(baton::ev::delivery_progress)
