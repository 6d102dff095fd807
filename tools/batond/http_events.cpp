// The event routes of the HTTP API: GET /api/v1/events as JSON lines (`batonctl events --json`)
// or as Server-Sent Events (id: the global seq; Last-Event-ID resumes; comments as heartbeats),
// and the time travel of one campaign: its history and its state folded up to an event.
#include <deque>

#include <httplib.h>

#include "events/catalog.hpp"
#include "model/campaign_view.hpp"
#include "model/event_json.hpp"
#include "model/number.hpp"
#include "tools/batond/http_api.hpp"
#include "tools/batond/http_parse.hpp"
#include "tools/common/cli.hpp"
#include "tools/common/event_view.hpp"
#include "tools/replay/replay.hpp"

namespace baton {

namespace {

const std::string k_id = http::k_segment;

nlohmann::json event_json(const event& e) {
  const auto& catalog = baton_event_catalog();
  auto up = catalog.upcast(e);
  return event_to_json(up ? up.value() : e, catalog);
}

struct events_query {
  cli::event_filter filter;
  std::size_t limit = 1000;
  bool last = false;  // the last `limit` matching events instead of the first
};

result<events_query> parse_query(const httplib::Request& req) {
  auto p = http::parse_events_params(req.params);
  if (!p) return p.err();
  events_query q;
  auto& f = q.filter;
  f.campaign = p->campaign;
  f.stream = p->stream;
  f.type = p->type;
  f.actor = p->actor;
  f.activity = p->activity;
  f.run = p->run;
  q.limit = p->limit;
  q.last = p->last;
  for (auto [text, is_since] : {std::pair{&p->since, true}, std::pair{&p->until, false}}) {
    if (text->empty()) continue;
    auto at = cli::parse_position(*text, is_since ? "since" : "until");
    if (!at) return at.err();
    (is_since ? f.since_us : f.until_us) = at->time_us;
    (is_since ? f.since_seq : f.until_seq) = at->seq;
  }
  return q;
}

// The matching events, in log order.
result<std::vector<nlohmann::json>> select_events(const event_store& store, const events_query& q) {
  const auto& catalog = baton_event_catalog();
  std::deque<nlohmann::json> out;
  auto visit = [&](const event& e) {
    if (!q.filter.matches_envelope(e, catalog)) return true;
    auto j = event_json(e);
    if (!q.filter.matches(e, j, catalog)) return true;
    out.push_back(std::move(j));
    if (out.size() > q.limit) out.pop_front();
    return q.last || out.size() < q.limit;
  };
  std::uint64_t from = q.filter.since_seq ? *q.filter.since_seq : 1;
  if (auto only = q.filter.only_stream()) {
    auto es = store.read_stream(*only);
    if (!es) return es.err();
    for (auto& e : es.value())
      if (e.global_seq >= from && !visit(e)) break;
  } else if (auto st = store.scan(from, visit); !st) {
    return st.err();
  }
  return std::vector<nlohmann::json>(out.begin(), out.end());
}

// One SSE connection: events of `campaign` ("" = all) after `after`, as they are appended.
void stream_events(http_api_context& c, httplib::Response& res, const events_query& q,
                   std::uint64_t after) {
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Accel-Buffering", "no");
  auto store = c.store;
  auto heartbeat = c.heartbeat;
  auto filter = q.filter;
  auto last = std::make_shared<std::uint64_t>(after);
  auto quiet_since =
      std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  res.set_chunked_content_provider(
      "text/event-stream",
      [store, heartbeat, filter, last, quiet_since](std::size_t, httplib::DataSink& sink) {
        // Short waits, so a stopping server is noticed within a second.
        auto es = store->wait_for(*last, 256, std::chrono::milliseconds(500));
        if (!es) return false;
        const auto& catalog = baton_event_catalog();
        std::string out;
        for (auto& e : es.value()) {
          *last = std::max(*last, e.global_seq);
          if (!filter.matches_envelope(e, catalog)) continue;
          auto j = event_json(e);
          if (!filter.matches(e, j, catalog)) continue;
          out += "id: " + std::to_string(e.global_seq) + "\ndata: " + j.dump() + "\n\n";
        }
        auto now = std::chrono::steady_clock::now();
        if (out.empty() && now - *quiet_since >= heartbeat) out = ": heartbeat\n\n";
        if (out.empty()) return true;
        *quiet_since = now;
        return sink.write(out.data(), out.size());
      });
}

result<std::uint64_t> sse_start(const event_store& store, const httplib::Request& req) {
  auto text = req.get_header_value("Last-Event-ID");
  if (text.empty() && req.has_param("lastEventId")) text = req.get_param_value("lastEventId");
  if (text.empty()) return store.last_global_seq();
  auto n = parse_whole_number(text, "Last-Event-ID", 0, UINT64_MAX / 2);
  if (!n) return n.err();
  return static_cast<std::uint64_t>(*n);
}

void get_events(http_api_context& c, const httplib::Request& req, httplib::Response& res) {
  auto user = identify(c, req, false);
  if (!user) return send_error(res, user.err());
  auto q = parse_query(req);
  if (!q) return send_error(res, q.err());
  if (auto no = refuse_unless(c, user.value(), role::viewer, "events", q->filter.campaign))
    return send_error(res, *no);
  if (req.get_header_value("Accept").find("text/event-stream") != std::string::npos) {
    auto after = sse_start(*c.store, req);
    if (!after) return send_error(res, after.err());
    return stream_events(c, res, q.value(), after.value());
  }
  auto es = select_events(*c.store, q.value());
  if (!es) return send_error(res, es.err());
  std::string out;
  for (auto& j : es.value()) out += j.dump() + "\n";
  res.set_content(out, "application/x-ndjson");
}

// GET /api/v1/campaigns/{id}/state?seq=N: the campaign as it was after event N (baton-replay
// state --seq), as `campaign show --json`, its graph (graph --format json) and its definition.
void get_state(http_api_context& c, const httplib::Request& req, httplib::Response& res) {
  auto user = identify(c, req, false);
  if (!user) return send_error(res, user.err());
  auto id = req.matches[1].str();
  if (auto no = refuse_unless(c, user.value(), role::viewer, "campaign state", id))
    return send_error(res, *no);
  replay::point p;
  if (req.has_param("seq")) {
    auto n = parse_whole_number(req.get_param_value("seq"), "seq", 1, UINT64_MAX / 2);
    if (!n) return send_error(res, n.err());
    p.seq = static_cast<std::uint64_t>(*n);
  }
  auto s = replay::state_at(*c.store, id, p);
  if (!s) return send_error(res, s.err());
  auto def = nlohmann::json::parse(s->definition_json, nullptr, false);
  nlohmann::json j{{"seq", p.seq ? nlohmann::json(*p.seq) : nlohmann::json(nullptr)},
                   {"campaign", campaign_to_json(s.value())},
                   {"graph", graph_json(s.value())},
                   {"definition", def.is_discarded() ? nlohmann::json(nullptr) : def}};
  res.set_content(j.dump() + "\n", "application/json");
}

// GET /api/v1/campaigns/{id}/history: every event of the campaign and the refusals about it
// (baton-replay timeline), each as {seq, time, type, actor, commandId, text}.
void get_history(http_api_context& c, const httplib::Request& req, httplib::Response& res) {
  auto user = identify(c, req, false);
  if (!user) return send_error(res, user.err());
  auto id = req.matches[1].str();
  if (auto no = refuse_unless(c, user.value(), role::viewer, "campaign history", id))
    return send_error(res, *no);
  auto t = replay::timeline_json(*c.store, id);
  if (!t) return send_error(res, t.err());
  nlohmann::json out = nlohmann::json::array();
  for (auto& e : t.value())
    out.push_back({{"seq", e["seq"]},
                   {"time", e["time"]},
                   {"type", e["type"]},
                   {"actor", e["actor"]},
                   {"commandId", e["commandId"]},
                   {"text", e["text"]}});
  res.set_content(out.dump() + "\n", "application/json");
}

}  // namespace

void route_event_api(httplib::Server& s, std::shared_ptr<http_api_context> c) {
  s.Get("/api/v1/events",
        [c](const httplib::Request& req, httplib::Response& res) { get_events(*c, req, res); });
  s.Get("/api/v1/campaigns/" + k_id + "/state",
        [c](const httplib::Request& req, httplib::Response& res) { get_state(*c, req, res); });
  s.Get("/api/v1/campaigns/" + k_id + "/history",
        [c](const httplib::Request& req, httplib::Response& res) { get_history(*c, req, res); });
}

}  // namespace baton
