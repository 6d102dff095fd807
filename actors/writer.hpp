// The event writer: the one actor through which the engine appends. It hands batches to the
// store's group commit (concurrent appends share one WriteBatch and one WAL sync), answers each
// request once its events are durable, and sends every committed event to the subscribers.
#pragma once

#include <memory>

#include <caf/all.hpp>

#include "events/catalog.hpp"
#include "store/event_store.hpp"

namespace baton {

// Handles (append_atom, append_batch) -> append_result | error, and the subscribe/unsubscribe
// messages of engine_api.
caf::actor spawn_event_writer(caf::actor_system& sys, std::shared_ptr<event_store> store);

}  // namespace baton
