// The SQLite backend: one connection in WAL mode with a busy timeout, typed parameter binding,
// and the function baton_rank(seed, key) (SHA-256 based, the same as the PostgreSQL expression).
#include <openssl/evp.h>
#include <sqlite3.h>

#include "audience/backend.hpp"

namespace baton::audience {

namespace {

error sqlite_error(sqlite3* db, const std::string& sql) {
  std::string what = sqlite3_errmsg(db);
  if (!sql.empty()) what += " (in: " + sql.substr(0, 300) + ")";
  return make_error(errc::failed, "sqlite", what);
}

void rank_function(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc != 2) return sqlite3_result_null(ctx);
  std::string data;
  auto* seed = sqlite3_value_text(argv[0]);
  auto* key = sqlite3_value_text(argv[1]);
  if (seed) data.append(reinterpret_cast<const char*>(seed), sqlite3_value_bytes(argv[0]));
  if (key) data.append(reinterpret_cast<const char*>(key), sqlite3_value_bytes(argv[1]));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | md[i];
  sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(v >> 4));
}

int bind(sqlite3_stmt* s, int idx, const value& v) {
  if (v.null) return sqlite3_bind_null(s, idx);
  switch (v.type) {
    case column_type::integer:
    case column_type::boolean:
      return sqlite3_bind_int64(s, idx, v.i);
    case column_type::floating:
      return sqlite3_bind_double(s, idx, v.f);
    default:
      return sqlite3_bind_text(s, idx, v.s.data(), static_cast<int>(v.s.size()), SQLITE_STATIC);
  }
}

value column_value(sqlite3_stmt* s, int i) {
  switch (sqlite3_column_type(s, i)) {
    case SQLITE_INTEGER:
      return value::integer(sqlite3_column_int64(s, i));
    case SQLITE_FLOAT:
      return value::floating(sqlite3_column_double(s, i));
    case SQLITE_NULL:
      return value::null_of(column_type::string);
    default: {
      auto* t = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
      return value::text(std::string(t, sqlite3_column_bytes(s, i)));
    }
  }
}

class sqlite_statement : public statement {
 public:
  sqlite_statement(sqlite3* db, sqlite3_stmt* s, std::string sql)
      : db_(db), s_(s), sql_(std::move(sql)) {}
  ~sqlite_statement() override { sqlite3_finalize(s_); }

  result<std::uint64_t> run(const std::vector<value>& params) override {
    sqlite3_reset(s_);
    for (std::size_t i = 0; i < params.size(); ++i)
      if (bind(s_, static_cast<int>(i + 1), params[i]) != SQLITE_OK) return sqlite_error(db_, sql_);
    int rc;
    while ((rc = sqlite3_step(s_)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) {
      auto e = sqlite_error(db_, sql_);
      sqlite3_reset(s_);
      return e;
    }
    return static_cast<std::uint64_t>(sqlite3_changes64(db_));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
  std::string sql_;
};

class sqlite_backend : public backend {
 public:
  sqlite_backend(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~sqlite_backend() override { sqlite3_close_v2(db_); }

  dialect kind() const override { return dialect::sqlite; }
  std::string describe() const override { return "sqlite:" + path_; }

  result<sqlite3_stmt*> prepare_raw(const std::string& sql, const std::vector<value>& params) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &s, nullptr) !=
        SQLITE_OK) {
      auto e = sqlite_error(db_, sql);
      sqlite3_finalize(s);
      return e;
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (bind(s, static_cast<int>(i + 1), params[i]) != SQLITE_OK) {
        auto e = sqlite_error(db_, sql);
        sqlite3_finalize(s);
        return e;
      }
    }
    return s;
  }

  result<std::uint64_t> exec(const std::string& sql, const std::vector<value>& params) override {
    if (params.empty() && sql.find(';') != std::string::npos) {  // a fixed script (no values)
      char* msg = nullptr;
      if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
        std::string what = msg ? msg : "error";
        sqlite3_free(msg);
        return make_error(errc::failed, "sqlite", what + " (in: " + sql.substr(0, 300) + ")");
      }
      return std::uint64_t{0};
    }
    auto s = prepare_raw(sql, params);
    if (!s) return s.err();
    int rc;
    while ((rc = sqlite3_step(*s)) == SQLITE_ROW) {
    }
    auto changes = static_cast<std::uint64_t>(sqlite3_changes64(db_));
    sqlite3_finalize(*s);
    if (rc != SQLITE_DONE) return sqlite_error(db_, sql);
    return changes;
  }

  status query(const std::string& sql, const std::vector<value>& params,
               const row_callback& on_row) override {
    auto s = prepare_raw(sql, params);
    if (!s) return s.err();
    int n = sqlite3_column_count(*s);
    row r(n);
    int rc;
    while ((rc = sqlite3_step(*s)) == SQLITE_ROW) {
      for (int i = 0; i < n; ++i) r[i] = column_value(*s, i);
      if (!on_row(r)) {
        rc = SQLITE_DONE;
        break;
      }
    }
    if (rc != SQLITE_DONE) {
      auto e = sqlite_error(db_, sql);
      sqlite3_finalize(*s);
      return e;
    }
    sqlite3_finalize(*s);
    return ok_status();
  }

  result<std::unique_ptr<statement>> prepare(const std::string& sql) override {
    auto s = prepare_raw(sql, {});
    if (!s) return s.err();
    return std::unique_ptr<statement>(new sqlite_statement(db_, *s, sql));
  }

  status simple(const char* sql) {
    auto r = exec(sql, {});
    if (!r) return r.err();
    return ok_status();
  }
  status begin() override { return simple("BEGIN IMMEDIATE"); }
  status commit() override { return simple("COMMIT"); }
  status rollback() override { return simple("ROLLBACK"); }

  result<std::vector<std::pair<std::string, std::string>>> table_columns(
      const std::string& table) override {
    std::vector<std::pair<std::string, std::string>> cols;
    auto st = query("SELECT name, type FROM pragma_table_info(?)", {value::text(table)},
                    [&](const row& r) {
                      cols.emplace_back(r[0].s, r[1].s);
                      return true;
                    });
    if (!st) return st.err();
    return cols;
  }

 private:
  sqlite3* db_;
  std::string path_;
};

}  // namespace

namespace detail {

result<std::unique_ptr<backend>> open_sqlite(const std::string& path) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string what = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return make_error(errc::unavailable, path, "cannot open the SQLite database: " + what);
  }
  sqlite3_busy_timeout(db, 120000);
  sqlite3_create_function_v2(db, "baton_rank", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                             rank_function, nullptr, nullptr, nullptr);
  auto b = std::make_unique<sqlite_backend>(db, path);
  auto r = b->exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA case_sensitive_like=ON; "
      "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536; PRAGMA foreign_keys=OFF; "
      "PRAGMA wal_autocheckpoint=10000;",
      {});
  if (!r) return make_error(errc::unavailable, path, r.err().what);
  return std::unique_ptr<backend>(std::move(b));
}

}  // namespace detail

}  // namespace baton::audience
