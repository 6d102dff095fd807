// An event as one JSON object with stable field names — the shape of `batonctl events --json`,
// `baton-replay export` and the live event stream: envelope fields plus the decoded payload.
#pragma once

#include <nlohmann/json.hpp>

#include "events/catalog.hpp"
#include "events/event.hpp"

namespace baton {

// {"seq", "stream", "streamSeq", "time", "timeUs", "type", "version", "actor", "commandId",
//  "correlationId", "causationId", "payload": {...}, "prevHash", "hash"}. A payload that cannot
// be decoded appears as {"error": "..."} so that a listing never stops on one bad record.
// Integers are JSON numbers, 64-bit ones included ("countIn": 0, not "0").
nlohmann::json event_to_json(const event& e, const event_catalog& catalog);

}  // namespace baton
