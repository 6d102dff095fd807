// Starting the engine inside an actor system: the registry (one campaign actor per campaign,
// spawned on demand and recovered from snapshot + log, passivated when idle), the event writer,
// the timer, the worker pool for blocking activity work, and the typed API facade. The same
// engine serves batond and batonctl's embedded mode.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

#include <caf/all.hpp>

#include "actors/activity_runner.hpp"
#include "actors/api.hpp"
#include "model/config.hpp"
#include "model/entity_schema.hpp"
#include "store/event_store.hpp"

namespace baton {

class security_book;  // actors/security_book.hpp

struct engine_options {
  std::shared_ptr<event_store> store;
  std::shared_ptr<activity_runner> runner;  // default: flow-control activities only
  const clock* time_source = nullptr;       // default: the system clock
  bool real_time = true;  // false with a manual clock: timers fire only on (tick_atom)
  bool durable = true;    // fsync each group commit
  // false: the engine answers commands and records their events but starts no work — no
  // recovery of interrupted tasks, no task, no timer (embedded `batonctl` for every command
  // but `run` and `campaign wait`: a read must never start work).
  bool start_work = true;
  engine_config config;
  std::shared_ptr<const entity_schema> schema;  // checks campaigns against it when set
  std::string data_dir;                         // the data plane (feedback lookups, backups)
  std::string data_url;                         // "" = sqlite in data_dir
};

struct engine_handles {
  engine_api api;       // what clients talk to (publish this one)
  caf::actor registry;  // internal router; send it (tick_atom) after moving a manual clock
  caf::actor writer;
  std::shared_ptr<std::atomic<bool>> stopping;  // see drain_engine
  std::shared_ptr<std::atomic<int>> busy;       // worker jobs in progress
  std::shared_ptr<security_book> security;      // users and token hashes (actors/gate.hpp)
};

// The CAF scheduler batond and the embedded engine run on: config.json's schedulerThreads and
// schedulerPolicy.
void configure_scheduler(caf::actor_system_config& cfg, const engine_config& c);

// Spawns the engine; campaigns with unfinished business (runs, waits, schedules) are recovered
// and resumed right away.
engine_handles spawn_engine(caf::actor_system& sys, engine_options opts);

// How a graceful stop ended: everything stopped; the campaign actors stopped but a worker still
// runs a data-plane task (safe to abandon: it leaves nothing partial and runs again); or the
// grace period passed with campaign actors still at work.
enum class drain_outcome { stopped, data_work_abandoned, timed_out };

// A graceful stop: the engine takes no new command (errc::unavailable), every running send
// stops at its next message after making what it did durable (server answers, the sent rows,
// its delivery_progress event), waiters of `wait` hear {"interrupted": true}, and the campaign
// actors end. Data-plane tasks are not waited for. Unless the outcome is `stopped`, the caller
// should end the process without destroying the actor system (std::_Exit): a crash for the work
// still going on, which the log and the send journals make safe.
drain_outcome drain_engine(caf::actor_system& sys, const engine_handles& h,
                           std::chrono::milliseconds grace = std::chrono::seconds(30));

// Stops every actor of the engine (pending writes finish first): drain_engine, then the
// writer, timer and workers.
void stop_engine(caf::actor_system& sys, const engine_handles& h);

}  // namespace baton
