#include "model/security.hpp"

#include <sodium.h>

#include <cctype>
#include <stdexcept>

namespace baton {

const user_record* security_state::find(const std::string& name) const {
  auto it = users.find(name);
  return it == users.end() ? nullptr : &it->second;
}

status apply(security_state& s, const ev::security_event& e, const event& env) {
  ++s.version;
  if (auto* a = std::get_if<ev::user_added>(&e)) {
    user_record u;
    u.name = a->name;
    if (!parse_role(a->role, u.r))
      return make_error(errc::integrity, "security", "unknown role '" + a->role + "'");
    u.added_at = env.time;
    s.users[a->name] = std::move(u);
  } else if (auto* r = std::get_if<ev::user_removed>(&e)) {
    s.users.erase(r->name);
  } else if (auto* t = std::get_if<ev::token_issued>(&e)) {
    auto it = s.users.find(t->user);
    if (it == s.users.end())
      return make_error(errc::integrity, "security", "a token for unknown user " + t->user);
    it->second.tokens.push_back({t->token_id, t->hash, env.time});
  } else if (auto* v = std::get_if<ev::token_revoked>(&e)) {
    auto it = s.users.find(v->user);
    if (it != s.users.end())
      std::erase_if(it->second.tokens,
                    [&](const token_record& tr) { return tr.id == v->token_id; });
  }
  return ok_status();
}

status apply(security_state& s, const event& e) {
  auto se = ev::security_event_from(e);
  if (!se) return se.err();
  return apply(s, se.value(), e);
}

role effective_role(const engine_config& cfg, const security_state& s,
                    const std::string& identity) {
  if (identity == "engine") return role::admin;
  if (auto* u = s.find(identity)) return u->r;
  return cfg.role_of(identity);
}

namespace {

void init_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot start");
}

std::string hex(const unsigned char* p, std::size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), p, n);
  out.pop_back();
  return out;
}

}  // namespace

new_token make_token() {
  init_sodium();
  unsigned char secret[32], id[6];
  randombytes_buf(secret, sizeof secret);
  randombytes_buf(id, sizeof id);
  new_token t;
  t.token = hex(secret, sizeof secret);
  sodium_memzero(secret, sizeof secret);
  t.id = "t-" + hex(id, sizeof id);
  t.hash = token_hash(t.token);
  return t;
}

std::string token_hash(const std::string& token) {
  init_sodium();
  unsigned char h[crypto_generichash_BYTES];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  return hex(h, sizeof h);
}

std::optional<std::string> user_of_token(const security_state& s, const std::string& token) {
  if (token.empty()) return std::nullopt;
  auto h = token_hash(token);
  std::optional<std::string> found;
  for (auto& [name, u] : s.users)
    for (auto& t : u.tokens)
      if (t.hash.size() == h.size() && sodium_memcmp(t.hash.data(), h.data(), h.size()) == 0)
        found = name;  // no early exit: every hash is compared
  return found;
}

std::string check_user_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return "a user name has 1 to 64 characters";
  if (name[0] == '-') return "a user name does not start with '-'";
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '@' &&
        c != '-')
      return "a user name has only letters, digits and . _ @ -";
  return "";
}

}  // namespace baton

namespace baton {

namespace {

std::string arg(const std::map<std::string, std::string>& args, const char* key) {
  auto it = args.find(key);
  return it == args.end() ? "" : it->second;
}

result<const user_record*> existing_user(const security_state& s, const std::string& name) {
  if (name == "engine")
    return make_error(errc::refused, "user",
                      "the identity `engine` belongs to the engine; no one may act as it");
  auto* u = s.find(name);
  if (!u) return make_error(errc::not_found, name, "no such user");
  return u;
}

security_decision with_token(security_decision d, const std::string& user) {
  auto t = make_token();
  d.events.push_back(ev::token_issued{user, t.id, t.hash});
  d.reply["tokenId"] = t.id;
  d.token = std::move(t.token);
  return d;
}

}  // namespace

nlohmann::json users_json(const security_state& s) {
  nlohmann::json out = nlohmann::json::array();
  for (auto& [name, u] : s.users) {
    nlohmann::json tokens = nlohmann::json::array();
    for (auto& t : u.tokens)
      tokens.push_back({{"id", t.id}, {"createdAt", format_time(t.created_at)}});
    out.push_back({{"name", name}, {"role", to_string(u.r)}, {"tokens", tokens}});
  }
  return out;
}

result<security_decision> decide_user(const security_state& s, const std::string& verb,
                                      const std::map<std::string, std::string>& args) {
  security_decision d;
  auto name = arg(args, "name");
  if (verb == "user-list") {
    d.reply = users_json(s);
    return d;
  }
  if (verb == "user-add") {
    if (name == "engine")
      return make_error(errc::refused, "user",
                        "the identity `engine` belongs to the engine; no one may act as it");
    if (auto why = check_user_name(name); !why.empty())
      return make_error(errc::validation, "NAME", why + ", got '" + name + "'");
    role r;
    auto rn = arg(args, "role");
    if (!parse_role(rn, r) || r == role::none)
      return make_error(errc::validation, "--role",
                        "unknown role '" + rn + "' (admin, approver, manager, viewer)");
    if (s.find(name)) return make_error(errc::conflict, name, "the user exists already");
    d.events.push_back(ev::user_added{name, rn});
    d.reply = {{"name", name}, {"role", rn}};
    return with_token(std::move(d), name);
  }
  auto u = existing_user(s, name);
  if (!u) return u.err();
  if (verb == "user-token") {
    d.reply = {{"name", name}};
    return with_token(std::move(d), name);
  }
  if (verb == "user-revoke") {
    auto id = arg(args, "tokenId");
    bool known = false;
    for (auto& t : u.value()->tokens) known = known || t.id == id;
    if (!known) return make_error(errc::not_found, id, "no such token of user " + name);
    d.events.push_back(ev::token_revoked{name, id});
    d.reply = {{"name", name}, {"revoked", id}};
    return d;
  }
  if (verb == "user-remove") {
    d.events.push_back(ev::user_removed{name});
    d.reply = {{"removed", name}};
    return d;
  }
  return make_error(errc::validation, "verb", "unknown user command '" + verb + "'");
}

}  // namespace baton

namespace baton {

verb_rule rule_of_verb(const std::string& verb) {
  static const std::map<std::string, verb_rule> rules = {
      {"show", {role::viewer, "campaign show"}},
      {"list", {role::viewer, "campaign list"}},
      {"graph", {role::viewer, "campaign graph"}},
      {"wait", {role::viewer, "campaign wait"}},
      {"report", {role::viewer, "report"}},
      {"validate", {role::viewer, "campaign validate"}},
      {"subscribe", {role::viewer, "events --follow"}},
      {"create", {role::manager, "campaign create"}},
      {"update", {role::manager, "campaign update"}},
      {"test", {role::manager, "campaign test"}},
      {"delete", {role::manager, "campaign delete"}},
      {"duplicate", {role::manager, "campaign duplicate"}},
      {"stop", {role::manager, "campaign stop"}},
      {"submit", {role::manager, "campaign submit"}},
      {"publish", {role::approver, "campaign publish"}},
      {"start", {role::approver, "campaign start"}},
      {"pause", {role::approver, "campaign pause"}},
      {"resume", {role::approver, "campaign resume"}},
      {"close", {role::approver, "campaign close"}},
      {"back-to-draft", {role::approver, "campaign back-to-draft"}},
      {"archive", {role::approver, "campaign archive"}},
      {"confirm", {role::approver, "campaign confirm"}},
      {"trigger", {role::approver, "campaign trigger"}},
      {"proof", {role::manager, "campaign proof"}},
      {"approve", {role::approver, "campaign approve"}},
      {"reject", {role::approver, "campaign reject"}},
      {"feedback", {role::approver, "feedback load"}},
      {"edit", {role::manager, "campaign edit"}},
      {"versions", {role::viewer, "campaign versions"}},
      {"diff", {role::viewer, "campaign diff"}},
      {"template-save", {role::manager, "template save"}},
      {"template-list", {role::viewer, "template list"}},
      {"template-show", {role::viewer, "template show"}},
      {"backup", {role::admin, "backup"}},
      {"user-add", {role::admin, "user add"}},
      {"user-list", {role::admin, "user list"}},
      {"user-token", {role::admin, "user token"}},
      {"user-revoke", {role::admin, "user revoke"}},
      {"user-remove", {role::admin, "user remove"}},
  };
  auto it = rules.find(verb);
  if (it != rules.end()) return it->second;
  return {role::admin, verb};  // a verb not listed here is for admins only
}

}  // namespace baton
