#include "model/config.hpp"

#include <cctype>
#include <string_view>

#include "model/json_reader.hpp"

namespace baton {

const char* to_string(role r) {
  switch (r) {
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
  for (role r : {role::viewer, role::manager, role::approver, role::admin})
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

std::string default_config_json(const std::string& tracking_secret) {
  nlohmann::json j = {{"engine",
                       {{"listen", "127.0.0.1:4242"},
                        {"schedulerThreads", 2},
                        {"schedulerPolicy", "sharing"},
                        {"workers", 2},
                        {"passivateAfterSeconds", 60},
                        {"stopGraceSeconds", 30},
                        {"maxFrameBytes", 4 << 20},
                        {"maxConnections", 256},
                        {"handshakeTimeoutSeconds", 10}}},
                      {"security", {{"defaultRole", "admin"}, {"roles", nlohmann::json::object()}}},
                      {"data", {{"url", ""}, {"importDir", ""}}},
                      {"channels",
                       {{"email", {{"connector", "file"}}},
                        {"sms", {{"connector", "file"}}},
                        {"push", {{"connector", "file"}}}}},
                      {"retention", {{"logsDays", 30}}},
                      {"deliverability",
                       {{"suppressAfter", {{"hard", 1}, {"soft", 3}, {"softDays", 7}}},
                        {"fatigue", nlohmann::json::array()}}}};
  if (!tracking_secret.empty())
    j["tracking"] = {{"baseUrl", "http://127.0.0.1:8080"},
                     {"secret", tracking_secret},
                     {"unsubscribeMailto", ""},
                     {"hooks", nlohmann::json::object()}};
  return j.dump(2) + "\n";
}

namespace {

void parse_engine(const nlohmann::json& e, engine_config& out, problems& ps) {
  if (!e.is_object()) {
    ps.push_back({"/engine", "must be an object"});
    return;
  }
  if (e.contains("listen")) {
    auto s = e["listen"].is_string() ? e["listen"].get<std::string>() : "";
    auto colon = s.rfind(':');
    int port = -1;
    if (colon != std::string::npos) {
      try {
        port = std::stoi(s.substr(colon + 1));
      } catch (const std::exception&) {
      }
    }
    if (colon == std::string::npos || colon == 0 || port <= 0 || port > 65535)
      ps.push_back({"/engine/listen", "must be \"HOST:PORT\""});
    else {
      out.listen_host = s.substr(0, colon);
      out.listen_port = static_cast<std::uint16_t>(port);
    }
  }
  auto int_field = [&](const char* name, int& field, int lo, int hi) {
    if (!e.contains(name)) return;
    if (!e[name].is_number_integer() || e[name].get<int>() < lo || e[name].get<int>() > hi)
      ps.push_back({std::string("/engine/") + name,
                    "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi)});
    else
      field = e[name].get<int>();
  };
  int_field("schedulerThreads", out.scheduler_threads, 1, 64);
  if (e.contains("schedulerPolicy")) {
    auto& v = e["schedulerPolicy"];
    if (v != "sharing" && v != "stealing")
      ps.push_back({"/engine/schedulerPolicy", "must be \"sharing\" or \"stealing\""});
    else
      out.scheduler_policy = v.get<std::string>();
  }
  int_field("workers", out.workers, 1, 64);
  int_field("passivateAfterSeconds", out.passivate_after_seconds, 1, 86400);
  int_field("stopGraceSeconds", out.stop_grace_seconds, 1, 3600);
  int_field("maxFrameBytes", out.max_frame_bytes, 4096, 1 << 30);
  int_field("maxConnections", out.max_connections, 1, 65536);
  int_field("handshakeTimeoutSeconds", out.handshake_timeout_seconds, 1, 3600);
}

void parse_security(const nlohmann::json& s, engine_config& out, problems& ps) {
  if (s.contains("defaultRole") &&
      (!s["defaultRole"].is_string() ||
       !parse_role(s["defaultRole"].get<std::string>(), out.default_role)))
    ps.push_back({"/security/defaultRole", "must be one of admin, approver, manager, viewer"});
  if (!s.contains("roles")) return;
  if (!s["roles"].is_object()) {
    ps.push_back({"/security/roles", "must be an object of identity: role"});
    return;
  }
  for (auto& [who, r] : s["roles"].items()) {
    role parsed;
    if (!r.is_string() || !parse_role(r.get<std::string>(), parsed))
      ps.push_back({pointer_append("/security/roles", who),
                    "must be one of admin, approver, manager, viewer"});
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

}  // namespace

problems parse_config(const std::string& text, engine_config& out) {
  problems ps;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    ps.push_back({"", "config is not a JSON object"});
    return ps;
  }
  if (j.contains("engine")) parse_engine(j["engine"], out, ps);
  if (j.contains("security")) parse_security(j["security"], out, ps);
  if (j.contains("data")) {
    if (j["data"].contains("url") && j["data"]["url"].is_string())
      out.data_url = j["data"]["url"];
    else if (j["data"].contains("url"))
      ps.push_back({"/data/url", "must be a string"});
  }
  if (j.contains("channels")) out.channels = j["channels"];
  if (j.contains("retention") && j["retention"].contains("logsDays")) {
    auto& d = j["retention"]["logsDays"];
    if (!d.is_number_integer() || d.get<int>() < 1)
      ps.push_back({"/retention/logsDays", "must be a positive integer"});
    else
      out.log_retention_days = d.get<int>();
  }
  if (j.contains("tracking")) parse_tracking(j["tracking"], out.tracking, ps);
  if (j.contains("deliverability"))
    parse_deliverability(j["deliverability"], out.deliverability, ps);
  for (auto& [k, v] : j.items())
    if (k != "engine" && k != "security" && k != "data" && k != "channels" && k != "retention" &&
        k != "tracking" && k != "deliverability")
      ps.push_back({pointer_append("", k), "unknown member"});
  return ps;
}

}  // namespace baton
