#include "audience/schema.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace baton::audience {

namespace {

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

status run(backend& b, const std::string& sql) {
  auto r = b.exec(sql, {});
  if (!r) return r.err();
  return ok_status();
}

std::string create_table_sql(const backend& b, const entity& e) {
  sql_builder q(b);
  q << "CREATE TABLE " << quote_id(e.name) << " (";
  bool first = true;
  for (const auto& c : e.columns) {
    if (!first) q << ", ";
    first = false;
    q.id(c.name) << " " << b.type_name(c.type);
    if (c.name == e.key) q << " PRIMARY KEY";
    if (c.name == e.key && b.kind() == dialect::postgres) q << " NOT NULL";
  }
  q << ")";
  return q.sql();
}

// Adds the columns the table lacks; refuses a column whose declared type differs.
status reconcile_columns(backend& b, const entity& e,
                         const std::vector<std::pair<std::string, std::string>>& existing) {
  std::map<std::string, std::string> have(existing.begin(), existing.end());
  for (const auto& c : e.columns) {
    auto it = have.find(c.name);
    if (it == have.end()) {
      sql_builder q(b);
      q << "ALTER TABLE " << quote_id(e.name) << " ADD COLUMN " << quote_id(c.name) << " "
        << b.type_name(c.type);
      if (auto st = run(b, q.sql()); !st) return st;
      continue;
    }
    auto t = type_from_declared(b.kind(), it->second);
    if (t != c.type)
      return make_error(errc::validation, "/entities/" + e.name + "/columns/" + c.name,
                        "column `" + e.name + "." + c.name + "` is " +
                            (t ? to_string(*t) : it->second) + " in the database but " +
                            to_string(c.type) +
                            " in the schema; changing a column's type is not supported "
                            "(add a new column, or export, drop the table and reload)");
  }
  return ok_status();
}

status create_indexes(backend& b, const entity_schema& schema, const entity& e) {
  auto index = [&](const entity& owner, const std::string& col) -> status {
    if (col == owner.key) return ok_status();
    std::string name = "ix_" + owner.name + "_" + col;
    if (name.size() > 63) name = name.substr(0, 63);
    return run(b, "CREATE INDEX IF NOT EXISTS " + quote_id(name) + " ON " + quote_id(owner.name) +
                      " (" + quote_id(col) + ")");
  };
  for (const auto& l : e.links) {
    const entity* target = schema.find_entity(l.to);
    for (const auto& [here, there] : l.on) {
      if (auto st = index(e, here); !st) return st;
      if (target)
        if (auto st = index(*target, there); !st) return st;
    }
  }
  return ok_status();
}

}  // namespace

std::optional<column_type> type_from_declared(dialect d, const std::string& declared) {
  std::string t = upper(declared);
  if (t == "TEXT") return column_type::string;
  if (t == "BOOLEAN") return column_type::boolean;
  if (t == "DATE") return column_type::date;
  if (d == dialect::sqlite) {
    if (t == "INTEGER") return column_type::integer;
    if (t == "REAL") return column_type::floating;
    if (t == "DATETIME") return column_type::datetime;
    return std::nullopt;
  }
  if (t == "BIGINT") return column_type::integer;
  if (t == "DOUBLE PRECISION") return column_type::floating;
  if (t == "TIMESTAMP WITH TIME ZONE") return column_type::datetime;
  return std::nullopt;
}

status ensure_internal_tables(backend& b) {
  // DDL even with IF NOT EXISTS takes table locks (PostgreSQL's CREATE INDEX takes a SHARE lock
  // before it looks), which deadlocks concurrent activity transactions: look first.
  auto have = query_int(
      b, b.kind() == dialect::sqlite
             ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
               "('baton_worktables', 'baton_audiences', 'baton_history', 'baton_incremental')"
             : "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
               "current_schema() AND table_name IN ('baton_worktables', 'baton_audiences', "
               "'baton_history', 'baton_incremental')");
  if (!have) return have.err();
  if (*have == 4) return ok_status();
  const char* ddl[] = {
      "CREATE TABLE IF NOT EXISTS baton_worktables (table_name TEXT PRIMARY KEY, campaign TEXT "
      "NOT NULL, run BIGINT NOT NULL, activity TEXT NOT NULL, output TEXT NOT NULL, dimension "
      "TEXT NOT NULL, row_key TEXT NOT NULL, dim_key TEXT NOT NULL, columns TEXT NOT NULL, "
      "created_at BIGINT NOT NULL)",
      "CREATE INDEX IF NOT EXISTS ix_baton_worktables_run ON baton_worktables (campaign, run, "
      "activity)",
      "CREATE TABLE IF NOT EXISTS baton_audiences (name TEXT PRIMARY KEY, table_name TEXT NOT "
      "NULL, dimension TEXT NOT NULL, row_key TEXT NOT NULL, dim_key TEXT NOT NULL, columns TEXT "
      "NOT NULL, row_count BIGINT NOT NULL, fingerprint TEXT NOT NULL, campaign TEXT NOT NULL, "
      "run BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS baton_history (campaign TEXT NOT NULL, activity TEXT NOT NULL, "
      "run BIGINT NOT NULL, key TEXT NOT NULL, emitted_at BIGINT NOT NULL)",
      "CREATE INDEX IF NOT EXISTS ix_baton_history_key ON baton_history (campaign, activity, key)",
      "CREATE INDEX IF NOT EXISTS ix_baton_history_run ON baton_history (campaign, activity, run)",
      "CREATE TABLE IF NOT EXISTS baton_incremental (campaign TEXT NOT NULL, activity TEXT NOT "
      "NULL, run BIGINT NOT NULL, ran_at BIGINT NOT NULL, PRIMARY KEY (campaign, activity, run))",
  };
  for (const char* sql : ddl)
    if (auto st = run(b, sql); !st) return st;
  return ok_status();
}

status apply_schema(backend& b, const entity_schema& schema) {
  return with_transaction(b, [&]() -> status {
    if (auto st = ensure_internal_tables(b); !st) return st;
    for (const auto& e : schema.entities) {
      auto existing = b.table_columns(e.name);
      if (!existing) return existing.err();
      if (existing->empty()) {
        if (auto st = run(b, create_table_sql(b, e)); !st) return st;
      } else if (auto st = reconcile_columns(b, e, *existing); !st) {
        return st;
      }
    }
    for (const auto& e : schema.entities)
      if (auto st = create_indexes(b, schema, e); !st) return st;
    return ok_status();
  });
}

result<std::uint64_t> count_rows(backend& b, const entity_schema& schema,
                                 const std::string& entity) {
  if (!schema.find_entity(entity))
    return make_error(errc::not_found, entity, "no entity `" + entity + "` in the schema");
  auto n = query_int(b, "SELECT count(*) FROM " + quote_id(entity));
  if (!n) return n.err();
  return static_cast<std::uint64_t>(*n);
}

}  // namespace baton::audience
