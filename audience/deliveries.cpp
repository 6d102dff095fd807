#include "audience/deliveries.hpp"

#include <algorithm>

#include "model/time.hpp"

namespace baton::audience {

namespace {

status done(const result<std::uint64_t>& r) {
  if (!r) return r.err();
  return ok_status();
}

}  // namespace

result<bool> delivery_tables_exist(backend& b) {
  for (const char* t : {"baton_deliveries", "baton_feedback"}) {
    auto cols = b.table_columns(t);
    if (!cols) return cols.err();
    if (cols->empty()) return false;
  }
  return true;
}

namespace {

// Deliveries tables made before a column existed get it (NULL for their rows).
status add_column(backend& b, const std::string& column) {
  auto cols = b.table_columns("baton_deliveries");
  if (!cols) return cols.err();
  for (const auto& [name, type] : *cols)
    if (name == column) return ok_status();
  auto r = b.exec("ALTER TABLE baton_deliveries ADD COLUMN " + column + " TEXT");
  if (r) return ok_status();
  // Another connection added it at the same moment.
  auto again = b.table_columns("baton_deliveries");
  if (again)
    for (const auto& [name, type] : *again)
      if (name == column) return ok_status();
  return r.err();
}

}  // namespace

status ensure_delivery_tables(backend& b) {
  const std::string integer = b.type_name(column_type::integer);
  const std::vector<std::string> ddl = {
      "CREATE TABLE IF NOT EXISTS baton_deliveries (message_id TEXT PRIMARY KEY, campaign TEXT "
      "NOT NULL, run " +
          integer +
          " NOT NULL, activity TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT NOT NULL, "
          "dimension TEXT NOT NULL, sent_at TEXT NOT NULL, category TEXT, variant TEXT)",
      // The feedback filter: campaign + dimension + recipient (+ activity).
      "CREATE INDEX IF NOT EXISTS baton_deliveries_target ON baton_deliveries (campaign, "
      "dimension, recipient, activity)",
      "CREATE TABLE IF NOT EXISTS baton_feedback (message_id TEXT NOT NULL, event TEXT NOT NULL, "
      "\"at\" TEXT NOT NULL, PRIMARY KEY (message_id, event, \"at\"))",
      "CREATE TABLE IF NOT EXISTS baton_held_out (campaign TEXT NOT NULL, run " + integer +
          " NOT NULL, activity TEXT NOT NULL, dimension TEXT NOT NULL, recipient TEXT NOT NULL, "
          "PRIMARY KEY (campaign, dimension, recipient, activity, run))",
  };
  for (const auto& sql : ddl) {
    auto r = b.exec(sql);
    if (r) continue;
    // Two connections creating the same table at once (PostgreSQL may report a duplicate): fine
    // when the tables are there now.
    auto there = delivery_tables_exist(b);
    if (!there || !*there) return r.err();
  }
  if (auto c = add_column(b, "category"); !c) return c;
  return add_column(b, "variant");
}

status ensure_fatigue_index(backend& b) {
  return done(
      b.exec("CREATE INDEX IF NOT EXISTS baton_deliveries_fatigue ON baton_deliveries (dimension, "
             "recipient, channel, sent_at)"));
}

result<std::map<std::string, std::int64_t>> marketing_sent_since(
    backend& b, const std::string& dimension, const std::string& channel, time_us since,
    const std::vector<std::string>& recipients) {
  constexpr std::size_t k_chunk = 500;
  // Whole seconds without the "Z": "...:05.5Z" sorts after "...:05" (see format_time).
  std::string bound = format_time(since - ((since % 1'000'000) + 1'000'000) % 1'000'000);
  bound.pop_back();
  std::map<std::string, std::int64_t> out;
  for (std::size_t at = 0; at < recipients.size(); at += k_chunk) {
    auto n = std::min(k_chunk, recipients.size() - at);
    std::vector<value> p = {value::text(dimension), value::text(channel), value::text(bound)};
    std::string sql =
        "SELECT recipient, count(*) FROM baton_deliveries WHERE dimension = " + b.placeholder(1) +
        " AND channel = " + b.placeholder(2) + " AND sent_at >= " + b.placeholder(3) +
        " AND (category IS NULL OR category = 'marketing') AND recipient IN (";
    for (std::size_t i = 0; i < n; ++i) {
      p.push_back(value::text(recipients[at + i]));
      sql += (i ? ", " : "") + b.placeholder(static_cast<int>(p.size()));
    }
    status conv = ok_status();
    auto st = b.query(sql + ") GROUP BY recipient", p, [&](const row& r) {
      auto c = convert(r[1], column_type::integer);
      if (!c) {
        conv = c.err();
        return false;
      }
      out[r[0].to_text()] = c->i;
      return true;
    });
    if (!st) return st.err();
    if (!conv) return conv.err();
  }
  return out;
}

result<bool> held_out_table_exists(backend& b) {
  auto cols = b.table_columns("baton_held_out");
  if (!cols) return cols.err();
  return !cols->empty();
}

status record_held_out(backend& b, const std::string& campaign, std::uint32_t run,
                       const std::string& activity, const std::string& dimension,
                       const std::vector<std::string>& recipients) {
  if (recipients.empty()) return ok_status();
  auto st = b.prepare(
      "INSERT INTO baton_held_out (campaign, run, activity, dimension, recipient) "
      "VALUES (" +
      b.placeholder(1) + ", " + b.placeholder(2) + ", " + b.placeholder(3) + ", " +
      b.placeholder(4) + ", " + b.placeholder(5) + ") ON CONFLICT DO NOTHING");
  if (!st) return st.err();
  for (const auto& r : recipients) {
    auto done = (*st)->run({value::text(campaign), value::integer(static_cast<std::int64_t>(run)),
                            value::text(activity), value::text(dimension), value::text(r)});
    if (!done) return done.err();
  }
  return ok_status();
}

result<std::uint64_t> record_deliveries(backend& b, const std::vector<delivery_row>& rows,
                                        const std::string& sent_at,
                                        const std::vector<std::string>& variants) {
  // Up to 64 rows per statement: one statement per row costs more than the rows themselves.
  constexpr std::size_t k_chunk = 64;
  auto insert_sql = [&](std::size_t n) {
    std::string sql =
        "INSERT INTO baton_deliveries (message_id, campaign, run, activity, channel, recipient, "
        "dimension, sent_at, category, variant) VALUES ";
    int p = 0;
    for (std::size_t r = 0; r < n; ++r) {
      sql += r ? ", (" : "(";
      for (int i = 0; i < 10; ++i) sql += (i ? ", " : "") + b.placeholder(++p);
      sql += ")";
    }
    return sql + " ON CONFLICT (message_id) DO NOTHING";
  };
  std::unique_ptr<statement> full;
  std::uint64_t added = 0;
  for (std::size_t at = 0; at < rows.size(); at += k_chunk) {
    auto n = std::min(k_chunk, rows.size() - at);
    std::vector<value> params;
    params.reserve(n * 10);
    for (std::size_t i = at; i < at + n; ++i) {
      const auto& r = rows[i];
      const std::string variant = i < variants.size() ? variants[i] : "";
      for (auto v : {value::text(r.message_id), value::text(r.campaign),
                     value::integer(static_cast<std::int64_t>(r.run)), value::text(r.activity),
                     value::text(r.channel), value::text(r.recipient), value::text(r.dimension),
                     value::text(sent_at), value::text(r.category),
                     variant.empty() ? value::null_of(column_type::string) : value::text(variant)})
        params.push_back(std::move(v));
    }
    if (n == k_chunk && !full) {
      auto st = b.prepare(insert_sql(k_chunk));
      if (!st) return st.err();
      full = std::move(st.value());
    }
    auto r = n == k_chunk ? full->run(params) : b.exec(insert_sql(n), params);
    if (!r) return r.err();
    added += r.value();
  }
  return added;
}

result<std::optional<delivery_ref>> find_delivery(backend& b, const std::string& message_id) {
  std::optional<delivery_ref> out;
  status conv = ok_status();
  auto st = b.query(
      "SELECT campaign, run, activity, channel, recipient, dimension FROM baton_deliveries WHERE "
      "message_id = " +
          b.placeholder(1),
      {value::text(message_id)}, [&](const row& r) {
        auto run = convert(r[1], column_type::integer);
        if (!run) {
          conv = run.err();
          return false;
        }
        out = delivery_ref{r[0].to_text(), static_cast<std::uint32_t>(run->i),
                           r[2].to_text(), r[3].to_text(),
                           r[4].to_text(), r[5].to_text()};
        return false;
      });
  if (!st) return st.err();
  if (!conv) return conv.err();
  return out;
}

result<std::map<std::string, variant_tally>> variant_tallies(backend& b,
                                                             const std::string& campaign,
                                                             const std::string& activity,
                                                             std::uint32_t run) {
  std::map<std::string, variant_tally> out;
  std::vector<value> p = {value::text(campaign), value::text(activity)};
  std::string where = "d.campaign = " + b.placeholder(1) + " AND d.activity = " + b.placeholder(2) +
                      " AND d.variant IS NOT NULL";
  if (run > 0) {
    p.push_back(value::integer(run));
    where += " AND d.run = " + b.placeholder(3);
  }
  status conv = ok_status();
  auto count = [&](const audience::value& v) -> std::uint64_t {
    auto c = convert(v, column_type::integer);
    if (!c) {
      conv = c.err();
      return 0;
    }
    return static_cast<std::uint64_t>(c->i);
  };
  auto sent = b.query(
      "SELECT d.variant, count(*) FROM baton_deliveries d WHERE " + where + " GROUP BY d.variant",
      p, [&](const row& r) {
        out[r[0].to_text()].sent = count(r[1]);
        return true;
      });
  if (!sent) return sent.err();
  auto fb = b.query(
      "SELECT d.variant, f.event, count(*), count(DISTINCT f.message_id) FROM baton_feedback f "
      "JOIN baton_deliveries d ON d.message_id = f.message_id WHERE " +
          where + " AND f.event IN ('opened', 'clicked') GROUP BY d.variant, f.event",
      p, [&](const row& r) {
        auto& t = out[r[0].to_text()];
        bool opened = r[1].to_text() == "opened";
        (opened ? t.opens : t.clicks) = count(r[2]);
        (opened ? t.unique_opens : t.unique_clicks) = count(r[3]);
        return true;
      });
  if (!fb) return fb.err();
  if (!conv) return conv.err();
  return out;
}

status record_feedback(backend& b, const std::string& message_id, const std::string& event,
                       const std::string& at) {
  return done(b.exec("INSERT INTO baton_feedback (message_id, event, \"at\") VALUES (" +
                         b.placeholder(1) + ", " + b.placeholder(2) + ", " + b.placeholder(3) +
                         ") ON CONFLICT (message_id, event, \"at\") DO NOTHING",
                     {value::text(message_id), value::text(event), value::text(at)}));
}

status record_feedback(backend& b, const std::vector<feedback_row>& rows) {
  if (rows.empty()) return ok_status();
  auto st = b.prepare("INSERT INTO baton_feedback (message_id, event, \"at\") VALUES (" +
                      b.placeholder(1) + ", " + b.placeholder(2) + ", " + b.placeholder(3) +
                      ") ON CONFLICT (message_id, event, \"at\") DO NOTHING");
  if (!st) return st.err();
  for (const auto& r : rows)
    if (auto done =
            (*st)->run({value::text(r.message_id), value::text(r.event), value::text(r.at)});
        !done)
      return done.err();
  return ok_status();
}

}  // namespace baton::audience
