#include "model/config.hpp"

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

std::string default_config_json() {
  nlohmann::json j = {{"engine",
                       {{"listen", "127.0.0.1:4242"},
                        {"schedulerThreads", 2},
                        {"schedulerPolicy", "sharing"},
                        {"workers", 2},
                        {"passivateAfterSeconds", 60},
                        {"stopGraceSeconds", 30}}},
                      {"security", {{"defaultRole", "admin"}, {"roles", nlohmann::json::object()}}},
                      {"data", {{"url", ""}, {"importDir", ""}}},
                      {"channels",
                       {{"email", {{"connector", "file"}}},
                        {"sms", {{"connector", "file"}}},
                        {"push", {{"connector", "file"}}}}},
                      {"retention", {{"logsDays", 30}}}};
  return j.dump(2) + "\n";
}

namespace {

const std::vector<std::string> k_role_names = {"admin", "approver", "manager", "viewer"};

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
}

void parse_security(const json_reader& s, engine_config& out) {
  if (auto r = s.one_of("defaultRole", k_role_names)) parse_role(*r, out.default_role);
  const nlohmann::json* roles = s.object("roles");
  if (!roles) return;
  for (auto& [who, r] : roles->items()) {
    role parsed;
    if (!r.is_string() || !parse_role(r.get<std::string>(), parsed))
      add_error(s.out(), pointer_append(s.at("roles"), who),
                "must be one of admin, approver, manager, viewer");
    else
      out.roles[who] = parsed;
  }
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
  top.allow({"engine", "security", "data", "channels", "retention"});
  section(top, "engine",
          {"listen", "schedulerThreads", "schedulerPolicy", "workers", "passivateAfterSeconds",
           "stopGraceSeconds"},
          [&](const json_reader& r) { parse_engine(r, out); });
  section(top, "security", {"defaultRole", "roles"},
          [&](const json_reader& r) { parse_security(r, out); });
  section(top, "data", {"url", "importDir"}, [&](const json_reader& r) { parse_data(r, out); });
  section(top, "retention", {"logsDays"}, [&](const json_reader& r) {
    if (auto d = r.integer("logsDays", 1, 36500)) out.log_retention_days = static_cast<int>(*d);
  });
  if (const nlohmann::json* ch = top.object("channels")) out.channels = *ch;
  top.finish();
  return ps;
}

}  // namespace baton
