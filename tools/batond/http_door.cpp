#include "tools/batond/http_door.hpp"

#include <sodium.h>

#include <spdlog/spdlog.h>

#include "actors/gate.hpp"
#include "actors/messages.hpp"
#include "actors/security_book.hpp"
#include "model/security.hpp"

namespace baton {

namespace {

std::string random_hex() {
  unsigned char b[32];
  randombytes_buf(b, sizeof b);
  char out[sizeof b * 2 + 1];
  sodium_bin2hex(out, sizeof out, b, sizeof b);
  return out;
}

}  // namespace

http_door::http_door(engine_handles engine, engine_config config, http_door_options o)
    : engine_(std::move(engine)), config_(std::move(config)), o_(std::move(o)) {
  if (sodium_init() < 0) spdlog::error("http: libsodium cannot start");
}

std::chrono::steady_clock::time_point http_door::now() const {
  return o_.now ? o_.now() : std::chrono::steady_clock::now();
}

result<std::string> http_door::user_of_token(const std::string& token, const std::string& peer) {
  auto t = now();
  bool limited = false;
  {
    std::lock_guard lock(mu_);
    auto& tries = failures_[peer];
    while (!tries.empty() && t - tries.front() > o_.window) tries.pop_front();
    limited = static_cast<int>(tries.size()) >= o_.max_failures;
    if (!limited && !token.empty())
      if (auto user = baton::user_of_token(*engine_.security->get(), token)) {
        if (tries.empty()) failures_.erase(peer);
        return *user;
      }
    if (!limited) tries.push_back(t);
  }
  spdlog::warn("http: authentication failed from {}{}", peer, limited ? " (rate limited)" : "");
  caf::anon_send(engine_.registry, record_atom::value,
                 security_record{{ev::auth_failed{"http:" + peer, limited}}, ""});
  return auth_error();
}

result<http_session> http_door::sign_in(const std::string& token, const std::string& peer) {
  auto user = user_of_token(token, peer);
  if (!user) return user.err();
  entry e;
  e.s = {random_hex(), random_hex(), user.value()};
  e.token_hash = token_hash(token);
  e.created = e.used = now();
  std::lock_guard lock(mu_);
  prune(e.created);
  sessions_[e.s.id] = e;
  spdlog::info("http: {} signed in to the console from {}", e.s.user, peer);
  return e.s;
}

std::optional<http_session> http_door::session(const std::string& id) {
  if (id.empty()) return std::nullopt;
  auto t = now();
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  auto& e = it->second;
  bool valid = t - e.created < o_.session_life && t - e.used < o_.session_idle;
  if (valid) {  // the token it was opened with must still be one of the user's
    valid = false;
    auto state = engine_.security->get();
    if (auto* u = state->find(e.s.user))
      for (auto& tr : u->tokens) valid = valid || tr.hash == e.token_hash;
  }
  if (!valid) {
    sessions_.erase(it);
    return std::nullopt;
  }
  e.used = t;
  return e.s;
}

void http_door::sign_out(const std::string& id) {
  std::lock_guard lock(mu_);
  sessions_.erase(id);
}

void http_door::prune(std::chrono::steady_clock::time_point t) {
  std::erase_if(sessions_, [&](auto& kv) {
    return t - kv.second.created >= o_.session_life || t - kv.second.used >= o_.session_idle;
  });
  while (sessions_.size() >= o_.max_sessions) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
      if (it->second.used < oldest->second.used) oldest = it;
    sessions_.erase(oldest);
  }
}

role http_door::role_of(const std::string& user) const {
  return effective_role(config_, *engine_.security->get(), user);
}

void http_door::record_refusal(const std::string& user, const std::string& typed,
                               const std::string& campaign) {
  caf::anon_send(
      engine_.registry, record_atom::value,
      security_record{{ev::permission_refused{user, to_string(role_of(user)), typed, campaign}},
                      user});
}

}  // namespace baton
