#include "audience/backend.hpp"

#include <filesystem>

namespace baton::audience {

std::string quote_id(std::string_view name) {
  std::string r = "\"";
  for (char c : name) {
    if (c == '"') r += '"';
    r += c;
  }
  return r + "\"";
}

sql_builder& sql_builder::param(value v) {
  params_.push_back(std::move(v));
  sql_ += b_->placeholder(static_cast<int>(params_.size()));
  return *this;
}

std::string sql_builder::bind(value v) {
  params_.push_back(std::move(v));
  return b_->placeholder(static_cast<int>(params_.size()));
}

std::string backend::placeholder(int n) const {
  return kind() == dialect::sqlite ? "?" : "$" + std::to_string(n);
}

std::string backend::type_name(column_type t) const {
  bool pg = kind() == dialect::postgres;
  switch (t) {
    case column_type::string:
      return "TEXT";
    case column_type::integer:
      return pg ? "BIGINT" : "INTEGER";
    case column_type::floating:
      return pg ? "DOUBLE PRECISION" : "REAL";
    case column_type::boolean:
      return "BOOLEAN";
    case column_type::date:
      return "DATE";
    case column_type::datetime:
      return pg ? "TIMESTAMPTZ" : "DATETIME";
  }
  return "TEXT";
}

std::string backend::rank_expr(const std::string& seed_sql, const std::string& key_sql) const {
  if (kind() == dialect::sqlite) return "baton_rank(" + seed_sql + ", " + key_sql + ")";
  return "('x' || substr(encode(sha256(convert_to(" + seed_sql + " || CAST(" + key_sql +
         " AS TEXT), 'UTF8')), 'hex'), 1, 15))::bit(60)::bigint";
}

std::string backend::create_worktable_sql() const {
  return kind() == dialect::sqlite ? "CREATE TABLE " : "CREATE UNLOGGED TABLE ";
}

result<std::int64_t> query_int(backend& b, const std::string& sql, const std::vector<value>& p) {
  std::int64_t out = 0;
  auto st = b.query(sql, p, [&](const row& r) {
    if (!r.empty() && !r[0].null) {
      auto v = convert(r[0], column_type::integer);
      if (v) out = v->i;
    }
    return false;
  });
  if (!st) return st.err();
  return out;
}

status with_transaction(backend& b, const std::function<status()>& body) {
  if (auto st = b.begin(); !st) return st;
  status r = body();
  if (!r) {
    b.rollback();
    return r;
  }
  return b.commit();
}

result<std::unique_ptr<backend>> open_backend(const std::string& url, const std::string& data_dir) {
  namespace fs = std::filesystem;
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0)
    return detail::open_postgres(url);
  std::string path;
  if (url.empty()) {
    path = (fs::path(data_dir) / "data.sqlite").string();
  } else if (url.rfind("sqlite:", 0) == 0) {
    path = url.substr(7);
    if (path.rfind("//", 0) == 0) path = path.substr(2);
    if (fs::path(path).is_relative()) path = (fs::path(data_dir) / path).string();
  } else {
    return make_error(errc::validation, "data.url",
                      "unsupported data URL `" + url +
                          "`: use \"\" (SQLite in the data dir), sqlite:PATH or postgresql://...");
  }
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  return detail::open_sqlite(path);
}

}  // namespace baton::audience
