// One event as the store keeps it: the envelope fields of events/envelope.capnp plus the opaque
// payload bytes. Callers fill type, version, payload and the identity fields; the store assigns
// stream, sequences, time and hashes when it appends.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "events/clock.hpp"

namespace baton {

using event_hash = std::array<std::uint8_t, 32>;  // SHA-256

struct event {
  // Assigned by the store on append.
  std::string stream;
  std::uint64_t stream_seq = 0;
  std::uint64_t global_seq = 0;
  time_us time = 0;
  event_hash prev_hash{};
  event_hash hash{};
  // Set by the caller.
  std::uint16_t type = 0;
  std::uint16_t version = 1;
  std::string actor;
  std::string command_id;
  std::string correlation_id;
  std::string causation_id;
  std::string payload;  // a Cap'n Proto message of the type's struct (flat array bytes)
};

std::string to_hex(const event_hash& h);
bool from_hex(std::string_view hex, event_hash& out);

}  // namespace baton
