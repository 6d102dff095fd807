// The security fold: users, their roles and the hashes of their API tokens, as the events of the
// "security" stream say (the engine and baton-replay share this one fold). Also the role an
// identity acts with, and API tokens: made from 256 random bits, kept only as BLAKE2b hashes,
// compared in constant time.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/event.hpp"
#include "events/security_events.hpp"
#include "model/config.hpp"
#include "model/time.hpp"

namespace baton {

struct token_record {
  std::string id;
  std::string hash;  // hex of the BLAKE2b-256 of the token
  time_us created_at = 0;
};

struct user_record {
  std::string name;
  role r = role::none;
  std::vector<token_record> tokens;
  time_us added_at = 0;
};

struct security_state {
  std::map<std::string, user_record> users;
  std::uint64_t version = 0;  // events of the stream folded
  const user_record* find(const std::string& name) const;
};

// Applies one event of the security stream (`env` gives its time). Events that record facts
// without state (auth_failed, permission_refused) only count.
status apply(security_state& s, const ev::security_event& e, const event& env);
status apply(security_state& s, const event& e);

// The role `identity` acts with: the engine is admin; a user has its own role; any other identity
// has its `security.roles` entry, else `security.defaultRole`.
role effective_role(const engine_config& cfg, const security_state& s, const std::string& identity);

// A new API token: 64 hex digits of 256 random bits (libsodium), and its public id.
struct new_token {
  std::string token;
  std::string id;
  std::string hash;
};
new_token make_token();
// Hex of the BLAKE2b-256 (crypto_generichash) of `token`.
std::string token_hash(const std::string& token);
// The user one of whose tokens hashes to `token`'s hash (every stored hash is compared, each in
// constant time), or nullopt.
std::optional<std::string> user_of_token(const security_state& s, const std::string& token);

// A user name: 1 to 64 of [A-Za-z0-9._@-], not starting with '-'; "" when fine, else why not.
std::string check_user_name(const std::string& name);

// The user commands (INTERFACES.md §8), as a decision over the fold: `verb` is "user-add" (args
// name, role), "user-list", "user-token" (name), "user-revoke" (name, tokenId) or "user-remove"
// (name); `actor` is who asks (its role was checked before: admin). The events to append and
// the reply; `token` (add, token) is the new token, to be shown once and never stored or logged.
struct security_decision {
  std::vector<ev::security_event> events;
  nlohmann::json reply;
  std::string token;
};
result<security_decision> decide_user(const security_state& s, const std::string& verb,
                                      const std::map<std::string, std::string>& args);
// The least role an API verb needs at the engine's door (the lifecycle may ask more: stopping a
// live campaign needs an approver) and the batonctl command it comes from ("campaign publish").
struct verb_rule {
  role needed = role::admin;
  std::string typed;
};
verb_rule rule_of_verb(const std::string& verb);

// `user list --json`: [{"name", "role", "tokens": [{"id", "createdAt"}]}], never a token.
nlohmann::json users_json(const security_state& s);

}  // namespace baton
