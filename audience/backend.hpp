// One interface over the two SQL backends of the data plane: SQLite (embedded default, a file in
// WAL mode) and PostgreSQL (libpq). Values travel only as bound parameters; SQL text is built from
// fixed fragments and quoted identifiers of the validated schema. A backend is ONE connection:
// use it from one thread at a time (each worker opens its own with open_backend).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "audience/value.hpp"
#include "events/result.hpp"

namespace baton::audience {

enum class dialect { sqlite, postgres };

// A prepared statement, run many times with different parameters (bulk loads).
class statement {
 public:
  virtual ~statement() = default;
  // Runs with `params` (one per placeholder) and returns the number of rows changed.
  virtual result<std::uint64_t> run(const std::vector<value>& params) = 0;
};

// Rows streamed into one table in one go (PostgreSQL's COPY FROM STDIN). Destroyed before
// finish(), it abandons the copy (the transaction then fails and must be rolled back).
class bulk_writer {
 public:
  virtual ~bulk_writer() = default;
  // One value per column named to copy_in, in that order.
  virtual status row(const std::vector<value>& values) = 0;
  // Ends the copy; returns the number of rows the server took.
  virtual result<std::uint64_t> finish() = 0;
};

// Called per result row; return false to stop early.
using row_callback = std::function<bool(const row&)>;

class backend {
 public:
  virtual ~backend() = default;
  virtual dialect kind() const = 0;
  virtual std::string describe() const = 0;  // "sqlite:/path/data.sqlite", "postgresql://host/db"

  // Runs one statement; returns the number of rows it changed (0 for DDL).
  virtual result<std::uint64_t> exec(const std::string& sql,
                                     const std::vector<value>& params = {}) = 0;
  // Runs a query and streams its rows (typed by what the backend returns: integer, float,
  // boolean (PostgreSQL), text; use convert() for the column types of a schema).
  virtual status query(const std::string& sql, const std::vector<value>& params,
                       const row_callback& on_row) = 0;
  virtual result<std::unique_ptr<statement>> prepare(const std::string& sql) = 0;

  // Transactions (not nested). SQLite takes the write lock at begin (BEGIN IMMEDIATE).
  virtual status begin() = 0;
  virtual status commit() = 0;
  virtual status rollback() = 0;

  // A bulk writer into `table`'s `columns`, or nullptr where the backend has none (SQLite, whose
  // prepared multi-row INSERT is its fastest path).
  virtual result<std::unique_ptr<bulk_writer>> copy_in(const std::string& table,
                                                       const std::vector<std::string>& columns) {
    (void)table;
    (void)columns;
    return std::unique_ptr<bulk_writer>();
  }

  // The columns of a table as (name, declared type text), empty when it does not exist.
  virtual result<std::vector<std::pair<std::string, std::string>>> table_columns(
      const std::string& table) = 0;

  // --- dialect ---
  // The n-th (1-based) parameter placeholder: "?" (SQLite) or "$n" (PostgreSQL).
  std::string placeholder(int n) const;
  // The SQL type for a column type: TEXT INTEGER REAL BOOLEAN DATE DATETIME (SQLite),
  // TEXT BIGINT DOUBLE PRECISION BOOLEAN DATE TIMESTAMPTZ (PostgreSQL).
  std::string type_name(column_type t) const;
  // A deterministic pseudo-random rank in [0, 2^60) of a row: the first 60 bits of
  // SHA-256(seed || text(key)), identical on both backends. `seed_sql` is a text placeholder.
  std::string rank_expr(const std::string& seed_sql, const std::string& key_sql) const;
  // "CREATE TABLE" or "CREATE UNLOGGED TABLE" for worktables (not crash-safe on PostgreSQL:
  // they are rebuilt by re-running the task).
  std::string create_worktable_sql() const;
};

// Opens the backend of a data URL: "" = SQLite at DATA_DIR/data.sqlite; "sqlite:PATH" (relative
// paths are under DATA_DIR); "postgresql://..." or "postgres://..." (libpq URL). Errors are
// errc::unavailable with the reason.
result<std::unique_ptr<backend>> open_backend(const std::string& url, const std::string& data_dir);

// "name" with embedded quotes doubled.
std::string quote_id(std::string_view name);

// SQL text with its parameters, built for one backend.
class sql_builder {
 public:
  explicit sql_builder(const backend& b) : b_(&b) {}
  sql_builder& raw(std::string_view text) {
    sql_ += text;
    return *this;
  }
  sql_builder& id(std::string_view name) {
    sql_ += quote_id(name);
    return *this;
  }
  sql_builder& param(value v);
  // Binds `v` and returns its placeholder for the caller to append next (before any other).
  std::string bind(value v);
  sql_builder& operator<<(std::string_view text) { return raw(text); }
  const std::string& sql() const { return sql_; }
  const std::vector<value>& params() const { return params_; }
  const backend& target() const { return *b_; }
  std::size_t size() const { return sql_.size(); }

 private:
  const backend* b_;
  std::string sql_;
  std::vector<value> params_;
};

inline result<std::uint64_t> exec(backend& b, const sql_builder& q) {
  return b.exec(q.sql(), q.params());
}
// The first column of the first row as an integer (0 when there is no row or it is null).
result<std::int64_t> query_int(backend& b, const std::string& sql,
                               const std::vector<value>& p = {});

// Runs `body` in a transaction: commits when it succeeds, rolls back when it fails.
status with_transaction(backend& b, const std::function<status()>& body);

namespace detail {
result<std::unique_ptr<backend>> open_sqlite(const std::string& path);
result<std::unique_ptr<backend>> open_postgres(const std::string& url);
}  // namespace detail

}  // namespace baton::audience
