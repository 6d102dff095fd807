#include "actors/tracking_hits.hpp"

#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "actors/data_runner.hpp"
#include "actors/engagement.hpp"
#include "actors/message_cache.hpp"
#include "audience/message_links.hpp"
#include "audience/suppression.hpp"
#include "model/json_parse.hpp"
#include "model/time.hpp"

namespace baton {

using channels::token_kind;

const char* feedback_event_of(token_kind k) {
  switch (k) {
    case token_kind::click:
      return "clicked";
    case token_kind::open:
      return "opened";
    case token_kind::unsubscribe:
      return "unsubscribed";
    case token_kind::view:
      return "";
  }
  return "";
}

namespace {

// One feedback item to record: the message's delivery, the event, and for unsubscribes and
// bounces what the data plane must change.
struct fact {
  audience::delivery_ref d;
  std::string message_id, event;
  time_us at = 0;
  std::string address;  // unsubscribe, bounce: the address given ("" = the recipient's now)
  std::string bounce_kind, report_id, source;
};

nlohmann::json item_of(const fact& f) {
  return {{"run", f.d.run},
          {"activity", f.d.activity},
          {"message_id", f.message_id},
          {"event", f.event},
          {"at_us", f.at},
          {"recipient", f.d.recipient}};
}

std::string hex_of(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

}  // namespace

struct tracking_service::impl {
  tracking_options o;
  feedback_sink sink;
  std::optional<channels::tracking_setup> setup;
  system_clock wall;
  const clock* clk = &wall;

  std::mutex pool_mu;
  std::vector<std::unique_ptr<audience::backend>> pool;
  message_cache cache{16384};  // the deliveries and link tables of recently hit messages

  struct pending {
    fact f;
    std::promise<status> done;
  };
  std::mutex q_mu;
  std::condition_variable q_cv;
  std::deque<std::shared_ptr<pending>> queue;
  bool stopping = false;
  std::thread recorder;
  // Batches whose events are durable, waiting for the data plane: it writes one while the
  // recorder already appends the next batch's events.
  struct durable_batch {
    std::vector<std::shared_ptr<pending>> hits;
    std::vector<fact> facts;
  };
  std::mutex d_mu;
  std::condition_variable d_cv;
  std::deque<durable_batch> durable;
  bool events_done = false;  // the recorder has stopped: nothing more comes
  std::thread data_writer;
  std::map<std::string, time_us> last_at;  // "message|event" -> the last time given to a hit
  time_us forgotten_upto = 0;  // the latest time given to a hit before last_at was cleared

  // A data plane connection for the calling thread, returned to the pool afterwards.
  struct lease {
    impl* owner;
    std::unique_ptr<audience::backend> b;
    lease(impl* o, std::unique_ptr<audience::backend> c) : owner(o), b(std::move(c)) {}
    lease(lease&&) = default;
    lease& operator=(lease&&) = delete;
    ~lease() {
      if (!b) return;
      std::lock_guard<std::mutex> g(owner->pool_mu);
      owner->pool.push_back(std::move(b));
    }
  };
  result<lease> borrow() {
    {
      std::lock_guard<std::mutex> g(pool_mu);
      if (!pool.empty()) {
        auto b = std::move(pool.back());
        pool.pop_back();
        return lease{this, std::move(b)};
      }
    }
    auto b = audience::open_backend(o.data_url, o.data_dir);
    if (!b) return b.err();
    return lease{this, std::move(b.value())};
  }

  // Hits of one message and event get distinct times, so each one counts once (the campaign
  // keeps one feedback per message, event and time).
  time_us unique_time(const fact& f, time_us now) {
    if (last_at.size() > 100000) {
      for (auto& [key, at] : last_at) forgotten_upto = std::max(forgotten_upto, at);
      last_at.clear();
    }
    auto [it, added] = last_at.try_emplace(f.message_id + "|" + f.event, forgotten_upto);
    auto& last = it->second;
    last = std::max(now, last + 1);
    return last;
  }

  status record_facts(std::vector<fact>& facts);
  status change_data_plane(const std::vector<fact>& facts);
  void run_recorder();
  void run_data_writer();
};

// Events first (the report is folded from them), then the data plane (the `feedback` filter,
// consent, suppression), in one transaction: both are idempotent for a fact recorded again.
status tracking_service::impl::record_facts(std::vector<fact>& facts) {
  std::map<std::string, nlohmann::json> by_campaign;
  for (auto& f : facts) by_campaign[f.d.campaign].push_back(item_of(f));
  for (auto& [campaign, items] : by_campaign)
    if (auto s = sink(campaign, items); !s) return s;
  return change_data_plane(facts);
}

status tracking_service::impl::change_data_plane(const std::vector<fact>& facts) {
  auto l = borrow();
  if (!l) return l.err();
  auto& b = *l->b;
  std::optional<entity_schema> schema;
  for (auto& f : facts)
    if (f.event == "unsubscribed" && !schema) {
      auto s = read_entity_schema(o.data_dir);
      if (!s) return s.err();
      schema = std::move(s.value());
    }
  if (auto t = b.begin(); !t) return t;
  auto fail = [&](const error& e) {
    b.rollback();
    return status(e);
  };
  std::vector<audience::feedback_row> rows;
  rows.reserve(facts.size());
  for (auto& f : facts) rows.push_back({f.message_id, f.event, format_time(f.at)});
  if (auto r = audience::record_feedback(b, rows); !r) return fail(r.err());
  for (auto& f : facts) {
    if (f.event == "unsubscribed") {
      auto at = format_time(f.at);
      if (auto u = unsubscribe(b, *schema, f.d, f.address, f.source, at); !u) return fail(u.err());
    } else if (!f.bounce_kind.empty()) {
      std::string address = f.address;
      if (address.empty()) {
        auto e = read_entity_schema(o.data_dir);
        if (!e) return fail(e.err());
        auto a = recipient_address(b, e.value(), f.d);
        if (!a) return fail(a.err());
        address = a.value();
      }
      if (address.empty()) continue;
      audience::bounce_event be{f.report_id,  f.d.channel, address, f.bounce_kind,
                                f.message_id, f.at,        f.source};
      if (auto r = audience::record_bounce(b, be, o.config.deliverability.suppress_after); !r)
        return fail(r.err());
    }
  }
  return b.commit();
}

// Takes what queued while the last batch was written, appends its events (one command per
// campaign), then hands it to the data writer; hits hear back once both are done.
void tracking_service::impl::run_recorder() {
  for (;;) {
    durable_batch b;
    {
      std::unique_lock<std::mutex> g(q_mu);
      q_cv.wait(g, [&] { return stopping || !queue.empty(); });
      if (queue.empty()) break;
      b.hits.assign(queue.begin(), queue.end());
      queue.clear();
    }
    auto now = clk->now();
    b.facts.reserve(b.hits.size());
    for (auto& p : b.hits) {
      p->f.at = unique_time(p->f, now);
      b.facts.push_back(p->f);
    }
    std::map<std::string, nlohmann::json> by_campaign;
    for (auto& f : b.facts) by_campaign[f.d.campaign].push_back(item_of(f));
    status s = ok_status();
    for (auto& [campaign, items] : by_campaign)
      if (s) s = sink(campaign, items);
    if (!s) {
      spdlog::warn("tracking: {} hit(s) not recorded: {}: {}", b.hits.size(), s.err().where,
                   s.err().what);
      for (auto& p : b.hits) p->done.set_value(s);
      continue;
    }
    {
      std::lock_guard<std::mutex> g(d_mu);
      durable.push_back(std::move(b));
    }
    d_cv.notify_one();
  }
  {
    std::lock_guard<std::mutex> g(d_mu);
    events_done = true;
  }
  d_cv.notify_one();
}

// Writes the data plane of every batch whose events are durable, in one transaction.
void tracking_service::impl::run_data_writer() {
  for (;;) {
    std::deque<durable_batch> ready;
    {
      std::unique_lock<std::mutex> g(d_mu);
      d_cv.wait(g, [&] { return events_done || !durable.empty(); });
      if (durable.empty()) return;
      ready.swap(durable);
    }
    std::vector<fact> facts;
    for (auto& b : ready) facts.insert(facts.end(), b.facts.begin(), b.facts.end());
    auto s = change_data_plane(facts);
    if (!s)
      spdlog::warn("tracking: {} hit(s) not recorded: {}: {}", facts.size(), s.err().where,
                   s.err().what);
    for (auto& b : ready)
      for (auto& p : b.hits) p->done.set_value(s);
  }
}

tracking_service::tracking_service(std::unique_ptr<impl> p) : p_(std::move(p)) {}

tracking_service::~tracking_service() {
  {
    std::lock_guard<std::mutex> g(p_->q_mu);
    p_->stopping = true;
  }
  p_->q_cv.notify_all();
  if (p_->recorder.joinable()) p_->recorder.join();  // it lets the data writer finish
  if (p_->data_writer.joinable()) p_->data_writer.join();
}

result<std::unique_ptr<tracking_service>> tracking_service::open(tracking_options o,
                                                                 feedback_sink sink) {
  auto setup = channels::make_tracking_setup(o.config.tracking);
  if (!setup) return setup.err();
  auto p = std::make_unique<impl>();
  p->o = std::move(o);
  p->sink = std::move(sink);
  p->setup = std::move(setup.value());
  if (p->o.time_source) p->clk = p->o.time_source;
  {
    auto l = p->borrow();
    if (!l) return l.err();
    for (auto* ensure : {&audience::ensure_delivery_tables, &audience::ensure_message_links_table,
                         &audience::ensure_suppression_tables})
      if (auto t = (*ensure)(*l->b); !t) return t.err();
  }
  std::unique_ptr<tracking_service> s(new tracking_service(std::move(p)));
  s->p_->data_writer = std::thread([raw = s->p_.get()] { raw->run_data_writer(); });
  s->p_->recorder = std::thread([raw = s->p_.get()] { raw->run_recorder(); });
  return s;
}

std::optional<tracked_hit> tracking_service::resolve(token_kind kind, std::string_view token) {
  auto claims = p_->setup->signer.verify(token, kind);
  if (!claims) return std::nullopt;
  tracked_hit h;
  h.kind = kind;
  h.message_id = claims->message_id;
  // Views need the message as sent, which the cache does not keep (large, rarely asked for).
  auto facts = kind == token_kind::view ? std::nullopt : p_->cache.get(claims->message_id);
  if (!facts) {
    auto l = p_->borrow();
    if (!l) return std::nullopt;
    auto d = audience::find_delivery(*l->b, claims->message_id);
    if (!d || !d->has_value()) return std::nullopt;
    message_facts f{**d, std::nullopt};
    auto links = audience::find_message_links(*l->b, claims->message_id);
    if (!links) return std::nullopt;
    if (links->has_value()) {
      if (kind == token_kind::view) {
        if ((*links)->view.empty()) return std::nullopt;
        h.view = std::move((*links)->view);
      }
      f.links = std::move((*links)->links);
    }
    facts = f;
    p_->cache.put(claims->message_id, std::move(f));
  }
  h.delivery = std::move(facts->delivery);
  if (kind == token_kind::click || kind == token_kind::view) {
    if (!facts->links) return std::nullopt;
    if (kind == token_kind::click) {
      if (claims->link >= facts->links->size()) return std::nullopt;
      h.redirect = (*facts->links)[claims->link];
    }
  }
  return h;
}

status tracking_service::record(const tracked_hit& hit) {
  auto p = std::make_shared<impl::pending>();
  p->f.d = hit.delivery;
  p->f.message_id = hit.message_id;
  p->f.event = feedback_event_of(hit.kind);
  p->f.source = "unsubscribe:" + hit.message_id;
  if (p->f.event.empty()) return ok_status();
  auto done = p->done.get_future();
  {
    std::lock_guard<std::mutex> g(p_->q_mu);
    if (p_->stopping) return make_error(errc::unavailable, "tracking", "batond is stopping");
    p_->queue.push_back(p);
  }
  p_->q_cv.notify_one();
  return done.get();
}

namespace {

// A webhook event as a fact of a known message, or why not (it then counts as unmatched).
std::optional<fact> hook_fact(const nlohmann::json& e, const std::string& name, time_us now) {
  if (!e.is_object()) return std::nullopt;
  auto text = [&](const char* k) {
    auto it = e.find(k);
    return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  fact f;
  f.message_id = text("messageId");
  f.address = text("address");
  auto type = text("type"), cls = text("class"), time = text("time");
  f.at = now;
  if (!time.empty()) {
    auto t = parse_time(time);
    if (!t) return std::nullopt;
    f.at = t.value();
  }
  if (type == "delivered") f.event = "delivered";
  if (type == "open") f.event = "opened";
  if (type == "click") f.event = "clicked";
  if (type == "unsubscribe") f.event = "unsubscribed";
  if (type == "complaint") f.event = "complained", f.bounce_kind = "complaint";
  if (type == "bounce" && cls != "soft") f.event = "bounced", f.bounce_kind = "hard";
  if (type == "bounce" && cls == "soft") f.event = "soft_bounced", f.bounce_kind = "soft";
  if (f.event.empty() || f.message_id.empty()) return std::nullopt;
  f.source = "webhook:" + name;
  f.report_id = "webhook:" + name + ":" + f.message_id + ":" + f.event + ":" + time;
  return f;
}

}  // namespace

hook_answer tracking_service::webhook(const std::string& name, const std::string& signature,
                                      const std::string& body) {
  const auto& secrets = p_->o.config.tracking.hook_secrets;
  auto it = secrets.find(name);
  if (it == secrets.end()) return {404, nlohmann::json{{"error", "no such webhook"}}.dump()};
  auto expected = "sha256=" + hex_of(channels::hmac_sha256(it->second, body));
  if (!channels::equal_constant_time(expected, signature))
    return {401, nlohmann::json{{"error", "bad signature"}}.dump()};
  problems ps;
  auto j = parse_json_text(body, ps, {1 << 20, 16});
  if (!j || !j->is_object() || !j->contains("events") || !(*j)["events"].is_array())
    return {400, nlohmann::json{{"error", "expected {\"events\": [...]}"}}.dump()};
  std::vector<fact> facts;
  std::uint64_t unmatched = 0;
  auto now = p_->clk->now();
  auto l = p_->borrow();
  if (!l) return {503, nlohmann::json{{"error", l.err().what}}.dump()};
  for (auto& e : (*j)["events"]) {
    auto f = hook_fact(e, name, now);
    std::optional<audience::delivery_ref> d;
    if (f) {
      auto found = audience::find_delivery(*l->b, f->message_id);
      if (found && found->has_value()) d = **found;
    }
    if (!d) {
      ++unmatched;
      continue;
    }
    f->d = *d;
    facts.push_back(std::move(*f));
  }
  l->owner->pool_mu.lock();  // give the connection back before recording
  l->owner->pool.push_back(std::move(l->b));
  l->owner->pool_mu.unlock();
  if (auto s = p_->record_facts(facts); !s)
    return {503, nlohmann::json{{"error", s.err().what}}.dump()};
  return {200, nlohmann::json{{"accepted", facts.size()}, {"unmatched", unmatched}}.dump()};
}

}  // namespace baton
