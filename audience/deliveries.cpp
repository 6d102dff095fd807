#include "audience/deliveries.hpp"

#include <algorithm>

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

status ensure_delivery_tables(backend& b) {
  const std::string integer = b.type_name(column_type::integer);
  const std::vector<std::string> ddl = {
      "CREATE TABLE IF NOT EXISTS baton_deliveries (message_id TEXT PRIMARY KEY, campaign TEXT "
      "NOT NULL, run " +
          integer +
          " NOT NULL, activity TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT NOT NULL, "
          "dimension TEXT NOT NULL, sent_at TEXT NOT NULL)",
      // The feedback filter: campaign + dimension + recipient (+ activity).
      "CREATE INDEX IF NOT EXISTS baton_deliveries_target ON baton_deliveries (campaign, "
      "dimension, recipient, activity)",
      "CREATE TABLE IF NOT EXISTS baton_feedback (message_id TEXT NOT NULL, event TEXT NOT NULL, "
      "\"at\" TEXT NOT NULL, PRIMARY KEY (message_id, event, \"at\"))",
  };
  for (const auto& sql : ddl) {
    auto r = b.exec(sql);
    if (r) continue;
    // Two connections creating the same table at once (PostgreSQL may report a duplicate): fine
    // when the tables are there now.
    auto there = delivery_tables_exist(b);
    if (!there || !*there) return r.err();
  }
  return ok_status();
}

result<std::uint64_t> record_deliveries(backend& b, const std::vector<delivery_row>& rows,
                                        const std::string& sent_at) {
  // Up to 64 rows per statement: one statement per row costs more than the rows themselves.
  constexpr std::size_t k_chunk = 64;
  auto insert_sql = [&](std::size_t n) {
    std::string sql =
        "INSERT INTO baton_deliveries (message_id, campaign, run, activity, channel, recipient, "
        "dimension, sent_at) VALUES ";
    int p = 0;
    for (std::size_t r = 0; r < n; ++r) {
      sql += r ? ", (" : "(";
      for (int i = 0; i < 8; ++i) sql += (i ? ", " : "") + b.placeholder(++p);
      sql += ")";
    }
    return sql + " ON CONFLICT (message_id) DO NOTHING";
  };
  std::unique_ptr<statement> full;
  std::uint64_t added = 0;
  for (std::size_t at = 0; at < rows.size(); at += k_chunk) {
    auto n = std::min(k_chunk, rows.size() - at);
    std::vector<value> params;
    params.reserve(n * 8);
    for (std::size_t i = at; i < at + n; ++i) {
      const auto& r = rows[i];
      for (auto v : {value::text(r.message_id), value::text(r.campaign),
                     value::integer(static_cast<std::int64_t>(r.run)), value::text(r.activity),
                     value::text(r.channel), value::text(r.recipient), value::text(r.dimension),
                     value::text(sent_at)})
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
      "SELECT campaign, run, activity, channel, recipient FROM baton_deliveries WHERE "
      "message_id = " +
          b.placeholder(1),
      {value::text(message_id)}, [&](const row& r) {
        auto run = convert(r[1], column_type::integer);
        if (!run) {
          conv = run.err();
          return false;
        }
        out = delivery_ref{r[0].to_text(), static_cast<std::uint32_t>(run->i), r[2].to_text(),
                           r[3].to_text(), r[4].to_text()};
        return false;
      });
  if (!st) return st.err();
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

}  // namespace baton::audience
