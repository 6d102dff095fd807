#include "model/config.hpp"

#include <cctype>
#include <string_view>

#include "model/json_reader.hpp"

namespace baton {

const char* to_string(role r) {
  switch (r) {
    case role::none:
      return "none";
    case role::viewer:
      return "viewer";
    case role::manager:
      return "manager";
    case role::approver:
      return "approver";
    case role::admin:
      return "admin";
  }
  return "viewer";
}

bool parse_role(const std::string& s, role& out) {
  for (role r : {role::none, role::viewer, role::manager, role::approver, role::admin})
    if (s == to_string(r)) {
      out = r;
      return true;
    }
  return false;
}

role engine_config::role_of(const std::string& identity) const {
  auto it = roles.find(identity);
  return it == roles.end() ? default_role : it->second;
}

std::optional<error> check_role(const std::string& user, role who, role needed,
                                const std::string& verb) {
  if (static_cast<int>(who) >= static_cast<int>(needed)) return std::nullopt;
  return make_error(errc::refused, "permission",
                    user + " (" + to_string(who) + ") may not " + verb);
}

std::string default_config_json(const std::string& tracking_secret, const std::string& admin) {
  nlohmann::json j = {
      {"engine",
       {{"listen", "127.0.0.1:4242"},
        {"schedulerThreads", 2},
        {"schedulerPolicy", "sharing"},
        {"workers", 2},
        {"passivateAfterSeconds", 60},
        {"stopGraceSeconds", 30},
        {"maxFrameBytes", 4 << 20},
        {"maxConnections", 256},
        {"handshakeTimeoutSeconds", 10}}},
      {"security",
       {{"defaultRole", "none"}, {"roles", nlohmann::json::object()}, {"requireApproval", false}}},
      {"data", {{"url", ""}, {"importDir", ""}}},
      {"channels",
       {{"email", {{"connector", "file"}}},
        {"sms", {{"connector", "file"}}},
        {"push", {{"connector", "file"}}}}},
      {"retention", {{"logsDays", 30}}},
      {"deliverability",
       {{"suppressAfter", {{"hard", 1}, {"soft", 3}, {"softDays", 7}}},
        {"fatigue", nlohmann::json::array()}}}};
  if (!admin.empty()) j["security"]["roles"][admin] = "admin";
  if (!tracking_secret.empty())
    j["tracking"] = {{"baseUrl", "http://127.0.0.1:8080"},
                     {"secret", tracking_secret},
                     {"unsubscribeMailto", ""},
                     {"hooks", nlohmann::json::object()}};
  return j.dump(2) + "\n";
}

namespace {

const std::vector<std::string> k_role_names = {"admin", "approver", "manager", "viewer", "none"};

}  // namespace

bool parse_host_port(const std::string& s, std::string& host, std::uint16_t& port) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size() || colon + 6 < s.size())
    return false;
  unsigned long p = 0;
  for (std::size_t i = colon + 1; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    p = p * 10 + static_cast<unsigned long>(s[i] - '0');
  }
  if (p > 65535) return false;
  host = s.substr(0, colon);
  port = static_cast<std::uint16_t>(p);
  return true;
}

namespace {

void parse_engine(const json_reader& e, engine_config& out) {
  if (auto listen = e.string("listen")) {
    if (!parse_host_port(*listen, out.listen_host, out.listen_port))
      e.error("listen", "must be \"HOST:PORT\" (port 0 to 65535), got \"" + *listen + "\"");
  }
  auto int_field = [&](const char* name, int& field, int lo, int hi) {
    if (auto v = e.integer(name, lo, hi)) field = static_cast<int>(*v);
  };
  int_field("schedulerThreads", out.scheduler_threads, 1, 64);
  if (auto v = e.one_of("schedulerPolicy", {"sharing", "stealing"})) out.scheduler_policy = *v;
  int_field("workers", out.workers, 1, 64);
  int_field("passivateAfterSeconds", out.passivate_after_seconds, 1, 86400);
  int_field("stopGraceSeconds", out.stop_grace_seconds, 1, 3600);
  int_field("maxFrameBytes", out.max_frame_bytes, 4096, 1 << 30);
  int_field("maxConnections", out.max_connections, 1, 65536);
  int_field("handshakeTimeoutSeconds", out.handshake_timeout_seconds, 1, 3600);
}

void parse_security(const json_reader& s, engine_config& out) {
  if (auto r = s.one_of("defaultRole", k_role_names)) parse_role(*r, out.default_role);
  if (auto a = s.boolean("requireApproval")) out.require_approval = *a;
  const nlohmann::json* roles = s.object("roles");
  if (!roles) return;
  for (auto& [who, r] : roles->items()) {
    role parsed;
    if (!r.is_string() || !parse_role(r.get<std::string>(), parsed))
      add_error(s.out(), pointer_append(s.at("roles"), who),
                "must be one of admin, approver, manager, viewer, none");
    else
      out.roles[who] = parsed;
  }
}

bool is_hex(const std::string& s) {
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// http(s)://HOST[:PORT][/PATH] without query, fragment, spaces, quotes or angle brackets.
bool valid_base_url(const std::string& u) {
  auto scheme = u.rfind("https://", 0) == 0 ? 8u : u.rfind("http://", 0) == 0 ? 7u : 0u;
  if (!scheme || u.size() == scheme || u[scheme] == '/') return false;
  for (char c : u)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F ||
        std::string_view("?#\"'<>\\`{}|^").find(c) != std::string_view::npos)
      return false;
  return true;
}

// LOCAL@DOMAIN whose local part leaves room for "+TOKEN" (46 characters) within 64.
bool valid_unsubscribe_mailto(const std::string& a) {
  auto at = a.find('@');
  if (at == std::string::npos || at == 0 || at > 17 || a.find('@', at + 1) != std::string::npos)
    return false;
  auto domain = a.substr(at + 1);
  if (domain.find('.') == std::string::npos || domain.front() == '.' || domain.back() == '.')
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
              (i < at && c == '_') || i == at;
    if (!ok) return false;
  }
  return true;
}

void parse_tracking(const nlohmann::json& t, tracking_config& out, problems& ps) {
  json_reader r(t, "/tracking", ps);
  if (!r.valid()) return;
  r.allow({"baseUrl", "secret", "unsubscribeMailto", "hooks"});
  if (auto url = r.string("baseUrl", true)) {
    while (!url->empty() && url->back() == '/') url->pop_back();
    if (!valid_base_url(*url))
      r.error("baseUrl",
              "must be an http:// or https:// URL without query or fragment, e.g. "
              "\"https://t.shop.example\" (where `batond --http` is reached)");
    else
      out.base_url = *url;
  }
  if (auto secret = r.string("secret", true)) {
    if (secret->size() < 64 || secret->size() % 2 || !is_hex(*secret))
      r.error("secret",
              "must be at least 64 hex digits (32 random bytes), e.g. `openssl rand -hex 32`");
    else
      out.secret = *secret;
  }
  if (auto mailto = r.string("unsubscribeMailto"); mailto && !mailto->empty()) {
    if (!valid_unsubscribe_mailto(*mailto))
      r.error("unsubscribeMailto",
              "must be an address LOCAL@DOMAIN with a local part of at most 17 letters, digits, "
              "`.`, `-` or `_` (mails go to LOCAL+TOKEN@DOMAIN, at most 64 before the @)");
    else
      out.unsubscribe_mailto = *mailto;
  }
  if (const auto* hooks = r.object("hooks")) {
    for (const auto& [name, hook] : hooks->items()) {
      std::string at = pointer_append(r.at("hooks"), name);
      if (name.empty() || name.size() > 64 ||
          name.find_first_not_of(
              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
              std::string::npos)
        ps.push_back({at, "a hook name may hold letters, digits, `_` and `-` only"});
      json_reader h(hook, at, ps);
      if (!h.valid()) continue;
      h.allow({"secret"});
      if (auto secret = h.string("secret", true)) out.hook_secrets[name] = *secret;
      h.finish();
    }
  }
  r.finish();
}

void parse_deliverability(const nlohmann::json& d, deliverability_config& out, problems& ps) {
  json_reader r(d, "/deliverability", ps);
  if (!r.valid()) return;
  r.allow({"suppressAfter", "fatigue"});
  if (const auto* s = r.object("suppressAfter")) {
    json_reader sr(*s, r.at("suppressAfter"), ps);
    sr.allow({"hard", "soft", "softDays"});
    auto& rules = out.suppress_after;
    rules.hard = static_cast<int>(sr.integer("hard", 1, 1000).value_or(rules.hard));
    rules.soft = static_cast<int>(sr.integer("soft", 1, 1000).value_or(rules.soft));
    rules.soft_days = static_cast<int>(sr.integer("softDays", 1, 3650).value_or(rules.soft_days));
    sr.finish();
  }
  if (const auto* f = r.array("fatigue")) {
    for (std::size_t i = 0; i < f->size(); ++i) {
      json_reader fr((*f)[i], pointer_append(r.at("fatigue"), i), ps);
      if (!fr.valid()) continue;
      fr.allow({"channel", "category", "max", "days"});
      fatigue_rule rule;
      auto channel = fr.one_of("channel", {"email", "sms", "push"}, true);
      auto category = fr.one_of("category", {"marketing"});
      auto max = fr.integer("max", 1, 100000, true);
      auto days = fr.integer("days", 1, 3650, true);
      fr.finish();
      if (!channel || !max || !days) continue;
      rule.channel = *channel;
      rule.category = category.value_or("marketing");
      rule.max = static_cast<int>(*max);
      rule.days = static_cast<int>(*days);
      out.fatigue.push_back(rule);
    }
  }
  r.finish();
}

void parse_data(const json_reader& d, engine_config& out) {
  if (auto url = d.string("url")) {
    bool known = url->empty() || url->rfind("sqlite:", 0) == 0 ||
                 url->rfind("postgresql://", 0) == 0 || url->rfind("postgres://", 0) == 0;
    if (!known)
      d.error("url", "unsupported data URL `" + *url +
                         "`: use \"\" (SQLite in the data dir), sqlite:PATH or postgresql://...");
    else
      out.data_url = *url;
  }
  if (auto dir = d.string("importDir")) out.import_dir = *dir;
}

// Runs `parse` over the object member `key` of `top` when it is there, then reports the members
// of that object that are not in `allowed`.
template <class F>
void section(const json_reader& top, const char* key, std::initializer_list<const char*> allowed,
             F parse) {
  const nlohmann::json* j = top.member(key);
  if (!j) return;
  json_reader r(*j, top.at(key), top.out());
  if (!r.valid()) return;
  r.allow(allowed);
  parse(r);
  r.finish();
}

}  // namespace

problems parse_config(const std::string& text, engine_config& out) {
  problems ps;
  auto doc = parse_json_text(text, ps);
  if (!doc) return ps;
  json_reader top(*doc, "", ps);
  if (!top.valid()) return ps;
  top.allow({"engine", "security", "data", "channels", "retention", "tracking", "deliverability",
             "http"});
  section(top, "engine",
          {"listen", "schedulerThreads", "schedulerPolicy", "workers", "passivateAfterSeconds",
           "stopGraceSeconds", "maxFrameBytes", "maxConnections", "handshakeTimeoutSeconds"},
          [&](const json_reader& r) { parse_engine(r, out); });
  section(top, "security", {"defaultRole", "roles", "requireApproval"},
          [&](const json_reader& r) { parse_security(r, out); });
  section(top, "data", {"url", "importDir"}, [&](const json_reader& r) { parse_data(r, out); });
  section(top, "retention", {"logsDays"}, [&](const json_reader& r) {
    if (auto d = r.integer("logsDays", 1, 36500)) out.log_retention_days = static_cast<int>(*d);
  });
  section(top, "http", {"heartbeatSeconds"}, [&](const json_reader& r) {
    if (auto s = r.integer("heartbeatSeconds", 1, 3600))
      out.http_heartbeat_seconds = static_cast<int>(*s);
  });
  if (const nlohmann::json* ch = top.object("channels")) out.channels = *ch;
  if (const nlohmann::json* t = top.member("tracking")) parse_tracking(*t, out.tracking, ps);
  if (const nlohmann::json* d = top.member("deliverability"))
    parse_deliverability(*d, out.deliverability, ps);
  top.finish();
  return ps;
}

}  // namespace baton
