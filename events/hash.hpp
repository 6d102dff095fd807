// The global hash chain: each event's hash is SHA-256 over the previous event's hash and a
// canonical, length-prefixed encoding of every envelope field, so any edit, removal or reordering
// of a stored event changes a hash that later events (and anchors) depend on.
#pragma once

#include "events/event.hpp"

namespace baton {

event_hash record_hash(const event& e);  // uses e.prev_hash; ignores e.hash

}  // namespace baton
