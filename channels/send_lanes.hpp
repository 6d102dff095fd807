// send_each over several connections at once: the batch's messages are taken in order by up to
// `lanes` threads, each sending on its own connection. Promises what send_each promises (one
// result per message in the batch's order, repeats, stop and break rules, each message's
// hand-over hook before it goes and its answer hook after) with the hooks called one at a time.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "channels/connector.hpp"

namespace baton::channels {

// `one(lane, message, connection_broken)` sends on connection `lane` (0 .. lanes-1); the
// calls of one lane never overlap. After a break no message is handed over any more and the
// ones not yet handed over fail retryably with its reason (messages already in flight on other
// lanes finish). lanes <= 1 is send_each.
std::vector<delivery_result> send_in_lanes(
    const std::vector<message>& batch, const send_hooks& hooks, std::size_t lanes,
    const std::function<delivery_result(std::size_t lane, const message&, bool& connection_broken)>&
        one);

}  // namespace baton::channels
