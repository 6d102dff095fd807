#include "tools/batond/http_listener.hpp"

#include "channels/link_rewrite.hpp"
#include "tools/batond/http_api.hpp"
#include "tools/batond/http_console.hpp"

#include <unistd.h>

#include <limits>
#include <string_view>
#include <thread>

#include <httplib.h>

namespace baton {

namespace {

using channels::token_kind;

// The smallest transparent GIF (1x1).
const char k_pixel[] = {'G', 'I', 'F', '8', '9', 'a',    1,      0,      1,   0,      '\x80',
                        0,   0,   0,   0,   0,   '\xff', '\xff', '\xff', '!', '\xf9', 4,
                        1,   0,   0,   0,   0,   ',',    0,      0,      0,   0,      1,
                        0,   1,   0,   0,   2,   2,      'D',    1,      0,   ';'};

std::string page(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title +
         "</title></head><body>" + body + "</body></html>\n";
}

void not_found(httplib::Response& res) {
  res.status = 404;
  res.set_content("not found\n", "text/plain");
}

bool safe_location(const std::string& url) {
  for (unsigned char c : url)
    if (c < 0x20 || c == 0x7f) return false;
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0 ||
         url.rfind("HTTP://", 0) == 0 || url.rfind("HTTPS://", 0) == 0;
}

void store_failed(httplib::Response& res) {
  res.status = 503;
  res.set_content("not recorded: try again\n", "text/plain");
}

}  // namespace

struct http_listener::impl {
  std::unique_ptr<httplib::Server> server;  // an httplib::SSLServer with TLS
  std::shared_ptr<tracking_service> service;
  std::thread thread;
  int port = 0;
};

namespace {

void click(tracking_service& t, std::string_view token, httplib::Response& res) {
  auto hit = t.resolve(token_kind::click, token);
  if (!hit || !safe_location(hit->redirect)) return not_found(res);
  if (!t.record(*hit)) return store_failed(res);
  res.status = 302;
  res.set_header("Location", hit->redirect);
  res.set_header("Cache-Control", "no-store");
}

void open_pixel(tracking_service& t, std::string_view token, httplib::Response& res) {
  auto hit = t.resolve(token_kind::open, token);
  if (!hit) return not_found(res);
  if (!t.record(*hit)) return store_failed(res);
  res.set_header("Cache-Control", "no-store");
  res.set_content(std::string(k_pixel, sizeof k_pixel), "image/gif");
}

// The token of `path` when it is `prefix` and then what the route "([A-Za-z0-9_-]{1,128})"
// matches, else an empty view.
std::string_view token_of(const std::string& path, std::string_view prefix) {
  if (path.size() <= prefix.size() || path.size() > prefix.size() + 128 ||
      path.compare(0, prefix.size(), prefix) != 0)
    return {};
  std::string_view token(path);
  token.remove_prefix(prefix.size());
  for (char c : token)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-'))
      return {};
  return token;
}

void route(httplib::Server& s, tracking_service& t) {
  // Click redirects and open pixels, the paths hit most, are answered before cpp-httplib
  // matches the request against each route's std::regex in turn (GET and HEAD without a body,
  // as those routes would); anything else goes on to the routes.
  s.set_pre_routing_handler([&t](const httplib::Request& req, httplib::Response& res) {
    using outcome = httplib::Server::HandlerResponse;
    if ((req.method != "GET" && req.method != "HEAD") || req.has_header("Content-Length") ||
        req.has_header("Transfer-Encoding"))
      return outcome::Unhandled;
    if (auto token = token_of(req.path, "/t/c/"); !token.empty()) {
      click(t, token, res);
      return outcome::Handled;
    }
    if (auto token = token_of(req.path, "/t/o/"); !token.empty()) {
      open_pixel(t, token, res);
      return outcome::Handled;
    }
    return outcome::Unhandled;
  });
  const std::string tok = "([A-Za-z0-9_-]{1,128})";
  s.Get("/t/c/" + tok, [&t](const httplib::Request& req, httplib::Response& res) {
    click(t, req.matches[1].str(), res);
  });
  s.Get("/t/o/" + tok, [&t](const httplib::Request& req, httplib::Response& res) {
    open_pixel(t, req.matches[1].str(), res);
  });
  // GET only shows the page: prefetchers and link scanners never unsubscribe anyone.
  s.Get("/t/u/" + tok, [&t](const httplib::Request& req, httplib::Response& res) {
    auto hit = t.resolve(token_kind::unsubscribe, req.matches[1].str());
    if (!hit) return not_found(res);
    res.set_content(
        page("Unsubscribe",
             "<p>Do you want to stop receiving these messages?</p><form method=\"post\">"
             "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
             "<button type=\"submit\">Unsubscribe</button></form>"),
        "text/html; charset=utf-8");
  });
  s.Post("/t/u/" + tok, [&t](const httplib::Request& req, httplib::Response& res) {
    auto hit = t.resolve(token_kind::unsubscribe, req.matches[1].str());
    if (!hit) return not_found(res);
    if (!t.record(*hit)) return store_failed(res);
    res.set_content(page("Unsubscribed", "<p>You are unsubscribed.</p>"),
                    "text/html; charset=utf-8");
  });
  s.Get("/t/v/" + tok, [&t](const httplib::Request& req, httplib::Response& res) {
    auto hit = t.resolve(token_kind::view, req.matches[1].str());
    if (!hit) return not_found(res);
    bool html = hit->view.find('<') != std::string::npos;
    res.set_content(
        html ? hit->view
             : page("Message", "<pre>" + baton::channels::html_escape(hit->view) + "</pre>"),
        "text/html; charset=utf-8");
  });
  s.Post("/t/hooks/([A-Za-z0-9_.-]{1,64})", [&t](const httplib::Request& req,
                                                 httplib::Response& res) {
    auto a = t.webhook(req.matches[1].str(), req.get_header_value("X-Baton-Signature"), req.body);
    res.status = a.status;
    res.set_content(a.body + "\n", "application/json");
  });
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) res.set_content("not found\n", "text/plain");
  });
}

}  // namespace

http_listener::http_listener(std::unique_ptr<impl> p) : p_(std::move(p)) {}

http_listener::~http_listener() {
  stop();
}

void http_listener::stop() {
  if (!p_ || !p_->thread.joinable()) return;
  p_->server->stop();
  p_->thread.join();
}

std::uint16_t http_listener::port() const {
  return static_cast<std::uint16_t>(p_->port);
}

result<std::unique_ptr<http_listener>> http_listener::start(
    const std::string& host, std::uint16_t port, std::shared_ptr<tracking_service> service,
    std::function<void(httplib::Server&)> more_routes, const http_tls_files& tls) {
  auto p = std::make_unique<impl>();
  p->service = std::move(service);
  if (tls.enabled()) {
    if (auto st = check_http_tls(tls); !st) return st.err();
    auto ssl = std::make_unique<httplib::SSLServer>(tls.cert.c_str(), tls.key.c_str());
    if (!ssl->is_valid())
      return make_error(errc::validation, "--http-tls-cert",
                        "cannot serve HTTPS with " + tls.cert + " and " + tls.key);
    p->server = std::move(ssl);
  } else {
    p->server = std::make_unique<httplib::Server>();
  }
  auto& server = *p->server;
  // 64 clients at once each wait for their hit's batch to be durable: a thread each.
  server.new_task_queue = [] { return new httplib::ThreadPool(96); };
  // Replies go out at once: with Nagle's algorithm a reply written in two parts (headers, then
  // a body) waits for the client's delayed ACK of the first, ~40 ms a hit.
  server.set_tcp_nodelay(true);
  server.set_payload_max_length(1 << 20);
  // A kept connection is not closed after a number of requests: when 64 busy clients all
  // reached the count together, their reconnections overflowed cpp-httplib's listen backlog (5)
  // and waited for SYN retransmissions (1 s and more; docs/benchmarks.md, P10). Idle
  // connections still close after the keep-alive timeout (5 s).
  server.set_keep_alive_max_count(std::numeric_limits<std::size_t>::max());
  route(server, *p->service);
  if (more_routes) more_routes(server);
  p->port = port == 0 ? server.bind_to_any_port(host) : server.bind_to_port(host, port) ? port : -1;
  if (p->port <= 0)
    return make_error(errc::unavailable, "--http",
                      "cannot listen on " + host + ":" + std::to_string(port));
  auto* raw = p.get();
  p->thread = std::thread([raw] { raw->server->listen_after_bind(); });
  return std::unique_ptr<http_listener>(new http_listener(std::move(p)));
}

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

status check_http_tls(const http_tls_files& tls) {
  if (!tls.enabled()) return ok_status();
  for (auto* f : {&tls.cert, &tls.key})
    if (::access(f->c_str(), R_OK) != 0)
      return make_error(errc::validation, f == &tls.cert ? "--http-tls-cert" : "--http-tls-key",
                        "cannot read " + *f);
  httplib::SSLServer probe(tls.cert.c_str(), tls.key.c_str());
  if (!probe.is_valid())
    return make_error(errc::validation, "--http-tls-cert",
                      "cannot serve HTTPS with " + tls.cert + " and " + tls.key +
                          " (not a PEM certificate, or the key is not the certificate's)");
  return ok_status();
}

status check_http_exposure(const std::string& address, const http_tls_files& tls) {
  std::string host;
  std::uint16_t port = 0;
  if (!parse_host_port(address, host, port))
    return make_error(errc::validation, "--http", "expected HOST:PORT, got '" + address + "'");
  if (is_loopback_host(host) || tls.enabled()) return ok_status();
  return make_error(errc::validation, "--http",
                    "batond serves HTTP on " + host +
                        ", which is not a loopback address, only with TLS: give "
                        "--http-tls-cert and --http-tls-key (sign-in tokens and session cookies "
                        "would otherwise cross the network in clear)");
}

result<tracking_http> open_tracking_http(caf::actor_system& sys, const engine_handles& engine,
                                         std::shared_ptr<event_store> store,
                                         const engine_config& config, const std::string& data_dir,
                                         const std::string& address, const http_tls_files& tls) {
  if (auto st = check_http_exposure(address, tls); !st) return st.err();
  auto api = engine.api;
  std::string host;
  std::uint16_t port = 0;
  if (!parse_host_port(address, host, port))
    return make_error(errc::validation, "--http", "expected HOST:PORT, got '" + address + "'");
  if (!config.tracking.enabled())
    return make_error(errc::validation, "--http",
                      "config `tracking` needs baseUrl and secret (batonctl init writes them)");
  auto sink = [&sys, api](const std::string& campaign, const nlohmann::json& items) -> status {
    caf::scoped_actor self{sys};
    status out = ok_status();
    self->request(api, caf::infinite, command_atom::value,
                  api_command{"feedback", campaign, "engine", "", items.dump(), {}})
        .receive([](std::string&) {},
                 [&](caf::error& e) {
                   out = make_error(errc::unavailable, "tracking", caf::to_string(e));
                 });
    return out;
  };
  tracking_options o;
  o.data_dir = data_dir;
  o.data_url = config.data_url;
  o.config = config;
  auto service = tracking_service::open(std::move(o), sink);
  if (!service) return service.err();
  tracking_http out;
  out.service = std::move(service.value());
  out.api = std::make_shared<http_api_context>();
  out.api->sys = &sys;
  out.api->api = engine.api;
  out.api->store = std::move(store);
  out.api->door = std::make_shared<http_door>(engine, config);
  out.api->heartbeat = std::chrono::seconds(config.http_heartbeat_seconds);
  out.api->https = tls.enabled();
  out.api->data_dir = data_dir;
  out.api->data_url = config.data_url;
  auto l = http_listener::start(
      host, port, out.service,
      [c = out.api](httplib::Server& s) {
        route_api(s, c);
        route_console(s, c);
      },
      tls);
  if (!l) return l.err();
  out.listener = std::move(l.value());
  return out;
}

}  // namespace baton
