// Deliveries and their feedback, kept in the data plane so that filters can retarget on them
// (INTERFACES.md §4 `feedback`, PRODUCT.md §3 "received campaign X but did not click"):
//   baton_deliveries(message_id PK, campaign, run, activity, channel, recipient, dimension,
//                    sent_at)   one row per message sent; recipient = the entity key as text
//   baton_feedback(message_id, event, at, PK(message_id, event, at))   delivered, opened, ...
// The engine records what it sends (record_deliveries, inside its own transaction if it likes)
// and what the connectors report back (find_delivery + record_feedback). All values are bound
// parameters; times are text (canonical ISO-8601 UTC is recommended).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audience/backend.hpp"

namespace baton::audience {

struct delivery_row {
  std::string message_id, campaign;
  std::uint32_t run = 0;
  std::string activity, channel, recipient, dimension;
};

// Creates both tables and their indexes when missing (idempotent; no transaction of its own).
// Call it once before record_*/find_delivery on a backend (e.g. when the engine opens it).
status ensure_delivery_tables(backend& b);

// Records sent messages; a message_id already recorded is left alone. Returns how many rows
// were new. Does NOT begin/commit: the caller may be inside its own transaction.
result<std::uint64_t> record_deliveries(backend& b, const std::vector<delivery_row>& rows,
                                        const std::string& sent_at);

struct delivery_ref {
  std::string campaign;
  std::uint32_t run = 0;
  std::string activity, channel, recipient;
};

// The delivery of a message_id, or nullopt when it was never recorded.
result<std::optional<delivery_ref>> find_delivery(backend& b, const std::string& message_id);

// Records one feedback event of a message (idempotent per (message_id, event, at)).
status record_feedback(backend& b, const std::string& message_id, const std::string& event,
                       const std::string& at);

// True when both tables exist (filters on feedback match nothing otherwise).
result<bool> delivery_tables_exist(backend& b);

}  // namespace baton::audience
