// The typed event of the trigger streams ("trigger/<campaign>", schema in events/trigger.capnp):
// what one API trigger of an {"api": true} campaign did. Appended with the command id
// "trigger/<campaign>/<trigger id>", so the store itself answers a repeated trigger id.
#pragma once

#include <cstdint>
#include <string>

#include "events/event.hpp"
#include "events/result.hpp"

namespace baton::ev {

// The stream of the triggers of campaign `id`.
inline std::string trigger_stream(const std::string& campaign) {
  return "trigger/" + campaign;
}

struct trigger_handled {
  static constexpr std::uint16_t type = 60;
  bool operator==(const trigger_handled&) const = default;
  std::string trigger_id, recipient, activity, message_id;
  std::string status;    // sent | excluded
  std::string excluded;  // the reason when excluded, else ""
  std::string category;  // marketing | transactional
};

// A store event (type, version 1, payload); identity fields left empty.
event to_event(const trigger_handled& e);
// The typed event of a trigger event already upcast to the current version.
result<trigger_handled> trigger_handled_from(const event& e);

}  // namespace baton::ev
