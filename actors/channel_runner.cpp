#include "actors/channel_runner.hpp"

#include <map>
#include <mutex>
#include <thread>

#include "actors/data_runner.hpp"
#include "audience/backend.hpp"
#include "audience/deliveries.hpp"
#include "audience/worktable.hpp"
#include "channels/channel_activity.hpp"
#include "channels/connector.hpp"
#include "channels/throttle.hpp"
#include "channels/waves.hpp"
#include "model/time.hpp"

namespace baton {

namespace {

using namespace baton::channels;

// Where one send stands: counts so far, and the table collecting the keys sent.
struct send_state {
  ev::delivery_progress p;
  std::map<std::string, std::uint64_t> excluded;
};

std::string key_of(const audience::value& v) {
  return v.null ? "" : v.to_text();
}

class channel_runner final : public activity_runner {
 public:
  channel_runner(channel_runner_options o, std::shared_ptr<activity_runner> next)
      : o_(std::move(o)),
        next_(std::move(next)),
        clock_(o_.time_source ? o_.time_source : &wall_),
        connectors_(o_.channels, {o_.data_dir, clock_}) {}

  result<task_outcome> run(const task_input& in) override {
    if (!is_channel(in.act->type)) {
      if (next_) return next_->run(in);
      return make_error(errc::failed, in.act->id, "no runner for this activity type");
    }
    auto b = audience::open_backend(o_.url, o_.data_dir);
    if (!b) return b.err();
    if (auto t = audience::ensure_delivery_tables(*b.value()); !t) return t.err();
    return send(*b.value(), in);
  }

 private:
  result<task_outcome> send(audience::backend& b, const task_input& in);
  status send_batch(audience::backend& b, connector& c, const channel_activity& act,
                    const recipient_rules& rules, const task_input& in,
                    const audience::worktable& wt, const std::vector<struct out_col>& cols,
                    const std::string& sql, std::int64_t from, std::int64_t n,
                    std::int64_t sendable_end, send_state& st, throttle* pace);

  channel_runner_options o_;
  std::shared_ptr<activity_runner> next_;
  system_clock wall_;
  const clock* clock_;
  connector_set connectors_;
  std::mutex send_mu_;  // one send at a time per engine: connectors keep one connection each
};

// A column handed to personalisation: the entity's columns, then those added upstream.
struct out_col {
  std::string name;
  column_type type = column_type::string;
  bool json = false;
  std::string sql;
};

std::vector<out_col> columns_for(const audience::worktable& wt, const entity& e) {
  std::vector<out_col> cols;
  for (auto& c : e.columns)
    if (!wt.find(c.name) || c.name == wt.dim_key)
      cols.push_back({c.name, c.type, false, "e." + audience::quote_id(c.name)});
  for (auto& c : wt.columns)
    if (c.name != wt.row_key && c.name != wt.dim_key)
      cols.push_back({c.name, c.type, c.json, "w." + audience::quote_id(c.name)});
  return cols;
}

// The rows of the population joined with their entity, in key order, [from, from + n).
std::string rows_sql(const audience::worktable& wt, const entity& e,
                     const std::vector<out_col>& cols, std::int64_t from, std::int64_t n) {
  std::string sql = "SELECT w." + audience::quote_id(wt.row_key);
  for (auto& c : cols) sql += ", " + c.sql;
  return sql + " FROM " + audience::quote_id(wt.table) + " w JOIN " + audience::quote_id(e.name) +
         " e ON e." + audience::quote_id(e.key) + " = w." + audience::quote_id(wt.dim_key) +
         " ORDER BY w." + audience::quote_id(wt.row_key) + " LIMIT " + std::to_string(n) +
         " OFFSET " + std::to_string(from);
}

nlohmann::json to_json(const audience::value& raw, const out_col& c) {
  if (raw.null) return nullptr;
  auto v = audience::convert(raw, c.type);
  if (!v || v->null) return nullptr;
  if (c.json) {
    auto j = nlohmann::json::parse(v->s, nullptr, false);
    return j.is_discarded() ? nlohmann::json(v->s) : j;
  }
  switch (c.type) {
    case column_type::integer:
      return v->i;
    case column_type::floating:
      return v->f;
    case column_type::boolean:
      return v->i != 0;
    default:
      return v->s;
  }
}

status channel_runner::send_batch(audience::backend& b, connector& c, const channel_activity& act,
                                  const recipient_rules& rules, const task_input& in,
                                  const audience::worktable& wt, const std::vector<out_col>& cols,
                                  const std::string& sql, std::int64_t from, std::int64_t n,
                                  std::int64_t sendable_end, send_state& st, throttle* pace) {
  std::vector<message> batch;
  std::vector<std::string> keys;
  std::int64_t pos = from;
  auto q = b.query(sql, {}, [&](const audience::row& r) {
    nlohmann::json row = nlohmann::json::object();
    for (std::size_t i = 1; i < r.size() && i - 1 < cols.size(); ++i)
      row[cols[i - 1].name] = to_json(r[i], cols[i - 1]);
    auto key = key_of(r[0]);
    if (pos++ >= sendable_end) {
      ++st.excluded[to_string(exclusion_reason::outside_send_window)];
      return true;
    }
    auto m = prepare_message(act, rules, {in.campaign, in.run}, key, row);
    if (auto* msg = std::get_if<message>(&m)) {
      batch.push_back(std::move(*msg));
      keys.push_back(key);
    } else {
      ++st.excluded[to_string(std::get<exclusion>(m).reason)];
    }
    return true;
  });
  if (!q) return q;
  if (!batch.empty() && pace) {
    auto at = pace->reserve(static_cast<std::int64_t>(batch.size()));
    auto wait = at - clock_->now();
    if (wait > 0) std::this_thread::sleep_for(std::chrono::microseconds(wait));
  }
  std::vector<delivery_result> results;
  {
    std::lock_guard<std::mutex> g(send_mu_);
    results = c.send(batch);
  }
  auto insert = "INSERT INTO " + audience::quote_id(st.p.sent_table) + " (" +
                audience::quote_id(wt.row_key) + ") SELECT " + b.placeholder(1) +
                " WHERE NOT EXISTS (SELECT 1 FROM " + audience::quote_id(st.p.sent_table) +
                " WHERE " + audience::quote_id(wt.row_key) + " = " + b.placeholder(2) + ")";
  if (auto t = b.begin(); !t) return t;
  std::vector<audience::delivery_row> sent_rows;
  for (std::size_t i = 0; i < results.size() && i < keys.size(); ++i) {
    if (!results[i].sent()) {
      ++st.p.failed;
      continue;
    }
    ++st.p.sent;
    sent_rows.push_back({batch[i].message_id, in.campaign, in.run, in.act->id,
                         to_string(batch[i].channel), keys[i], wt.dimension});
    auto v = audience::value::text(keys[i]);
    if (auto r = b.exec(insert, {v, v}); !r) {
      b.rollback();
      return r.err();
    }
  }
  if (auto r = audience::record_deliveries(b, sent_rows, format_time(clock_->now())); !r) {
    b.rollback();
    return r;
  }
  if (auto t = b.commit(); !t) return t;
  st.p.position = static_cast<std::uint64_t>(from + n);
  st.p.exclusions.clear();
  for (auto& [k, v] : st.excluded) st.p.exclusions[k] = std::to_string(v);
  return in.checkpoint ? in.checkpoint(st.p) : ok_status();
}

result<task_outcome> channel_runner::send(audience::backend& b, const task_input& in) {
  auto act = parse_channel_activity(*in.act);
  if (!act) return act.err();
  auto schema = read_entity_schema(o_.data_dir);
  if (!schema) return schema.err();
  if (in.inputs.empty()) return task_outcome{};
  const auto& pop = in.inputs.front().second;
  auto wt = audience::describe_worktable(b, pop.table);
  if (!wt) return wt.err();
  const entity* e = schema->find_entity(wt->dimension);
  if (!e)
    return make_error(errc::failed, in.act->id,
                      "the population has no entity dimension: reconcile it first");
  auto rules = rules_for(*e, act->channel, act->category);
  if (!rules) return rules.err();
  auto conn = connectors_.get(act->connector);
  if (!conn) return conn.err();
  auto total = static_cast<std::int64_t>(pop.count);
  auto waves = plan_waves(total, act->waves);
  if (!waves) return waves.err();
  auto fit = fit_send_window(*waves, act->per_second);
  send_state st;
  st.p = in.progress.value_or(ev::delivery_progress{in.run, in.act->id, 0, 0, 0, 0, {}, ""});
  for (auto& [k, v] : st.p.exclusions) st.excluded[k] = std::stoull(v);
  if (st.p.sent_table.empty()) {  // first attempt: the table that collects who was sent
    audience::worktable sent;
    sent.dimension = wt->dimension;
    sent.row_key = wt->row_key;
    sent.dim_key = wt->dim_key;
    sent.columns = {wt->columns.front()};
    if (auto c =
            audience::create_worktable(b, {in.campaign, in.run, in.act->id}, "out", sent, in.now);
        !c)
      return c.err();
    st.p.sent_table = sent.table;
  }
  auto cols = columns_for(*wt, *e);
  std::optional<throttle> pace;
  if (act->per_second) pace.emplace(*act->per_second, *clock_);
  for (auto& w : *waves) {
    std::int64_t end = w.offset + w.count,
                 sendable_end = w.offset + fit.sendable[static_cast<std::size_t>(w.index)];
    if (static_cast<std::int64_t>(st.p.position) >= end) continue;  // done before a restart
    st.p.wave = static_cast<std::uint32_t>(w.index);
    for (auto from = static_cast<std::int64_t>(st.p.position); from < end;) {
      auto n = std::min<std::int64_t>(static_cast<std::int64_t>(o_.batch), end - from);
      if (auto s = send_batch(b, *conn.value(), *act, *rules, in, *wt, cols,
                              rows_sql(*wt, *e, cols, from, n), from, n, sendable_end, st,
                              pace ? &*pace : nullptr);
          !s)
        return s.err();
      from += n;
    }
    auto next = static_cast<std::size_t>(w.index) + 1;
    if (next < waves->size() && (*waves)[next].count > 0) {  // the next wave goes later
      task_outcome later;
      later.resume_at = clock_->now() + ((*waves)[next].start - w.start);
      return later;
    }
  }
  auto described = audience::describe_worktable(b, st.p.sent_table);
  if (!described) return described.err();
  auto out = audience::finish_worktable(b, described.value(), "out");
  if (!out) return out.err();
  task_outcome o;
  o.count_in = pop.count;
  o.outputs.push_back(out.value());
  std::string excl;
  for (auto& [k, v] : st.excluded) excl += (excl.empty() ? "" : ", ") + k + " " + std::to_string(v);
  o.logs.push_back("sent " + std::to_string(st.p.sent) + ", failed " + std::to_string(st.p.failed) +
                   (excl.empty() ? "" : ", excluded: " + excl) + " via " + conn.value()->kind());
  return o;
}

}  // namespace

std::shared_ptr<activity_runner> make_channel_runner(channel_runner_options o,
                                                     std::shared_ptr<activity_runner> next) {
  return std::make_shared<channel_runner>(std::move(o), std::move(next));
}

}  // namespace baton
