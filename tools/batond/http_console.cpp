#include "tools/batond/http_console.hpp"

#include <httplib.h>

#include "channels/link_rewrite.hpp"
#include "tools/batond/console_assets.hpp"

namespace baton {

namespace {

const char* k_html = "text/html; charset=utf-8";
const std::string k_id = "([A-Za-z0-9_.-]{1,64})";

// No inline script or style anywhere: the policy allows only batond's own files.
void secure_headers(httplib::Response& res) {
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                 "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "same-origin");
  res.set_header("Cache-Control", "no-store");
}

std::string esc(const std::string& s) {
  return channels::html_escape(s);
}

std::string head(const std::string& title, const std::string& meta) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
         meta + "<title>" + esc(title) +
         " · Baton</title><link rel=\"stylesheet\" href=\"/assets/console.css\"></head>";
}

// A page of the console for a signed-in session: the app shell the page's script fills.
std::string app_page(const http_session& s, const std::string& role, const std::string& page,
                     const std::string& title, const std::string& campaign) {
  std::string meta = "<meta name=\"csrf-token\" content=\"" + esc(s.csrf) +
                     "\"><meta name=\"baton-user\" content=\"" + esc(s.user) +
                     "\"><meta name=\"baton-role\" content=\"" + esc(role) + "\">";
  return head(title, meta) + "<body data-page=\"" + page + "\" data-campaign=\"" + esc(campaign) +
         "\"><header class=\"top\"><a class=\"brand\" href=\"/\">Baton</a>"
         "<nav><a href=\"/\">Campaigns</a><a href=\"/events\">Events</a></nav>"
         "<span class=\"who\">" +
         esc(s.user) + " (" + esc(role) +
         ")</span><form method=\"post\" action=\"/signout\"><input type=\"hidden\" "
         "name=\"csrf\" value=\"" +
         esc(s.csrf) +
         "\"><button type=\"submit\">Sign out</button></form></header>"
         "<main id=\"app\"><p class=\"muted\">Loading…</p></main>"
         "<script src=\"/assets/console.js\"></script><script src=\"/assets/" +
         page + ".js\"></script></body></html>\n";
}

std::string signin_page(const std::string& problem) {
  return head("Sign in", "") +
         "<body class=\"signin\"><main><h1>Baton</h1><p>Sign in with your API token "
         "(<code>batonctl user token NAME</code>).</p>" +
         (problem.empty() ? "" : "<p class=\"error\" role=\"alert\">" + esc(problem) + "</p>") +
         "<form method=\"post\" action=\"/signin\"><label>API token <input type=\"password\" "
         "name=\"token\" id=\"token\" autocomplete=\"off\" required autofocus></label>"
         "<button type=\"submit\" id=\"signin\">Sign in</button></form></main></body></html>\n";
}

// A state change from a form must come from a page of this origin (a login CSRF otherwise).
bool same_origin(const httplib::Request& req) {
  auto origin = req.get_header_value("Origin");
  if (!req.has_header("Origin")) return true;  // not a browser's cross-site form
  auto host = req.get_header_value("Host");
  return origin == "http://" + host || origin == "https://" + host;
}

void redirect(httplib::Response& res, const std::string& to) {
  res.status = 303;
  res.set_header("Location", to);
}

void serve_page(http_api_context& c, const httplib::Request& req, httplib::Response& res,
                const std::string& page, const std::string& title) {
  secure_headers(res);
  auto s = c.door->session(session_cookie(req));
  if (!s) return redirect(res, "/signin");
  std::string campaign = req.matches.size() > 1 ? req.matches[1].str() : "";
  res.set_content(app_page(*s, to_string(c.door->role_of(s->user)), page, title, campaign), k_html);
}

void route_sign_in(httplib::Server& s, std::shared_ptr<http_api_context> c) {
  s.Get("/signin", [c](const httplib::Request& req, httplib::Response& res) {
    secure_headers(res);
    if (c->door->session(session_cookie(req))) return redirect(res, "/");
    res.set_content(signin_page(""), k_html);
  });
  s.Post("/signin", [c](const httplib::Request& req, httplib::Response& res) {
    secure_headers(res);
    if (!same_origin(req)) {
      res.status = 403;
      return res.set_content(signin_page("Sign in from this console's own page."), k_html);
    }
    auto session = c->door->sign_in(req.get_param_value("token"), req.remote_addr);
    if (!session) {
      res.status = 401;
      return res.set_content(signin_page(session.err().what), k_html);
    }
    res.set_header("Set-Cookie", "baton_session=" + session->id +
                                     "; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200" +
                                     (c->https ? "; Secure" : ""));
    redirect(res, "/");
  });
  s.Post("/signout", [c](const httplib::Request& req, httplib::Response& res) {
    secure_headers(res);
    auto id = session_cookie(req);
    auto session = c->door->session(id);
    if (session && same_origin(req) && req.get_param_value("csrf") == session->csrf)
      c->door->sign_out(id);
    else if (session)
      return send_error(res, make_error(errc::refused, "csrf", "sign out from the console page"));
    res.set_header("Set-Cookie", std::string("baton_session=; Path=/; HttpOnly; SameSite=Strict; "
                                             "Max-Age=0") +
                                     (c->https ? "; Secure" : ""));
    redirect(res, "/signin");
  });
}

const char* content_type(std::string_view name) {
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

}  // namespace

void route_console(httplib::Server& s, std::shared_ptr<http_api_context> c) {
  route_sign_in(s, c);
  s.Get("/", [c](const httplib::Request& req, httplib::Response& res) {
    serve_page(*c, req, res, "list", "Campaigns");
  });
  s.Get("/campaigns/" + k_id, [c](const httplib::Request& req, httplib::Response& res) {
    serve_page(*c, req, res, "canvas", "Campaign");
  });
  s.Get("/campaigns/" + k_id + "/report", [c](const httplib::Request& req, httplib::Response& res) {
    serve_page(*c, req, res, "report", "Report");
  });
  s.Get("/events", [c](const httplib::Request& req, httplib::Response& res) {
    serve_page(*c, req, res, "events", "Events");
  });
  // The assets hold no data: the sign-in page needs its style before any session.
  s.Get("/assets/([A-Za-z0-9_.-]{1,64})", [](const httplib::Request& req, httplib::Response& res) {
    for (auto& a : console_assets())
      if (a.name == req.matches[1].str()) {
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_header("Cache-Control", "no-cache");
        return res.set_content(std::string(a.bytes), content_type(a.name));
      }
    res.status = 404;
  });
}

}  // namespace baton
