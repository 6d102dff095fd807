// The door of batond's HTTP API and console (INTERFACES.md §11): who a request acts as. A bearer
// token is checked exactly as the actor API's gate checks one (the same token store, auth_failed
// recorded, failures limited per client address); a console session is a random id kept server
// side (user, token hash, CSRF token, expiry) that ends when its token is revoked or it expires.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <caf/all.hpp>

#include "actors/engine.hpp"
#include "model/config.hpp"

namespace baton {

struct http_door_options {
  int max_failures = 5;                 // per client address within `window` ...
  std::chrono::seconds window{60};      // ... then refused without a look
  std::chrono::hours session_life{12};  // a console session ends this long after sign-in
  std::chrono::hours session_idle{2};   // ... or when unused this long
  std::size_t max_sessions = 4096;      // beyond: the least recently used session ends
  std::function<std::chrono::steady_clock::time_point()> now;  // default: the steady clock
};

// A signed-in console session as the page sees it.
struct http_session {
  std::string id;    // the cookie's value (64 hex digits of 256 random bits)
  std::string csrf;  // the page's <meta name="csrf-token">, needed on every state change
  std::string user;
};

class http_door {
 public:
  http_door(engine_handles engine, engine_config config, http_door_options o = {});

  // The token's user, or errc::refused at "auth" with the gate's words (actors/gate.hpp) for a
  // missing, wrong or revoked token; each failure is recorded as an auth_failed event of `peer`.
  result<std::string> user_of_token(const std::string& token, const std::string& peer);
  // Signs in with a token: a new session, or the refusal of user_of_token.
  result<http_session> sign_in(const std::string& token, const std::string& peer);
  // The live session with this id (its token still valid, not expired), else nullopt.
  std::optional<http_session> session(const std::string& id);
  void sign_out(const std::string& id);

  // The role `user` acts with (the engine's rule: model/security.hpp effective_role).
  role role_of(const std::string& user) const;
  // Records a permission_refused event, as the engine does for the commands it refuses.
  void record_refusal(const std::string& user, const std::string& typed,
                      const std::string& campaign);

 private:
  struct entry {
    http_session s;
    std::string token_hash;
    std::chrono::steady_clock::time_point created, used;
  };
  std::chrono::steady_clock::time_point now() const;
  void prune(std::chrono::steady_clock::time_point now);

  engine_handles engine_;
  engine_config config_;
  http_door_options o_;
  std::mutex mu_;
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> failures_;
  std::map<std::string, entry> sessions_;
};

}  // namespace baton
