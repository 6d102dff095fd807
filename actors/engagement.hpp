// What an unsubscribe, a bounce or a complaint changes in the data plane (INTERFACES.md §9),
// shared by the tracking paths, provider webhooks and `bounces ingest`: the recipient's address
// read from its entity row, consent withdrawn for the channel, suppression entries. Blocking,
// plain C++; no function begins or commits a transaction.
#pragma once

#include <string>

#include "audience/backend.hpp"
#include "audience/deliveries.hpp"
#include "audience/suppression.hpp"
#include "model/entity_schema.hpp"

namespace baton {

// The current address of a delivery's recipient on its channel ("" when the entity, its row
// or its address column is gone).
result<std::string> recipient_address(audience::backend& b, const entity_schema& schema,
                                      const audience::delivery_ref& d);

// Sets the recipient's consent column for the delivery's channel to false (nothing when the
// entity has none for it).
status withdraw_consent(audience::backend& b, const entity_schema& schema,
                        const audience::delivery_ref& d);

// An unsubscribe of the message's recipient: consent withdrawn, and a suppression entry
// (reason `unsubscribe`) for `address` (its current address when "").
status unsubscribe(audience::backend& b, const entity_schema& schema,
                   const audience::delivery_ref& d, std::string address, const std::string& source,
                   const std::string& at);

}  // namespace baton
