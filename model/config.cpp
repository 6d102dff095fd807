#include "model/config.hpp"

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
  for (auto& [k, v] : j.items())
    if (k != "engine" && k != "security" && k != "data" && k != "channels" && k != "retention")
      ps.push_back({pointer_append("", k), "unknown member"});
  return ps;
}

}  // namespace baton
