// The catalog of event types: for each type id its name, its current version, the Cap'n Proto
// schema of every version, and one upcaster per old version. Decoding goes through it, so an
// unknown type or an unsupported version is a clear error, and old payloads are upcast.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <capnp/schema.h>

#include "events/event.hpp"
#include "events/result.hpp"

namespace baton {

// Rewrites a payload of version v into version v + 1.
using upcaster = std::function<result<std::string>(std::string_view payload)>;

struct event_type_info {
  std::uint16_t id = 0;
  std::string name;                          // snake_case, stable: "campaign_created"
  std::vector<capnp::StructSchema> schemas;  // schemas[v - 1] is version v; size() = current
  std::vector<upcaster> upcasters;           // upcasters[v - 1] turns v into v + 1
  std::uint16_t current_version() const { return static_cast<std::uint16_t>(schemas.size()); }
};

class event_catalog {
 public:
  // Registers a type; ids and names must be unique (a duplicate is a programming error: throws).
  void add(event_type_info info);
  const event_type_info* find(std::uint16_t id) const;
  const event_type_info* find(std::string_view name) const;
  std::vector<const event_type_info*> all() const;

  // Checks that the type is known and the version supported, then upcasts the payload to the
  // current version. errc::integrity on unknown types, unsupported versions or bad payloads.
  result<event> upcast(event e) const;
  // The payload as a JSON object (field names from the Cap'n Proto schema of its version).
  result<std::string> payload_json(const event& e) const;
  // The type's name, or "type#N" when unknown.
  std::string type_name(std::uint16_t id) const;

 private:
  std::map<std::uint16_t, event_type_info> by_id_;
  std::map<std::string, std::uint16_t, std::less<>> by_name_;
};

// The catalog of every event type Baton writes (built once, read-only).
const event_catalog& baton_event_catalog();

}  // namespace baton
