// The CAF side of batond's wire guard: serves the engine API on sockets the guard hands over
// (one end of a socketpair per client connection): the gate, where clients authenticate. CAF's BASP
// broker takes each as a connection its acceptor would have made and opens it with the server
// handshake, so CAF itself listens on no port and every byte it reads has passed the guard's
// checks.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/gate.hpp"

namespace baton {

class engine_handoff {
 public:
  // `port` names the published API in CAF's handshakes (batond passes its public port).
  engine_handoff(caf::actor_system& sys, const engine_gate& api, std::uint16_t port);
  // Serves the API on `fd` (a connected stream socket; ownership passes to CAF). Thread-safe.
  void serve(int fd);
  // Forgets the published API (the connections themselves close with their sockets).
  void close();

 private:
  caf::actor_system& sys_;
  caf::actor basp_;
  caf::strong_actor_ptr whom_;
  std::set<std::string> sigs_;
  std::uint16_t port_;
};

}  // namespace baton
