// The typed events of the store's own stream ("store", schemas in events/store.capnp): facts
// about the log itself. `to_event` / `store_event_from` as for campaign events.
#pragma once

#include <cstdint>
#include <string>

#include "events/event.hpp"
#include "events/result.hpp"

namespace baton::ev {

inline constexpr const char* store_stream = "store";

// `baton-replay salvage` kept events #1..head_after of a damaged log and dropped the rest.
struct store_salvaged {
  static constexpr std::uint16_t type = 100;
  bool operator==(const store_salvaged&) const = default;
  std::uint64_t head_before = 0, head_after = 0, dropped = 0;
  std::string file;
  std::uint64_t offset = 0;
  std::string damage, kept_in;
  std::uint64_t readable_dropped = 0;
};

// A store event (type, version 1, payload); identity fields left empty.
event to_event(const store_salvaged& e);
// The typed event of a store event already upcast to the current version.
result<store_salvaged> store_salvaged_from(const event& e);

}  // namespace baton::ev
