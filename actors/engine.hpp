// Starting the engine inside an actor system: the registry (one campaign actor per campaign,
// spawned on demand and recovered from snapshot + log, passivated when idle), the event writer,
// the timer, the worker pool for blocking activity work, and the typed API facade. The same
// engine serves batond and batonctl's embedded mode.
#pragma once

#include <memory>
#include <optional>

#include <caf/all.hpp>

#include "actors/activity_runner.hpp"
#include "actors/api.hpp"
#include "model/config.hpp"
#include "model/entity_schema.hpp"
#include "store/event_store.hpp"

namespace baton {

struct engine_options {
  std::shared_ptr<event_store> store;
  std::shared_ptr<activity_runner> runner;  // default: flow-control activities only
  const clock* time_source = nullptr;       // default: the system clock
  bool real_time = true;  // false with a manual clock: timers fire only on (tick_atom)
  bool durable = true;    // fsync each group commit
  engine_config config;
  std::shared_ptr<const entity_schema> schema;  // checks campaigns against it when set
  std::string data_dir;                         // the data plane (feedback lookups, backups)
  std::string data_url;                         // "" = sqlite in data_dir
};

struct engine_handles {
  engine_api api;       // what clients talk to (publish this one)
  caf::actor registry;  // internal router; send it (tick_atom) after moving a manual clock
  caf::actor writer;
};

// The CAF scheduler batond and the embedded engine run on: config.json's schedulerThreads and
// schedulerPolicy.
void configure_scheduler(caf::actor_system_config& cfg, const engine_config& c);

// Spawns the engine; campaigns with unfinished business (runs, waits, schedules) are recovered
// and resumed right away.
engine_handles spawn_engine(caf::actor_system& sys, engine_options opts);

// Stops every actor of the engine (pending writes finish first).
void stop_engine(caf::actor_system& sys, const engine_handles& h);

}  // namespace baton
