#include "actors/channel_rows.hpp"

#include <thread>
#include <variant>

#include "audience/deliveries.hpp"
#include "audience/suppression.hpp"

namespace baton {

namespace {

using namespace baton::channels;

std::string key_of(const audience::value& v) {
  return v.null ? "" : v.to_text();
}

}  // namespace

population_reader::population_reader(audience::backend& b, std::string url, std::string data_dir,
                                     const audience::worktable& wt, const entity& e,
                                     const channel_activity& act, const recipient_rules& rules,
                                     const task_input& in, std::int64_t rows, std::int64_t batch,
                                     send_checks checks)
    : b_(b),
      url_(std::move(url)),
      data_dir_(std::move(data_dir)),
      wt_(wt),
      e_(e),
      act_(act),
      rules_(rules),
      in_(in),
      rows_(rows),
      batch_(batch),
      checks_(std::move(checks)) {
  // The entity's columns, then those added upstream; of them only what eligibility checks and
  // what a template can read.
  auto needed = [&](const std::string& name) {
    return name == rules.address_column || name == rules.consent_column || act.reads(name) ||
           (act.quiet && name == act.quiet->timezone_field);
  };
  for (auto& c : e.columns)
    if ((!wt.find(c.name) || c.name == wt.dim_key) && needed(c.name))
      cols_.push_back({c.name, c.type, false, "e." + audience::quote_id(c.name)});
  for (auto& c : wt.columns)
    if (c.name != wt.row_key && c.name != wt.dim_key && needed(c.name))
      cols_.push_back({c.name, c.type, c.json, "w." + audience::quote_id(c.name)});
}

population_reader::~population_reader() {
  if (ahead_.valid()) ahead_.wait();
}

// The rows with their entity's columns, in key order: all of them when n < 0; else n rows
// after the key bound as parameter 1 (`after_key`), or from row `from` (an OFFSET). The
// worktable's rows are picked first (a range of its primary key), then joined: a plain join
// lets SQLite drive the range through the entity table and sort, scanning the rest of it for
// every batch. A row whose entity row is gone comes with NULL columns (excluded as such).
std::string population_reader::rows_sql(audience::backend& b, const std::vector<out_col>& cols,
                                        std::int64_t from, std::int64_t n, bool after_key) const {
  auto key = audience::quote_id(wt_.row_key);
  std::string picked = "SELECT * FROM " + audience::quote_id(wt_.table);
  std::vector<std::string> where;
  if (n >= 0 && after_key) where.push_back(key + " > " + b.placeholder(1));
  if (!checks_.only_in.empty())
    where.push_back(key + " IN (SELECT " + key + " FROM " + audience::quote_id(checks_.only_in) +
                    ")");
  if (!checks_.groups.empty())
    where.push_back(key + (checks_.test ? " IN" : " NOT IN") + " (SELECT " + key + " FROM " +
                    audience::quote_id(checks_.groups) +
                    (checks_.test ? std::string(" WHERE grp <> '") + k_control_group + "'" : "") +
                    ")");
  for (std::size_t i = 0; i < where.size(); ++i) picked += (i ? " AND " : " WHERE ") + where[i];
  picked += " ORDER BY " + key;
  if (n >= 0) picked += " LIMIT " + std::to_string(n);
  if (n >= 0 && !after_key && from > 0) picked += " OFFSET " + std::to_string(from);
  std::string sql = "SELECT w." + key;
  for (auto& c : cols) sql += ", " + c.sql;
  std::string groups;
  if (checks_.test) {  // each row's variant, last
    sql += ", g.grp";
    groups = " LEFT JOIN " + audience::quote_id(checks_.groups) + " g ON g." + key + " = w." + key;
  }
  return sql + " FROM (" + picked + ") w LEFT JOIN " + audience::quote_id(e_.name) + " e ON e." +
         audience::quote_id(e_.key) + " = w." + audience::quote_id(wt_.dim_key) + groups +
         " ORDER BY w." + key;
}

namespace {

template <class Col>
nlohmann::json row_json(const audience::row& r, const std::vector<Col>& cols) {
  nlohmann::json row = nlohmann::json::object();
  for (std::size_t i = 1; i < r.size() && i - 1 < cols.size(); ++i)
    row[cols[i - 1].name] = audience::cell_json(r[i], cols[i - 1].type, cols[i - 1].json);
  return row;
}

}  // namespace

result<std::int64_t> population_reader::count_eligible() {
  std::vector<out_col> used;
  for (auto& c : cols_)
    if (c.name == rules_.address_column || c.name == rules_.consent_column) used.push_back(c);
  std::int64_t n = 0;
  auto q = b_.query(rows_sql(b_, used, 0, -1, false), {}, [&](const audience::row& r) {
    n += check_recipient(rules_, row_json(r, used)).eligible ? 1 : 0;
    return true;
  });
  if (!q) return q.err();
  return n;
}

struct population_reader::candidate {
  audience::value row_key;
  std::string key;
  nlohmann::json row;
  std::string group;  // the test pass of an experiment: the row's variant
};

// Per candidate row: `suppressed` when its address is on the suppression list for this
// category, `fatigue` when its recipient already had `max` messages within a rule's days, else
// no_address (meaning: no reason from these checks; consent and address come next).
result<std::vector<exclusion_reason>> population_reader::precheck(
    audience::backend& b, const std::vector<candidate>& rows) const {
  std::vector<exclusion_reason> out(rows.size(), exclusion_reason::no_address);
  const bool marketing = act_.category == category::marketing;
  const std::string channel = to_string(act_.channel);
  if (checks_.suppression) {
    std::vector<std::string> addrs;
    for (auto& c : rows) {
      auto it = c.row.find(rules_.address_column);
      if (it != c.row.end() && it->is_string())
        addrs.push_back(audience::suppression_address(channel, it->get<std::string>()));
    }
    auto sup = audience::suppressed_among(b, channel, marketing, addrs);
    if (!sup) return sup.err();
    if (!sup->empty())
      for (std::size_t i = 0; i < rows.size(); ++i) {
        auto it = rows[i].row.find(rules_.address_column);
        if (it != rows[i].row.end() && it->is_string() &&
            sup->count(audience::suppression_address(channel, it->get<std::string>())))
          out[i] = exclusion_reason::suppressed;
      }
  }
  for (const auto& rule : checks_.fatigue) {
    if (rule.channel != channel || rule.category != to_string(act_.category)) continue;
    std::vector<std::string> keys;
    for (auto& c : rows) keys.push_back(c.key);
    constexpr time_us day = 86'400'000'000LL;
    auto sent =
        audience::marketing_sent_since(b, wt_.dimension, channel, in_.now - rule.days * day, keys);
    if (!sent) return sent.err();
    for (std::size_t i = 0; i < rows.size(); ++i)
      if (out[i] == exclusion_reason::no_address)
        if (auto it = sent->find(rows[i].key); it != sent->end() && it->second >= rule.max)
          out[i] = exclusion_reason::fatigue;
  }
  return out;
}

result<batch_rows> population_reader::read(audience::backend& b, const read_start& start,
                                           const batch_limits& lim) const {
  std::vector<candidate> cands;
  std::vector<audience::value> params;
  if (start.after) params.push_back(*start.after);
  auto sql = rows_sql(b, cols_, lim.from, lim.n, start.after.has_value());
  auto q = b.query(sql, params, [&](const audience::row& r) {
    cands.push_back({r[0], key_of(r[0]), row_json(r, cols_),
                     checks_.test && r.size() > cols_.size() + 1 ? key_of(r.back()) : ""});
    return true;
  });
  if (!q) return q.err();
  auto pre = precheck(b, cands);
  if (!pre) return pre.err();
  batch_rows rows;
  std::int64_t seen = start.seen;
  // Eligibility, rendering and the JSON line of every candidate not suppressed, on two threads
  // for a large batch (the rows' order and the limits are applied after, in order below). A row
  // past the wave's end is rendered for nothing: rendering is independent of the limits.
  send_context ctx{in_.campaign, in_.run, checks_.tracking, ""};
  std::vector<std::optional<std::variant<message, exclusion>>> prepared(cands.size());
  auto prepare = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      if ((*pre)[i] == exclusion_reason::suppressed) continue;
      const channel_activity* use = &act_;
      if (checks_.test)
        if (auto* v = act_.find_variant(cands[i].group)) use = v;
      auto m = prepare_message(*use, rules_, ctx, cands[i].key, cands[i].row);
      if (auto* msg = std::get_if<message>(&m)) msg->line = json_line(*msg);
      prepared[i] = std::move(m);
    }
  };
  constexpr std::size_t k_parallel_from = 256;
  if (cands.size() >= k_parallel_from && std::thread::hardware_concurrency() > 1) {
    auto half = cands.size() / 2;
    auto other = std::async(std::launch::async, prepare, half, cands.size());
    prepare(0, half);
    other.get();
  } else {
    prepare(0, cands.size());
  }
  for (std::size_t i = 0; i < cands.size(); ++i) {
    if (seen >= lim.wave_end) break;  // the wave is complete: the rest is the next one's
    auto& c = cands[i];
    auto at = rows.taken++;
    rows.row_keys.push_back(c.row_key);
    if ((*pre)[i] == exclusion_reason::suppressed) {
      rows.excluded.emplace_back(at, to_string(exclusion_reason::suppressed));
      continue;
    }
    const channel_activity* use = &act_;
    if (checks_.test)
      if (auto* v = act_.find_variant(c.group)) use = v;
    auto& m = *prepared[i];
    if (auto* msg = std::get_if<message>(&m)) {
      if ((*pre)[i] == exclusion_reason::fatigue) {
        rows.excluded.emplace_back(at, to_string(exclusion_reason::fatigue));
        continue;
      }
      if (act_.quiet) {  // deferred until the recipient's window opens
        auto tz = c.row.find(act_.quiet->timezone_field);
        auto zone = tz != c.row.end() && tz->is_string() ? tz->get<std::string>() : "";
        if (auto wait = quiet_wait(*act_.quiet, zone, in_.now)) {
          rows.excluded.emplace_back(at, to_string(exclusion_reason::quiet_hours));
          rows.quiet_wait = std::min(*wait, rows.quiet_wait.value_or(*wait));
          continue;
        }
      }
      if (seen++ >= lim.sendable_end) {
        rows.excluded.emplace_back(at, to_string(exclusion_reason::outside_send_window));
        continue;
      }
      rows.msgs.push_back(std::move(*msg));
      rows.keys.push_back(c.key);
      rows.row.push_back(at);
      rows.variant.push_back(use->variant);
    } else {
      rows.excluded.emplace_back(at, to_string(std::get<exclusion>(m).reason));
    }
  }
  rows.seen_end = seen;
  return rows;
}

void population_reader::read_ahead(const read_start& start, const batch_limits& lim) {
  if (ahead_failed_) return;
  if (!ahead_db_) {
    auto db = audience::open_backend(url_, data_dir_);
    if (!db) {  // read each batch when asked for, then
      ahead_failed_ = true;
      return;
    }
    ahead_db_ = std::move(db.value());
  }
  ahead_from_ = lim.from;
  ahead_seen_ = start.seen;
  ahead_lim_ = lim;
  ahead_ =
      std::async(std::launch::async, [this, start, lim] { return read(*ahead_db_, start, lim); });
}

result<batch_rows> population_reader::next(const read_start& start, const batch_limits& lim) {
  std::optional<result<batch_rows>> got;
  if (ahead_.valid()) {
    auto r = ahead_.get();
    if (ahead_from_ == lim.from && ahead_seen_ == start.seen && ahead_lim_.n == lim.n &&
        ahead_lim_.wave_end == lim.wave_end && ahead_lim_.sendable_end == lim.sendable_end)
      got = std::move(r);
  }
  if (!got) got = read(b_, start, lim);
  if (!*got) return std::move(*got);
  const auto& rows = got->value();
  // The next batch, as if this one goes whole: it starts after this one's last row.
  batch_limits after = lim;
  after.from = lim.from + rows.taken;
  after.n = std::min(batch_, rows_ - after.from);
  if (rows.taken == lim.n && after.n > 0 && rows.seen_end < lim.wave_end)
    read_ahead({rows.row_keys.back(), rows.seen_end}, after);
  return std::move(*got);
}

}  // namespace baton
