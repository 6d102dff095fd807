// The PostgreSQL backend over libpq: text-format parameters with explicit type OIDs (so a value
// is never parsed as SQL), results streamed in single-row mode, session in UTC with ISO dates.
#include <libpq-fe.h>

#include "audience/backend.hpp"

namespace baton::audience {

namespace {

constexpr Oid k_int8 = 20, k_int2 = 21, k_int4 = 23, k_text = 25, k_bool = 16, k_float4 = 700,
              k_float8 = 701, k_date = 1082, k_timestamptz = 1184, k_timestamp = 1114,
              k_numeric = 1700;

Oid oid_of(column_type t) {
  switch (t) {
    case column_type::integer:
      return k_int8;
    case column_type::floating:
      return k_float8;
    case column_type::boolean:
      return k_bool;
    case column_type::date:
      return k_date;
    case column_type::datetime:
      return k_timestamptz;
    default:
      return k_text;
  }
}

value from_text(const char* text, int len, Oid type) {
  std::string_view s(text, len);
  switch (type) {
    case k_int8:
    case k_int2:
    case k_int4: {
      auto v = parse_value(s, column_type::integer);
      return v ? *v : value::text(std::string(s));
    }
    case k_float4:
    case k_float8:
    case k_numeric: {
      auto v = parse_value(s, column_type::floating);
      return v ? *v : value::text(std::string(s));
    }
    case k_bool:
      return value::boolean(s == "t");
    case k_date:
      return value::date(std::string(s));
    case k_timestamptz:
    case k_timestamp: {
      auto t = parse_datetime(s);
      return t ? value::datetime(canonical_datetime(*t)) : value::text(std::string(s));
    }
    default:
      return value::text(std::string(s));
  }
}

// Parameters as libpq wants them; the strings live as long as this object.
struct pg_params {
  std::vector<std::string> text;
  std::vector<const char*> ptrs;
  std::vector<Oid> types;
  explicit pg_params(const std::vector<value>& params) {
    text.reserve(params.size());
    for (const auto& p : params) {
      text.push_back(p.to_text());
      types.push_back(oid_of(p.type));
    }
    for (std::size_t i = 0; i < params.size(); ++i)
      ptrs.push_back(params[i].null ? nullptr : text[i].c_str());
  }
  int n() const { return static_cast<int>(ptrs.size()); }
};

error pg_error(PGconn* c, const std::string& sql, PGresult* res = nullptr) {
  std::string what = res ? PQresultErrorMessage(res) : PQerrorMessage(c);
  while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
  if (!sql.empty()) what += " (in: " + sql.substr(0, 300) + ")";
  return make_error(errc::failed, "postgresql", what);
}

result<std::uint64_t> finish(PGconn* c, PGresult* res, const std::string& sql) {
  auto st = PQresultStatus(res);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    auto e = pg_error(c, sql, res);
    PQclear(res);
    return e;
  }
  const char* n = PQcmdTuples(res);
  std::uint64_t changed = n && *n ? std::stoull(n) : 0;
  PQclear(res);
  return changed;
}

class pg_statement : public statement {
 public:
  pg_statement(PGconn* c, std::string name, std::string sql)
      : c_(c), name_(std::move(name)), sql_(std::move(sql)) {}
  ~pg_statement() override {
    if (prepared_) PQclear(PQexec(c_, ("DEALLOCATE " + name_).c_str()));
  }

  result<std::uint64_t> run(const std::vector<value>& params) override {
    if (!prepared_) {
      pg_params p(params);
      PGresult* res = PQprepare(c_, name_.c_str(), sql_.c_str(), p.n(), p.types.data());
      auto r = finish(c_, res, sql_);
      if (!r) return r.err();
      prepared_ = true;
    }
    pg_params p(params);
    return finish(c_, PQexecPrepared(c_, name_.c_str(), p.n(), p.ptrs.data(), nullptr, nullptr, 0),
                  sql_);
  }

 private:
  PGconn* c_;
  std::string name_, sql_;
  bool prepared_ = false;
};

// COPY ... FROM STDIN in text format: values escaped per the format (backslash, tab, newline,
// carriage return), null as \N, sent to the server in chunks of about 1 MiB.
class pg_copy : public bulk_writer {
 public:
  pg_copy(PGconn* c, std::string sql) : c_(c), sql_(std::move(sql)) {}
  ~pg_copy() override {
    if (open_) {
      PQputCopyEnd(c_, "abandoned");
      while (PGresult* res = PQgetResult(c_)) PQclear(res);
    }
  }
  status start() {
    PGresult* res = PQexec(c_, sql_.c_str());
    bool in = PQresultStatus(res) == PGRES_COPY_IN;
    if (!in) {
      auto e = pg_error(c_, sql_, res);
      PQclear(res);
      return e;
    }
    PQclear(res);
    open_ = true;
    return ok_status();
  }
  status row(const std::vector<value>& values) override {
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i) buf_ += '\t';
      if (values[i].null) {
        buf_ += "\\N";
        continue;
      }
      append_escaped(values[i].type == column_type::string || values[i].type == column_type::date ||
                             values[i].type == column_type::datetime
                         ? std::string_view(values[i].s)
                         : std::string_view(scratch_ = values[i].to_text()));
    }
    buf_ += '\n';
    ++rows_;
    if (buf_.size() >= (1u << 20)) return flush();
    return ok_status();
  }
  result<std::uint64_t> finish() override {
    if (auto st = flush(); !st) return st.err();
    open_ = false;
    if (PQputCopyEnd(c_, nullptr) != 1) return pg_error(c_, sql_);
    std::optional<error> failure;
    while (PGresult* res = PQgetResult(c_)) {
      if (PQresultStatus(res) != PGRES_COMMAND_OK && !failure) failure = pg_error(c_, sql_, res);
      PQclear(res);
    }
    if (failure) return *failure;
    return rows_;
  }

 private:
  void append_escaped(std::string_view s) {
    for (char ch : s) switch (ch) {
        case '\\':
          buf_ += "\\\\";
          break;
        case '\t':
          buf_ += "\\t";
          break;
        case '\n':
          buf_ += "\\n";
          break;
        case '\r':
          buf_ += "\\r";
          break;
        default:
          buf_ += ch;
      }
  }
  status flush() {
    if (buf_.empty()) return ok_status();
    if (PQputCopyData(c_, buf_.data(), static_cast<int>(buf_.size())) != 1)
      return pg_error(c_, sql_);
    buf_.clear();
    return ok_status();
  }

  PGconn* c_;
  std::string sql_, buf_, scratch_;
  std::uint64_t rows_ = 0;
  bool open_ = false;
};

class pg_backend : public backend {
 public:
  pg_backend(PGconn* c, std::string url) : c_(c), url_(std::move(url)) {}
  ~pg_backend() override { PQfinish(c_); }

  dialect kind() const override { return dialect::postgres; }
  std::string describe() const override {
    return std::string("postgresql://") + PQhost(c_) + ":" + PQport(c_) + "/" + PQdb(c_);
  }

  result<std::uint64_t> exec(const std::string& sql, const std::vector<value>& params) override {
    if (params.empty()) return finish(c_, PQexec(c_, sql.c_str()), sql);
    pg_params p(params);
    return finish(
        c_,
        PQexecParams(c_, sql.c_str(), p.n(), p.types.data(), p.ptrs.data(), nullptr, nullptr, 0),
        sql);
  }

  status query(const std::string& sql, const std::vector<value>& params,
               const row_callback& on_row) override {
    pg_params p(params);
    if (!PQsendQueryParams(c_, sql.c_str(), p.n(), p.types.data(), p.ptrs.data(), nullptr, nullptr,
                           0))
      return pg_error(c_, sql);
    PQsetSingleRowMode(c_);
    std::optional<error> failure;
    bool stopped = false;
    row r;
    while (PGresult* res = PQgetResult(c_)) {
      auto st = PQresultStatus(res);
      if (st == PGRES_SINGLE_TUPLE && !stopped) {
        int n = PQnfields(res);
        r.resize(n);
        for (int i = 0; i < n; ++i)
          r[i] = PQgetisnull(res, 0, i)
                     ? value::null_of(column_type::string)
                     : from_text(PQgetvalue(res, 0, i), PQgetlength(res, 0, i), PQftype(res, i));
        if (!on_row(r)) stopped = true;  // drain the rest: libpq needs every result read
      } else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK &&
                 !failure) {
        failure = pg_error(c_, sql, res);
      }
      PQclear(res);
    }
    if (failure) return *failure;
    return ok_status();
  }

  result<std::unique_ptr<statement>> prepare(const std::string& sql) override {
    return std::unique_ptr<statement>(
        new pg_statement(c_, "baton_s" + std::to_string(++statements_), sql));
  }

  status simple(const char* sql) {
    auto r = exec(sql, {});
    if (!r) return r.err();
    return ok_status();
  }
  status begin() override { return simple("BEGIN"); }
  // A transaction in which a statement failed ends in ROLLBACK even when COMMIT is asked.
  status commit() override {
    PGresult* res = PQexec(c_, "COMMIT");
    std::string tag = PQcmdStatus(res);
    auto r = finish(c_, res, "COMMIT");
    if (!r) return r.err();
    if (tag == "ROLLBACK")
      return make_error(errc::failed, "postgresql", "the transaction was rolled back by an error");
    return ok_status();
  }
  status rollback() override { return simple("ROLLBACK"); }

  result<std::unique_ptr<bulk_writer>> copy_in(const std::string& table,
                                               const std::vector<std::string>& columns) override {
    std::string sql = "COPY " + quote_id(table) + " (";
    for (std::size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + quote_id(columns[i]);
    auto w = std::make_unique<pg_copy>(c_, sql + ") FROM STDIN");
    if (auto st = w->start(); !st) return st.err();
    return std::unique_ptr<bulk_writer>(std::move(w));
  }

  result<std::vector<std::pair<std::string, std::string>>> table_columns(
      const std::string& table) override {
    std::vector<std::pair<std::string, std::string>> cols;
    auto st = query(
        "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE "
        "table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        {value::text(table)}, [&](const row& r) {
          cols.emplace_back(r[0].s, r[1].s);
          return true;
        });
    if (!st) return st.err();
    return cols;
  }

 private:
  PGconn* c_;
  std::string url_;
  int statements_ = 0;
};

void quiet_notices(void*, const char*) {}

}  // namespace

namespace detail {

result<std::unique_ptr<backend>> open_postgres(const std::string& url) {
  PGconn* c = PQconnectdb(url.c_str());
  if (!c || PQstatus(c) != CONNECTION_OK) {
    std::string what = c ? PQerrorMessage(c) : "out of memory";
    while (!what.empty() && what.back() == '\n') what.pop_back();
    PQfinish(c);
    return make_error(errc::unavailable, "postgresql", "cannot connect: " + what);
  }
  PQsetNoticeProcessor(c, quiet_notices, nullptr);
  auto b = std::make_unique<pg_backend>(c, url);
  auto r = b->exec(
      "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 1; "
      "SET client_min_messages = warning",
      {});
  if (!r) return make_error(errc::unavailable, "postgresql", r.err().what);
  return std::unique_ptr<backend>(std::move(b));
}

}  // namespace detail

}  // namespace baton::audience
