#include "tools/batond/http_api.hpp"

#include <sodium.h>

#include <set>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "actors/gate.hpp"
#include "model/json_parse.hpp"
#include "model/security.hpp"
#include "tools/batond/http_parse.hpp"

namespace baton {

namespace {

const char* k_json = "application/json";

int http_status(const error& e) {
  switch (e.code) {
    case errc::validation:
      return 400;
    case errc::refused:
      if (e.where == "auth") return 401;
      return e.where == "permission" || e.where == "csrf" ? 403 : 409;
    case errc::not_found:
      return 404;
    case errc::conflict:
      return 409;
    case errc::unavailable:
    case errc::timeout:
      return 503;
    default:
      return 500;
  }
}

// "/activities/0/id: is required" -> {"where": "/activities/0/id", "what": "is required"}.
nlohmann::json problem_json(const std::string& line) {
  auto colon = line.find(": ");
  if (colon == std::string::npos || line.empty() || line[0] != '/')
    return {{"where", ""}, {"what", line}};
  return {{"where", line.substr(0, colon)}, {"what", line.substr(colon + 2)}};
}

std::string random_id() {
  unsigned char b[12];
  randombytes_buf(b, sizeof b);
  char out[sizeof b * 2 + 1];
  sodium_bin2hex(out, sizeof out, b, sizeof b);
  return std::string("http-") + out;
}

result<std::string> call(http_api_context& c, api_command cmd) {
  caf::scoped_actor self{*c.sys};
  result<std::string> out = make_error(errc::unavailable, "engine", "no answer");
  self->request(c.api, std::chrono::minutes(5), command_atom::value, std::move(cmd))
      .receive([&](std::string& r) { out = std::move(r); },
               [&](caf::error& e) { out = from_caf(e); });
  return out;
}

// Runs `cmd` as the request's identity and answers with the engine's JSON reply.
void run(http_api_context& c, const httplib::Request& req, httplib::Response& res, api_command cmd,
         bool changes_state, int ok_status = 200) {
  auto user = identify(c, req, changes_state);
  if (!user) return send_error(res, user.err());
  cmd.actor = user.value();
  cmd.command_id =
      req.has_header("Idempotency-Key") ? req.get_header_value("Idempotency-Key") : random_id();
  auto r = call(c, std::move(cmd));
  if (!r) return send_error(res, r.err());
  res.status = ok_status;
  res.set_content(r.value() + "\n", k_json);
}

// The verbs POST /api/v1/campaigns/{id}/{verb} runs (batonctl campaign VERB ID).
const std::set<std::string>& lifecycle_verbs() {
  static const std::set<std::string> verbs = {
      "publish", "test",          "start",   "pause",  "resume",    "stop",
      "close",   "back-to-draft", "archive", "delete", "duplicate", "confirm",
      "trigger", "submit",        "approve", "reject", "proof"};
  return verbs;
}

const std::string k_id = http::k_segment;

void route_campaigns(httplib::Server& s, std::shared_ptr<http_api_context> c) {
  s.Get("/api/v1/campaigns", [c](const httplib::Request& req, httplib::Response& res) {
    api_command cmd{"list", "", "", "", "", {}};
    if (req.has_param("status")) cmd.args["status"] = req.get_param_value("status");
    run(*c, req, res, std::move(cmd), false);
  });
  // The campaign JSON, or ?template=NAME[&version=N][&name=TEXT] (campaign create
  // --from-template) with no body.
  s.Post("/api/v1/campaigns", [c](const httplib::Request& req, httplib::Response& res) {
    api_command cmd{"create", "", "", "", req.body, {}};
    for (auto* k : {"template", "version", "name"})
      if (req.has_param(k)) cmd.args[k] = req.get_param_value(k);
    if (cmd.args.count("template")) cmd.body.clear();
    run(*c, req, res, std::move(cmd), true, 201);
  });
  s.Post("/api/v1/validate", [c](const httplib::Request& req, httplib::Response& res) {
    run(*c, req, res, {"validate", "", "", "", req.body, {}}, true);
  });
  s.Get("/api/v1/campaigns/" + k_id, [c](const httplib::Request& req, httplib::Response& res) {
    run(*c, req, res, {"show", req.matches[1].str(), "", "", "", {}}, false);
  });
  s.Put("/api/v1/campaigns/" + k_id, [c](const httplib::Request& req, httplib::Response& res) {
    run(*c, req, res, {"update", req.matches[1].str(), "", "", req.body, {}}, true);
  });
  s.Get("/api/v1/campaigns/" + k_id + "/report",
        [c](const httplib::Request& req, httplib::Response& res) {
          api_command cmd{"report", req.matches[1].str(), "", "", "", {}};
          if (req.has_param("activity")) cmd.args["activity"] = req.get_param_value("activity");
          run(*c, req, res, std::move(cmd), false);
        });
  s.Get("/api/v1/campaigns/" + k_id + "/graph",
        [c](const httplib::Request& req, httplib::Response& res) {
          api_command cmd{"graph", req.matches[1].str(), "", "", "", {{"format", "json"}}};
          if (req.has_param("run")) cmd.args["run"] = req.get_param_value("run");
          if (req.has_param("format")) cmd.args["format"] = req.get_param_value("format");
          run(*c, req, res, std::move(cmd), false);
        });
  s.Get("/api/v1/campaigns/" + k_id + "/versions",
        [c](const httplib::Request& req, httplib::Response& res) {
          run(*c, req, res, {"versions", req.matches[1].str(), "", "", "", {}}, false);
        });
  s.Get("/api/v1/campaigns/" + k_id + "/diff",
        [c](const httplib::Request& req, httplib::Response& res) {
          api_command cmd{"diff", req.matches[1].str(), "", "", "", {}};
          for (auto* k : {"from", "to"}) {
            if (!req.has_param(k))
              return send_error(
                  res, make_error(errc::validation, k,
                                  std::string("needs ?from=V1&to=V2 (") + k + " is missing)"));
            cmd.args[k] = req.get_param_value(k);
          }
          run(*c, req, res, std::move(cmd), false);
        });
  // campaign edit ID FILE.json: the body is the new definition.
  s.Post("/api/v1/campaigns/" + k_id + "/edit",
         [c](const httplib::Request& req, httplib::Response& res) {
           run(*c, req, res, {"edit", req.matches[1].str(), "", "", req.body, {}}, true);
         });
  s.Post("/api/v1/campaigns/" + k_id + "/" + http::k_verb, [c](const httplib::Request& req,
                                                               httplib::Response& res) {
    auto verb = req.matches[2].str();
    if (!lifecycle_verbs().count(verb))
      return send_error(res, make_error(errc::not_found, req.path,
                                        "no such verb '" + verb + "' (see docs/openapi.yaml)"));
    auto args = http::parse_verb_body(req.body, c->max_body);
    if (!args) return send_error(res, args.err());
    run(*c, req, res, {verb, req.matches[1].str(), "", "", args->body, args->args}, true,
        verb == "duplicate" ? 201 : 200);
  });
}

void route_misc(httplib::Server& s, std::shared_ptr<http_api_context> c) {
  s.Get("/api/v1/me", [c](const httplib::Request& req, httplib::Response& res) {
    auto user = identify(*c, req, false);
    if (!user) return send_error(res, user.err());
    nlohmann::json j{{"user", user.value()}, {"role", to_string(c->door->role_of(user.value()))}};
    res.set_content(j.dump() + "\n", k_json);
  });
  s.Get("/api/v1/users", [c](const httplib::Request& req, httplib::Response& res) {
    run(*c, req, res, {"user-list", "", "", "", "", {}}, false);
  });
  // user add NAME --role R: {"name", "role"}; the reply carries the new token, once.
  s.Post("/api/v1/users", [c](const httplib::Request& req, httplib::Response& res) {
    auto a = http::parse_verb_body(req.body, c->max_body);
    if (!a) return send_error(res, a.err());
    run(*c, req, res, {"user-add", "", "", "", "", a->args}, true, 201);
  });
  s.Post("/api/v1/users/" + k_id + "/tokens", [c](const httplib::Request& req,
                                                  httplib::Response& res) {
    run(*c, req, res, {"user-token", "", "", "", "", {{"name", req.matches[1].str()}}}, true, 201);
  });
  s.Delete("/api/v1/users/" + k_id + "/tokens/" + k_id,
           [c](const httplib::Request& req, httplib::Response& res) {
             run(*c, req, res,
                 {"user-revoke",
                  "",
                  "",
                  "",
                  "",
                  {{"name", req.matches[1].str()}, {"tokenId", req.matches[2].str()}}},
                 true);
           });
  s.Delete("/api/v1/users/" + k_id, [c](const httplib::Request& req, httplib::Response& res) {
    run(*c, req, res, {"user-remove", "", "", "", "", {{"name", req.matches[1].str()}}}, true);
  });
  s.Get("/api/v1/templates", [c](const httplib::Request& req, httplib::Response& res) {
    run(*c, req, res, {"template-list", "", "", "", "", {}}, false);
  });
  // template save ID NAME: {"campaign": ID, "name": NAME}.
  s.Post("/api/v1/templates", [c](const httplib::Request& req, httplib::Response& res) {
    auto a = http::parse_verb_body(req.body, c->max_body);
    if (!a) return send_error(res, a.err());
    for (auto* k : {"campaign", "name"})
      if (!a->args.count(k) || a->args[k].empty())
        return send_error(res, make_error(errc::validation, std::string("/") + k, "is required"));
    auto campaign = a->args["campaign"];
    run(*c, req, res, {"template-save", campaign, "", "", "", {{"name", a->args["name"]}}}, true,
        201);
  });
  s.Get("/api/v1/templates/" + k_id, [c](const httplib::Request& req, httplib::Response& res) {
    api_command cmd{"template-show", "", "", "", "", {{"name", req.matches[1].str()}}};
    if (req.has_param("version")) cmd.args["version"] = req.get_param_value("version");
    run(*c, req, res, std::move(cmd), false);
  });
  // feedback load FILE.csv: the CSV text is the body.
  s.Post("/api/v1/feedback", [c](const httplib::Request& req, httplib::Response& res) {
    run(*c, req, res, {"feedback", "", "", "", req.body, {}}, true);
  });
  // backup DIR: {"dir": DIR}, a directory on batond's machine.
  s.Post("/api/v1/backup", [c](const httplib::Request& req, httplib::Response& res) {
    auto a = http::parse_verb_body(req.body, c->max_body);
    if (!a) return send_error(res, a.err());
    run(*c, req, res, {"backup", "", "", "", "", a->args}, true);
  });
  route_data_api(s, c);
  auto unknown = [](const httplib::Request& req, httplib::Response& res) {
    send_error(res, make_error(errc::not_found, req.path,
                               "no such API path (docs/openapi.yaml lists them)"));
  };
  s.Get("/api/v1/.*", unknown);
  s.Post("/api/v1/.*", unknown);
  s.Put("/api/v1/.*", unknown);
  s.Delete("/api/v1/.*", unknown);
}

}  // namespace

std::string session_cookie(const httplib::Request& req) {
  auto cookies = req.get_header_value("Cookie");
  const std::string name = "baton_session=";
  for (std::size_t at = 0; at < cookies.size();) {
    auto end = cookies.find(';', at);
    if (end == std::string::npos) end = cookies.size();
    auto part = cookies.substr(at, end - at);
    auto b = part.find_first_not_of(' ');
    if (b != std::string::npos && part.compare(b, name.size(), name) == 0)
      return part.substr(b + name.size());
    at = end + 1;
  }
  return "";
}

result<std::string> identify(http_api_context& c, const httplib::Request& req, bool changes_state) {
  auto auth = req.get_header_value("Authorization");
  if (auth.rfind("Bearer ", 0) == 0 || auth.rfind("bearer ", 0) == 0)
    return c.door->user_of_token(auth.substr(7), req.remote_addr);
  auto id = session_cookie(req);
  if (id.empty() || !auth.empty()) return c.door->user_of_token("", req.remote_addr);
  auto s = c.door->session(id);
  if (!s) return auth_error();
  if (changes_state) {
    auto given = req.get_header_value("X-CSRF-Token");
    if (given.size() != s->csrf.size() ||
        sodium_memcmp(given.data(), s->csrf.data(), given.size()) != 0)
      return make_error(errc::refused, "csrf",
                        "a change made with the console's session needs the X-CSRF-Token header "
                        "of the page (reload the page)");
  }
  return s->user;
}

void send_error(httplib::Response& res, const error& e) {
  nlohmann::json err{{"where", e.where}, {"what", e.what}};
  if (e.code == errc::validation && e.where.empty()) {
    nlohmann::json all = nlohmann::json::array();
    std::size_t at = 0;
    while (at <= e.what.size()) {
      auto end = e.what.find('\n', at);
      if (end == std::string::npos) end = e.what.size();
      if (end > at) all.push_back(problem_json(e.what.substr(at, end - at)));
      at = end + 1;
    }
    if (!all.empty()) err = all[0];
    err["problems"] = all;
  }
  res.status = http_status(e);
  if (res.status == 401) res.set_header("WWW-Authenticate", "Bearer realm=\"baton\"");
  res.set_content(nlohmann::json{{"error", err}}.dump() + "\n", k_json);
}

std::optional<error> refuse_unless(http_api_context& c, const std::string& user, role needed,
                                   const std::string& typed, const std::string& campaign) {
  auto r = c.door->role_of(user);
  if (r >= needed) return std::nullopt;
  c.door->record_refusal(user, typed, campaign);
  return make_error(errc::refused, "permission", user + " (" + to_string(r) + ") may not " + typed);
}

void route_api(httplib::Server& s, std::shared_ptr<http_api_context> c) {
  route_campaigns(s, c);
  route_event_api(s, c);
  route_misc(s, c);
}

}  // namespace baton
