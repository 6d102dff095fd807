// The door of the published API (INTERFACES.md §7–§8): a network client first authenticates
// with an API token and gets a session, an engine_api bound to the token's user and to the
// client's node and its IP address; every command sent to the session acts as that user,
// whatever the message says. Failed authentications are recorded (auth_failed) and limited per
// peer IP address (batond's peer_book; the node's host without one).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/api.hpp"
#include "actors/engine.hpp"
#include "actors/peer_book.hpp"

namespace baton {

using authenticate_atom = caf::atom_constant<caf::atom("authent")>;

// What batond publishes: (authenticate, token) -> a session (an engine_api, sent as a plain
// caf::actor: CAF's wire format knows no typed handles), or a caf::error of category "baton":
// errc::refused, where "auth", with the same words for a missing, wrong or revoked token.
using engine_gate =
    caf::typed_actor<caf::replies_to<authenticate_atom, std::string>::with<caf::actor>>;

// The one refusal of a failed authentication.
error auth_error();

struct gate_options {
  int max_failures = 5;                 // per peer within `window` ...
  std::chrono::seconds window{60};      // ... then refused without a look
  std::chrono::hours session_idle{24};  // a session unused this long ends (at a later login)
  std::size_t max_sessions = 4096;      // beyond: the least recently used session ends
  // The IP address of each client node (batond's wire guard fills it): failures are counted per
  // IP and a session works only from the IP it was opened from. Unset: in-process callers.
  std::shared_ptr<const peer_book> peers;
};

// Stop it (send_exit) after drain_engine: its sessions end with it.
engine_gate spawn_gate(caf::actor_system& sys, const engine_handles& engine,
                       const engine_config& config, gate_options o = {});

}  // namespace baton
