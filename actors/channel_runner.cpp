#include "actors/channel_runner.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "actors/channel_rows.hpp"
#include "actors/data_runner.hpp"
#include "actors/proof_send.hpp"
#include "actors/trigger_graph.hpp"
#include "actors/trigger_send.hpp"
#include "audience/backend.hpp"
#include "audience/deliveries.hpp"
#include "audience/message_links.hpp"
#include "audience/suppression.hpp"
#include "audience/worktable.hpp"
#include "channels/channel_activity.hpp"
#include "channels/connector.hpp"
#include "channels/send_journal.hpp"
#include "channels/throttle.hpp"
#include "channels/waves.hpp"
#include "model/time.hpp"

namespace baton {

namespace {

using namespace baton::channels;

// Where one send stands: counts so far, the table collecting the keys sent, and the journal of
// server answers not yet durable elsewhere.
struct send_state {
  ev::delivery_progress p;
  std::optional<audience::value> last_key;  // of the last row settled in this attempt
  std::map<std::string, std::uint64_t> excluded;
  // Connectors that send one message at a time (SMTP, webhook) record each hand-over and answer
  // here before the next message; `earlier` is what the journal held when this attempt began
  // (a stop or a crash of an earlier one), until those messages are settled.
  send_journal journal;
  send_journal::contents earlier;
  // Quiet hours: the table of the rows deferred until their window ("" = none), and whether
  // this batch is of the pass that sends them (its rows come from that table, not in order).
  std::string deferred_table;
  bool deferred_pass = false;
  // Eligible rows handled so far (sent, failed, or past the send window): what waves count.
  std::int64_t eligible() const {
    auto it = excluded.find(to_string(exclusion_reason::outside_send_window));
    return static_cast<std::int64_t>(p.sent + p.failed + (it == excluded.end() ? 0 : it->second));
  }
};

// Sleeps `d`, waking early (every 50 ms at most) when the engine stops.
void sleep_unless_stopping(std::chrono::milliseconds d, const task_input& in) {
  auto until = std::chrono::steady_clock::now() + d;
  while (!in.stopping()) {
    auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(50)));
  }
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
    if (auto t = audience::ensure_message_links_table(*b.value()); !t) return t.err();
    if (auto t = audience::ensure_suppression_tables(*b.value()); !t) return t.err();
    if (!o_.deliverability.fatigue.empty())
      if (auto t = audience::ensure_fatigue_index(*b.value()); !t) return t.err();
    return send(*b.value(), in);
  }

  result<std::vector<trigger_result>> send_triggers(const trigger_job& job) override {
    return with_trigger_db(job.campaign, [&](audience::backend& b, const trigger_send_env& env) {
      return send_trigger_batch(b, env, job);
    });
  }

  result<std::vector<trigger_result>> send_graph_triggers(const trigger_job& job,
                                                          activity_runner& top) override {
    return with_trigger_db(job.campaign, [&](audience::backend& b, const trigger_send_env& env) {
      return send_graph_trigger_batch(b, env, top, job);
    });
  }

  result<std::vector<proof_sent>> send_proofs(const proof_job& job) override {
    auto b = audience::open_backend(o_.url, o_.data_dir);
    if (!b) return b.err();
    return send_proof_batch(*b.value(), {o_.url, o_.data_dir, &connectors_, &send_mu_}, job);
  }

 private:
  // Runs `f` on the trigger connection (one trigger batch at a time), opened when needed.
  template <class F>
  result<std::vector<trigger_result>> with_trigger_db(const std::string& campaign, F&& f) {
    std::lock_guard<std::mutex> g(trigger_mu_);
    trigger_send_env env{o_.data_dir,        o_.tracking ? &*o_.tracking : nullptr,
                         &o_.deliverability, &connectors_,
                         &send_mu_,          o_.data_dir + "/journal/" + campaign + "/triggers"};
    if (!trigger_db_) {
      auto b = audience::open_backend(o_.url, o_.data_dir);
      if (!b) return b.err();
      if (auto t = prepare_trigger_tables(*b.value(), env); !t) return t.err();
      trigger_db_ = std::move(b.value());
    }
    auto r = f(*trigger_db_, env);
    if (!r) trigger_db_.reset();  // opened again for the next batch: the connection may be broken
    return r;
  }
  result<task_outcome> send(audience::backend& b, const task_input& in);
  result<std::int64_t> send_batch(audience::backend& b, connector& c, const task_input& in,
                                  const audience::worktable& wt, const batch_rows& rows,
                                  const batch_limits& lim, send_state& st, throttle* pace,
                                  bool keep_view);
  std::vector<delivery_result> deliver(connector& c, const std::vector<message>& batch,
                                       throttle* pace, const task_input& in, send_state& st);
  std::vector<delivery_result> deliver_retrying(connector& c, const std::vector<message>& batch,
                                                throttle* pace, const task_input& in,
                                                send_state& st);

  std::string journal_path_of(const task_input& in) const;
  result<task_outcome> send_deferred(audience::backend& b, connector& c, const task_input& in,
                                     const audience::worktable& wt, population_reader& reader,
                                     std::size_t batch, send_state& st, throttle* pace,
                                     bool keep_view);

  channel_runner_options o_;
  std::shared_ptr<activity_runner> next_;
  system_clock wall_;
  const clock* clock_;
  connector_set connectors_;
  std::mutex send_mu_;     // one send at a time per engine: connectors keep one connection each
  std::mutex trigger_mu_;  // one trigger batch at a time, on its own data-plane connection
  std::unique_ptr<audience::backend> trigger_db_;
};

// The hooks of one hand-over: stop when the engine stops, and journal every hand-over and answer
// (when the send keeps a journal) before the next message goes.
send_hooks hooks_for(const task_input& in, send_state& st) {
  send_hooks h;
  h.stop_requested = [&in] { return in.stopping(); };
  if (!st.journal.is_open()) return h;
  h.handing_over = [&st](const message& m) {
    if (st.earlier.in_doubt.erase(m.message_id)) ++st.p.in_doubt;
    st.journal.handing_over(m.message_id);
  };
  h.answered = [&st](const message& m, const delivery_result& r) {
    if (r.sent())
      st.journal.accepted(m.message_id);
    else if (r.retryable)
      st.journal.not_accepted(m.message_id);
    else
      st.journal.refused(m.message_id);
  };
  return h;
}

// Hands a batch to the connector, except the messages an earlier attempt's journal says a server
// already answered for good: those get that answer again without going anywhere. With a
// throttle the rest go in slices of 1/20 s worth of messages, each when the throttle allows it:
// paced evenly, not all at once.
std::vector<delivery_result> channel_runner::deliver(connector& c,
                                                     const std::vector<message>& batch,
                                                     throttle* pace, const task_input& in,
                                                     send_state& st) {
  std::vector<delivery_result> out(batch.size());
  std::vector<message> todo;
  std::vector<std::size_t> where;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& id = batch[i].message_id;
    if (st.earlier.accepted.count(id))
      out[i] = {id, delivery_status::sent, false, false, {}};
    else if (st.earlier.refused.count(id))
      out[i] = {id, delivery_status::failed, false, false,
                "refused by the server (earlier attempt)"};
    else {
      todo.push_back(batch[i]);
      where.push_back(i);
    }
  }
  auto hooks = hooks_for(in, st);
  auto slice = pace ? static_cast<std::size_t>(std::max<std::int64_t>(1, pace->per_second() / 20))
                    : std::max<std::size_t>(1, todo.size());
  for (std::size_t i = 0; i < todo.size(); i += slice) {
    std::vector<message> part(
        todo.begin() + static_cast<std::ptrdiff_t>(i),
        todo.begin() + static_cast<std::ptrdiff_t>(std::min(todo.size(), i + slice)));
    if (pace) {
      auto wait = pace->reserve(static_cast<std::int64_t>(part.size())) - clock_->now();
      if (wait > 0) std::this_thread::sleep_for(std::chrono::microseconds(wait));
    }
    std::vector<delivery_result> r;
    {
      std::lock_guard<std::mutex> g(send_mu_);
      r = c.send(part, hooks);
    }
    for (std::size_t k = 0; k < r.size(); ++k) out[where[i + k]] = std::move(r[k]);
  }
  return out;
}

// Hands a batch over, then again after 0.5 s and after 2 s the messages that failed in a way a
// retry may mend (the connection, an SMTP 4xx, an HTTP 5xx) — unless the engine is stopping.
std::vector<delivery_result> channel_runner::deliver_retrying(connector& c,
                                                              const std::vector<message>& batch,
                                                              throttle* pace, const task_input& in,
                                                              send_state& st) {
  auto results = deliver(c, batch, pace, in, st);
  for (auto backoff : {std::chrono::milliseconds(500), std::chrono::milliseconds(2000)}) {
    std::vector<std::size_t> again;
    for (std::size_t i = 0; i < results.size(); ++i)
      if (!results[i].sent() && results[i].retryable && results[i].reason != k_stopped_reason)
        again.push_back(i);
    if (again.empty() || in.stopping()) break;
    sleep_unless_stopping(backoff, in);
    if (in.stopping()) break;
    std::vector<message> part;
    for (auto i : again) part.push_back(batch[i]);
    auto r = deliver(c, part, nullptr, in, st);
    for (std::size_t k = 0; k < again.size() && k < r.size(); ++k) results[again[k]] = r[k];
  }
  return results;
}

// Where a batch stops counting: at the first message of a tail that did not go and that a
// retry may still send (the server went away mid-batch). Those messages and every row after
// them stay for a later attempt. Returns msgs.size() when the batch went through.
std::size_t unsent_tail(const std::vector<delivery_result>& results) {
  std::size_t from = results.size();
  for (std::size_t i = results.size(); i-- > 0 && !results[i].sent();)
    if (results[i].retryable) from = i;
  return from;
}

// After a batch is durable: the journal keeps only what an earlier attempt recorded for messages
// not settled yet (they may come in a later batch).
status reset_journal(send_state& st) {
  if (!st.journal.is_open()) return ok_status();
  if (auto c = st.journal.clear(); !c) return c;
  for (const auto& id : st.earlier.accepted)
    if (auto w = st.journal.accepted(id); !w) return w;
  for (const auto& id : st.earlier.refused)
    if (auto w = st.journal.refused(id); !w) return w;
  for (const auto& id : st.earlier.in_doubt)
    if (auto w = st.journal.handing_over(id); !w) return w;
  return ok_status();
}

const std::string k_quiet = to_string(exclusion_reason::quiet_hours);

// Quiet hours, in the transaction of a batch: the main pass adds the rows it defers to the
// deferred table; the deferred pass takes out the rows it settled otherwise (sent, or excluded
// for another reason now).
status record_deferred(audience::backend& b, const audience::worktable& wt, const batch_rows& rows,
                       std::size_t messages, std::int64_t done, const send_state& st) {
  if (st.deferred_table.empty()) return ok_status();
  auto table = audience::quote_id(st.deferred_table), key = audience::quote_id(wt.row_key);
  auto stmt = b.prepare(st.deferred_pass
                            ? "DELETE FROM " + table + " WHERE " + key + " = " + b.placeholder(1)
                            : "INSERT INTO " + table + " (" + key + ") VALUES (" +
                                  b.placeholder(1) + ") ON CONFLICT DO NOTHING");
  if (!stmt) return stmt.err();
  std::vector<std::int64_t> at;
  for (auto& [row, reason] : rows.excluded)
    if (row < done && (reason == k_quiet) != st.deferred_pass) at.push_back(row);
  if (st.deferred_pass)  // every message of the settled part: sent or failed for good
    for (std::size_t i = 0; i < messages; ++i) at.push_back(rows.row[i]);
  for (auto row : at)
    if (auto r = (*stmt)->run({rows.row_keys[static_cast<std::size_t>(row)]}); !r) return r.err();
  return ok_status();
}

// The exclusion counts after a batch. `quiet_hours` counts the rows deferred now: the deferred
// pass moves each row it settles out of it (to `sent` or to its new reason).
void count_settled(const batch_rows& rows, std::size_t messages, std::int64_t done,
                   send_state& st) {
  auto undefer = [&st] {
    if (auto& n = st.excluded[k_quiet]; n > 0) --n;
  };
  for (auto& [at, reason] : rows.excluded)
    if (at < done && !(st.deferred_pass && reason == k_quiet)) {
      ++st.excluded[reason];
      if (st.deferred_pass) undefer();
    }
  if (st.deferred_pass)
    for (std::size_t i = 0; i < messages; ++i) undefer();
  if (auto it = st.excluded.find(k_quiet); it != st.excluded.end() && it->second == 0)
    st.excluded.erase(it);
}

// The keys of a batch's sent messages into the sent table, many rows per statement (a statement
// per row cost a round trip each on PostgreSQL, which bounded the outbox there).
status insert_sent_keys(audience::backend& b, const std::string& table, const std::string& key,
                        const std::vector<audience::value>& keys) {
  constexpr std::size_t k_chunk = 500;
  auto sql = [&](std::size_t n) {
    std::string q =
        "INSERT INTO " + audience::quote_id(table) + " (" + audience::quote_id(key) + ") VALUES ";
    for (std::size_t i = 0; i < n; ++i)
      q += (i ? ", (" : "(") + b.placeholder(static_cast<int>(i) + 1) + ")";
    return q + " ON CONFLICT DO NOTHING";
  };
  std::unique_ptr<audience::statement> full;
  for (std::size_t at = 0; at < keys.size(); at += k_chunk) {
    std::size_t n = std::min(k_chunk, keys.size() - at);
    std::vector<audience::value> params(keys.begin() + static_cast<std::ptrdiff_t>(at),
                                        keys.begin() + static_cast<std::ptrdiff_t>(at + n));
    if (n == k_chunk) {
      if (!full) {
        auto st = b.prepare(sql(k_chunk));
        if (!st) return st.err();
        full = std::move(st.value());
      }
      if (auto r = full->run(params); !r) return r.err();
    } else if (auto r = b.exec(sql(n), params); !r) {
      return r.err();
    }
  }
  return ok_status();
}

// Makes the first `done` rows of the batch durable: who was sent (the sent table and the
// deliveries table, one transaction), then the progress event, then the journal is emptied.
// A message the deliveries table already held although it was handed over again in this
// attempt is a known repeat (`repeated`): a server accepted it twice.
status settle(audience::backend& b, const task_input& in, const audience::worktable& wt,
              const batch_rows& rows, const std::vector<delivery_result>& results,
              std::size_t messages, std::int64_t done, const batch_limits& lim, send_state& st,
              time_us now, bool keep_view) {
  if (auto t = b.begin(); !t) return t;
  std::vector<audience::value> sent_keys;  // the sent table's new rows, inserted below
  std::vector<audience::delivery_row> handed, earlier;
  std::vector<std::string> handed_variant, earlier_variant;  // experiments: per row
  std::vector<audience::message_links> links;
  for (std::size_t i = 0; i < messages; ++i) {
    const auto& m = rows.msgs[i];
    const auto& id = m.message_id;
    if (!results[i].sent()) {
      ++st.p.failed;
      continue;
    }
    ++st.p.sent;
    if (!m.links.empty() || keep_view)
      links.push_back({id, m.links, keep_view ? (m.html.empty() ? m.body : m.html) : ""});
    bool again = results[i].repeated || st.earlier.accepted.count(id);
    (again ? earlier : handed)
        .push_back({id, in.campaign, in.run, in.act->id, to_string(rows.msgs[i].channel),
                    rows.keys[i], wt.dimension,
                    in.act->options.value("category", std::string("marketing"))});
    (again ? earlier_variant : handed_variant)
        .push_back(i < rows.variant.size() ? rows.variant[i] : "");
    sent_keys.push_back(rows.row_keys[static_cast<std::size_t>(rows.row[i])]);
  }
  if (auto r = insert_sent_keys(b, st.p.sent_table, wt.row_key, sent_keys); !r) {
    b.rollback();
    return r;
  }
  auto fresh = audience::record_deliveries(b, handed, format_time(now), handed_variant);
  auto known = audience::record_deliveries(b, earlier, format_time(now), earlier_variant);
  if (!fresh || !known) {
    b.rollback();
    return fresh ? known.err() : fresh.err();
  }
  if (auto l = audience::record_message_links(b, links); !l) {
    b.rollback();
    return l;
  }
  if (auto d = record_deferred(b, wt, rows, messages, done, st); !d) {
    b.rollback();
    return d;
  }
  if (auto t = b.commit(); !t) return t;
  st.p.repeated += handed.size() - fresh.value();
  for (std::size_t i = 0; i < messages; ++i) {
    const auto& id = rows.msgs[i].message_id;
    st.earlier.accepted.erase(id);
    st.earlier.refused.erase(id);
    st.earlier.in_doubt.erase(id);
  }
  count_settled(rows, messages, done, st);
  if (!st.deferred_pass) {
    st.p.position = static_cast<std::uint64_t>(lim.from + done);
    st.last_key = rows.row_keys[static_cast<std::size_t>(done - 1)];
  }
  st.p.exclusions.clear();
  for (auto& [k, v] : st.excluded) st.p.exclusions[k] = std::to_string(v);
  if (in.checkpoint)
    if (auto c = in.checkpoint(st.p); !c) return c;
  return reset_journal(st);
}

// Sends the rows `lim` allows and makes the batch durable; returns the rows it took. When the
// connector stays unavailable, what went is made durable and the task fails (errc::unavailable):
// the campaign's error policy decides, and a resume sends the rest with the same ids. When the
// engine stops, what went is made durable and the rows settled are returned (maybe fewer than
// the batch's): the caller sees the stop and ends the attempt.
result<std::int64_t> channel_runner::send_batch(audience::backend& b, connector& c,
                                                const task_input& in, const audience::worktable& wt,
                                                const batch_rows& rows, const batch_limits& lim,
                                                send_state& st, throttle* pace, bool keep_view) {
  auto results = deliver_retrying(c, rows.msgs, pace, in, st);
  results.resize(rows.msgs.size());
  auto tail = unsent_tail(results);
  auto done = tail < results.size() ? rows.row[tail] : rows.taken;  // rows this batch settles
  if (done > 0)
    if (auto s = settle(b, in, wt, rows, results, tail, done, lim, st, clock_->now(), keep_view);
        !s)
      return s.err();
  if (tail < results.size() && results[tail].reason == k_stopped_reason) return done;
  if (tail < results.size())
    return make_error(errc::unavailable, in.act->id,
                      std::string(c.kind()) + " connector: " + results[tail].reason + " (" +
                          std::to_string(results.size() - tail) +
                          " message(s) of this batch not sent; a resume sends them)");
  return rows.taken;
}

// Where a send keeps its journal of server answers: DATA_DIR/journal/CAMPAIGN/RUN-ACTIVITY.
std::string channel_runner::journal_path_of(const task_input& in) const {
  return o_.data_dir + "/journal/" + in.campaign + "/" + std::to_string(in.run) + "-" + in.act->id;
}

task_outcome interrupted() {
  task_outcome o;
  o.interrupted = true;
  return o;
}

// On the first attempt, the table that collects who was sent.
status open_sent_table(audience::backend& b, const task_input& in, const audience::worktable& wt,
                       send_state& st) {
  if (!st.p.sent_table.empty()) return ok_status();
  audience::worktable sent;
  sent.dimension = wt.dimension;
  sent.row_key = wt.row_key;
  sent.dim_key = wt.dim_key;
  sent.columns = {wt.columns.front()};
  if (auto c =
          audience::create_worktable(b, {in.campaign, in.run, in.act->id}, "out", sent, in.now);
      !c)
    return c;
  st.p.sent_table = sent.table;
  return ok_status();
}

// Quiet hours: the table of the rows deferred until their window, made on the first attempt
// (its name is the activity's, so a later attempt finds it).
status open_deferred_table(audience::backend& b, const task_input& in,
                           const audience::worktable& wt, send_state& st) {
  audience::wt_owner owner{in.campaign, in.run, in.act->id};
  auto name = audience::worktable_name(owner, "quiet_hours");
  if (audience::describe_worktable(b, name)) {
    st.deferred_table = name;
    return ok_status();
  }
  audience::worktable deferred;
  deferred.dimension = wt.dimension;
  deferred.row_key = wt.row_key;
  deferred.dim_key = wt.dim_key;
  deferred.columns = {wt.columns.front()};
  if (auto c = audience::create_worktable(b, owner, "quiet_hours", deferred, in.now); !c) return c;
  st.deferred_table = deferred.table;
  return ok_status();
}

// The outcome of the last wave: the population sent, and the counts in the task's log.
result<task_outcome> finish_send(audience::backend& b, const ev::population& pop,
                                 const send_state& st, const char* connector_kind) {
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
                   (excl.empty() ? "" : ", excluded: " + excl) + " via " + connector_kind);
  return o;
}

// After every row had its turn: the rows deferred by quiet hours whose window is open now go,
// batch by batch in key order; the others wait (the task asks to run again when the soonest
// window opens). Rows excluded for another reason by now are counted under it.
result<task_outcome> channel_runner::send_deferred(audience::backend& b, connector& c,
                                                   const task_input& in,
                                                   const audience::worktable& wt,
                                                   population_reader& reader, std::size_t batch,
                                                   send_state& st, throttle* pace, bool keep_view) {
  st.deferred_pass = true;
  std::optional<audience::value> after;
  std::optional<duration_us> wait;
  std::int64_t seen = 0;
  for (std::int64_t from = 0;;) {
    if (in.stopping()) return interrupted();
    batch_limits lim;
    lim.from = from;
    lim.n = static_cast<std::int64_t>(batch);
    auto got = reader.next({after, seen}, lim);
    if (!got) return got.err();
    if (got->taken == 0) break;
    if (got->quiet_wait) wait = std::min(*got->quiet_wait, wait.value_or(*got->quiet_wait));
    auto taken = send_batch(b, c, in, wt, *got, lim, st, pace, keep_view);
    if (!taken) return taken.err();
    if (in.stopping()) return interrupted();
    if (*taken < got->taken || got->taken < lim.n) break;
    after = got->row_keys.back();
    seen = got->seen_end;
    from += got->taken;
  }
  task_outcome out;
  if (st.excluded.count(k_quiet)) {
    out.resume_at = clock_->now() + wait.value_or(us_per_minute);
    out.resume_reason = "quiet_hours";
  }
  return out;
}

// Experiments and control groups: the rows drawn, once per (run, activity) and kept in the data
// plane, so a re-run (after a crash, or after the experiment's wait) never draws again.
struct drawn {
  std::string table;
  std::int64_t control = 0, test = 0;
};

// Draws `control` rows of the population for the control group and `test` more for the variants
// (in turn over a random order: an even, random split), in one transaction. A table left
// incomplete by a crash during the draw (nothing was sent from it yet) is drawn again.
result<drawn> draw_groups(audience::backend& b, const task_input& in, const audience::worktable& wt,
                          const channel_activity& act, std::int64_t population) {
  drawn d;
  d.control = act.control ? act.control->held_out(population) : 0;
  d.test =
      act.experiment ? std::min(act.experiment->test_rows(population), population - d.control) : 0;
  audience::wt_owner owner{in.campaign, in.run, in.act->id};
  d.table = audience::worktable_name(owner, "groups");
  if (audience::describe_worktable(b, d.table)) {
    std::int64_t n = -1;
    auto q = b.query("SELECT count(*) FROM " + audience::quote_id(d.table), {},
                     [&](const audience::row& r) {
                       auto c = audience::convert(r[0], column_type::integer);
                       if (c) n = c->i;
                       return false;
                     });
    if (!q) return q.err();
    if (n == d.control + d.test) return d;
  }
  audience::worktable groups;
  groups.dimension = wt.dimension;
  groups.row_key = wt.row_key;
  groups.dim_key = wt.dim_key;
  groups.columns = {wt.columns.front(), audience::wt_column{"grp", column_type::string, false}};
  if (auto c = audience::create_worktable(b, owner, "groups", groups, in.now); !c) return c.err();
  auto key = audience::quote_id(wt.row_key);
  std::vector<audience::value> keys;
  auto q = b.query("SELECT " + key + " FROM " + audience::quote_id(wt.table) +
                       " ORDER BY random() LIMIT " + std::to_string(d.control + d.test),
                   {}, [&](const audience::row& r) {
                     keys.push_back(r[0]);
                     return true;
                   });
  if (!q) return q.err();
  auto insert = b.prepare("INSERT INTO " + audience::quote_id(d.table) + " (" + key +
                          ", grp) VALUES (" + b.placeholder(1) + ", " + b.placeholder(2) + ")");
  if (!insert) return insert.err();
  if (auto t = b.begin(); !t) return t.err();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto ci = static_cast<std::int64_t>(i);
    std::string grp = ci < d.control
                          ? std::string(k_control_group)
                          : act.experiment->variants[static_cast<std::size_t>(ci - d.control) %
                                                     act.experiment->variants.size()];
    if (auto r = (*insert)->run({keys[i], audience::value::text(grp)}); !r) {
      b.rollback();
      return r.err();
    }
  }
  // The rows held out, visible to `feedback` filters (event held_out) by their entity key.
  std::vector<std::string> held;
  for (std::int64_t i = 0; i < d.control && wt.row_key == wt.dim_key && !wt.dimension.empty(); ++i)
    held.push_back(keys[static_cast<std::size_t>(i)].to_text());
  if (auto r = audience::record_held_out(b, in.campaign, in.run, in.act->id, wt.dimension, held);
      !r) {
    b.rollback();
    return r.err();
  }
  if (auto t = b.commit(); !t) return t.err();
  return d;
}

// After the experiment's wait: the figures of every variant from the recorded deliveries and
// feedback, and the one with the best metric (unique opens or clicks; a tie keeps the first).
result<ev::variant_chosen> choose_variant(audience::backend& b, const task_input& in,
                                          const experiment_spec& ex) {
  auto tallies = audience::variant_tallies(b, in.campaign, in.act->id, in.run);
  if (!tallies) return tallies.err();
  ev::variant_chosen c{in.run, in.act->id, "", ex.metric, {}};
  std::uint64_t best = 0;
  for (auto& name : ex.variants) {
    audience::variant_tally t;
    if (auto it = tallies->find(name); it != tallies->end()) t = it->second;
    c.figures.push_back({name, t.sent, t.opens, t.unique_opens, t.clicks, t.unique_clicks});
    auto score = ex.metric == "clicks" ? t.unique_clicks : t.unique_opens;
    if (c.variant.empty() || score > best) {
      c.variant = name;
      best = score;
    }
  }
  return c;
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
  auto rows = static_cast<std::int64_t>(pop.count);
  auto batch = std::string(conn.value()->kind()) == "file" ? o_.file_batch : o_.batch;
  send_state st;
  st.p = in.progress.value_or(ev::delivery_progress{in.run, in.act->id, 0, 0, 0, 0, {}, ""});
  for (auto& [k, v] : st.p.exclusions) st.excluded[k] = std::stoull(v);
  if (auto t = open_sent_table(b, in, *wt, st); !t) return t.err();
  // Experiments and control groups (INTERFACES.md §10): the rows drawn are left out of the main
  // pass; an experiment sends its test share first (wave 0), chooses after its wait (wave 1),
  // then sends the winner to the rest (wave 2).
  std::optional<drawn> groups;
  const channel_activity* content = &*act;
  bool test_pass = false;
  if (act->control || act->experiment) {
    auto g = draw_groups(b, in, *wt, *act, rows);
    if (!g) return g.err();
    groups = *g;
    if (g->control > 0 && st.excluded["control"] != static_cast<std::uint64_t>(g->control)) {
      st.excluded["control"] = static_cast<std::uint64_t>(g->control);
      st.p.exclusions["control"] = std::to_string(g->control);
      if (in.checkpoint)
        if (auto c = in.checkpoint(st.p); !c) return c.err();
    }
    if (act->experiment && st.p.wave == 0) {
      test_pass = true;
      rows = g->test;
    } else if (act->experiment && st.p.wave == 1) {
      auto chosen = choose_variant(b, in, *act->experiment);
      if (!chosen) return chosen.err();
      st.p.position = 0;  // the rest starts at its first row
      if (in.checkpoint)
        if (auto c = in.checkpoint(st.p); !c) return c.err();
      task_outcome later;  // recorded with the choice; the rest goes right after (wave 2)
      later.resume_at = clock_->now();
      later.resume_reason = "experiment";
      later.chosen = std::move(chosen.value());
      return later;
    } else {
      rows -= g->control + g->test;
      if (act->experiment) {
        content = act->find_variant(in.chosen_variant);
        if (!content)
          return make_error(errc::failed, in.act->id,
                            "the experiment's chosen variant '" + in.chosen_variant +
                                "' is not among its variants");
      }
    }
  }
  send_checks checks;
  checks.tracking = o_.tracking ? &*o_.tracking : nullptr;
  checks.suppression = true;  // run() made the table
  checks.fatigue = o_.deliverability.fatigue;
  if (groups) {
    checks.groups = groups->table;
    checks.test = test_pass;
  }
  // The message as rendered is kept for /t/v when its templates can link to it.
  bool keep_view = checks.tracking && act->channel == baton::channel::email && act->reads("baton");
  population_reader reader(b, o_.url, o_.data_dir, *wt, *e, *content, *rules, in, rows,
                           static_cast<std::int64_t>(batch), checks);
  // Waves split the eligible recipients; without waves the rows are an upper bound of them.
  result<std::int64_t> eligible = rows;
  if (!act->waves.is_null()) eligible = reader.count_eligible();
  if (!eligible) return eligible.err();
  auto waves = plan_waves(*eligible, act->waves);
  if (!waves) return waves.err();
  auto fit = fit_send_window(*waves, act->per_second);
  if (act->quiet)
    if (auto t = open_deferred_table(b, in, *wt, st); !t) return t.err();
  auto journal_path = journal_path_of(in);
  if (std::string(conn.value()->kind()) != "file") {
    auto earlier = send_journal::read(journal_path);
    if (!earlier) return earlier.err();
    st.earlier = std::move(earlier.value());
    auto j = send_journal::open(journal_path);
    if (!j) return j.err();
    st.journal = std::move(j.value());
  }
  std::optional<throttle> pace;
  if (act->per_second) pace.emplace(*act->per_second, *clock_);
  std::size_t last = 0;  // the last wave with recipients takes every row left
  for (std::size_t i = 0; i < waves->size(); ++i)
    if ((*waves)[i].count > 0) last = i;
  bool durable = in.progress.has_value();
  // p.wave is the wave to send: the engine moves it on when it records the wait after a wave.
  // An experiment has no waves (validation refuses them): p.wave is its phase.
  const auto phase = st.p.wave;
  const auto first = act->experiment ? std::size_t{0} : static_cast<std::size_t>(st.p.wave);
  for (auto i = first; i <= last && i < waves->size(); ++i) {
    const auto& w = (*waves)[i];
    batch_limits lim;
    lim.wave_end = i == last ? k_no_limit : w.offset + w.count;
    lim.sendable_end = fit.sendable[i] >= w.count ? k_no_limit : w.offset + fit.sendable[i];
    st.p.wave = act->experiment ? phase : static_cast<std::uint32_t>(i);
    while (st.eligible() < lim.wave_end && static_cast<std::int64_t>(st.p.position) < rows) {
      if (in.stopping()) return interrupted();
      lim.from = static_cast<std::int64_t>(st.p.position);
      lim.n = std::min<std::int64_t>(static_cast<std::int64_t>(batch), rows - lim.from);
      auto got = reader.next({st.last_key, st.eligible()}, lim);
      if (!got) return got.err();
      auto taken =
          send_batch(b, *conn.value(), in, *wt, *got, lim, st, pace ? &*pace : nullptr, keep_view);
      if (!taken) return taken.err();
      durable = true;
      if (in.stopping()) return interrupted();
      if (*taken == 0) break;  // fewer rows than counted (entity rows deleted since)
    }
    if (i == last) break;
    // The next wave goes later. A re-run before the wait is recorded (after a crash) finds this
    // wave sent and waits again: it never sends the next wave early.
    if (!durable && in.checkpoint)
      if (auto s = in.checkpoint(st.p); !s) return s.err();
    // It starts an interval after this one started (in.now), or now if sending took longer.
    task_outcome later;
    later.resume_at = std::max(clock_->now(), in.now + ((*waves)[i + 1].start - w.start));
    return later;
  }
  if (test_pass) {  // the test share went: the choice comes after the wait
    if (!durable && in.checkpoint)
      if (auto c = in.checkpoint(st.p); !c) return c.err();
    task_outcome later;
    later.resume_at = clock_->now() + act->experiment->wait;
    later.resume_reason = "experiment";
    return later;
  }
  if (!st.deferred_table.empty() && st.excluded.count(k_quiet)) {
    auto deferred_checks = checks;
    deferred_checks.only_in = st.deferred_table;
    population_reader deferred(b, o_.url, o_.data_dir, *wt, *e, *act, *rules, in, rows,
                               static_cast<std::int64_t>(batch), deferred_checks);
    auto later = send_deferred(b, *conn.value(), in, *wt, deferred, batch, st,
                               pace ? &*pace : nullptr, keep_view);
    if (!later || later->resume_at || later->interrupted) return later;
  }
  auto out = finish_send(b, pop, st, conn.value()->kind());
  if (out) send_journal::remove(journal_path);
  return out;
}

}  // namespace

std::shared_ptr<activity_runner> make_channel_runner(channel_runner_options o,
                                                     std::shared_ptr<activity_runner> next) {
  return std::make_shared<channel_runner>(std::move(o), std::move(next));
}

}  // namespace baton
