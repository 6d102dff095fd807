#include "tools/batond/engine_handoff.hpp"

#include <caf/io/basp_broker.hpp>

namespace baton {

engine_handoff::engine_handoff(caf::actor_system& sys, const engine_gate& api, std::uint16_t port)
    : sys_(sys),
      basp_(sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"))),
      whom_(caf::actor_cast<caf::strong_actor_ptr>(api)),
      sigs_(sys.message_types(api)),
      port_(port) {}

void engine_handoff::serve(int fd) {
  // The broker's (publish, scribe, port, actor, interface) handler: it adopts the connection,
  // registers the actor under `port` (idempotent) and writes the server handshake.
  auto scribe = sys_.middleman().backend().new_scribe(fd);
  caf::anon_send(basp_, caf::publish_atom_v, std::move(scribe), port_, whom_, sigs_);
}

void engine_handoff::close() {
  caf::anon_send(basp_, caf::unpublish_atom_v, whom_ ? whom_->address() : caf::actor_addr{}, port_);
}

}  // namespace baton
