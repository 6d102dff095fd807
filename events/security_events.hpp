// The typed events of the security stream ("security", schemas in events/security.capnp): users,
// roles, token hashes, failed authentications, refused commands. A token never appears here,
// only its hash. `to_event` / `security_event_from` as for campaign events.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "events/event.hpp"
#include "events/result.hpp"

namespace baton::ev {

inline constexpr const char* security_stream = "security";

struct user_added {
  static constexpr std::uint16_t type = 200;
  bool operator==(const user_added&) const = default;
  std::string name, role;
};
struct user_removed {
  static constexpr std::uint16_t type = 201;
  bool operator==(const user_removed&) const = default;
  std::string name;
};
struct token_issued {
  static constexpr std::uint16_t type = 202;
  bool operator==(const token_issued&) const = default;
  std::string user, token_id, hash;  // hash: hex of the token's BLAKE2b-256
};
struct token_revoked {
  static constexpr std::uint16_t type = 203;
  bool operator==(const token_revoked&) const = default;
  std::string user, token_id;
};
struct auth_failed {
  static constexpr std::uint16_t type = 204;
  bool operator==(const auth_failed&) const = default;
  std::string peer;
  bool limited = false;
};
struct permission_refused {
  static constexpr std::uint16_t type = 205;
  bool operator==(const permission_refused&) const = default;
  std::string actor, role, command, campaign;
};

using security_event = std::variant<user_added, user_removed, token_issued, token_revoked,
                                    auth_failed, permission_refused>;

// A store event (type, version 1, payload); identity fields left empty.
event to_event(const security_event& e);
// The typed event of a security event already upcast to the current version.
result<security_event> security_event_from(const event& e);

}  // namespace baton::ev
