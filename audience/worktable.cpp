#include "audience/worktable.hpp"

#include "model/number.hpp"

#include <cstdio>

namespace baton::audience {

namespace {

std::string sanitise(const std::string& s, std::size_t max) {
  std::string r;
  for (char c : s) {
    if (r.size() >= max) break;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
      r += c;
    else if (c >= 'A' && c <= 'Z')
      r += static_cast<char>(c - 'A' + 'a');
    else
      r += '_';
  }
  return r;
}

std::uint64_t fnv(const std::string& s, std::uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t mix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Numbers as doubles: SQLite writes 480.0 where PostgreSQL writes 480.
void normalise_numbers(nlohmann::json& j) {
  if (j.is_number()) {
    j = j.get<double>();
  } else if (j.is_structured()) {
    for (auto& e : j) normalise_numbers(e);
  }
}

// The canonical bytes of one value of a column, for hashing.
void canonical(const value& v, const wt_column& c, std::string& out) {
  if (v.null) {
    out += "\x01N";
    return;
  }
  out += '\x02';
  if (c.json) {
    auto j = nlohmann::json::parse(v.s, nullptr, false);
    if (!j.is_discarded()) normalise_numbers(j);
    out += j.is_discarded() ? v.s : j.dump();
    return;
  }
  auto cv = convert(v, c.type);
  if (cv && c.type == column_type::floating) {  // sums differ in the last bits with row order
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.12g", cv->f);
    out += buf;
    return;
  }
  out += cv ? cv->to_text() : v.to_text();
}

}  // namespace

const wt_column* worktable::find(std::string_view name) const {
  for (const auto& c : columns)
    if (c.name == name) return &c;
  return nullptr;
}

nlohmann::json worktable::columns_json() const {
  auto a = nlohmann::json::array();
  for (const auto& c : columns) {
    nlohmann::json o = {{"name", c.name}, {"type", to_string(c.type)}};
    if (c.json) o["json"] = true;
    a.push_back(o);
  }
  return a;
}

std::vector<wt_column> worktable::columns_from_json(const nlohmann::json& j) {
  std::vector<wt_column> cols;
  for (const auto& o : j)
    cols.push_back(
        {o.value("name", ""),
         column_type_from_string(o.value("type", "string")).value_or(column_type::string),
         o.value("json", false)});
  return cols;
}

std::string worktable_name(const wt_owner& o, const std::string& output) {
  std::string full =
      o.campaign + '\x1f' + std::to_string(o.run) + '\x1f' + o.activity + '\x1f' + output;
  std::string h = hex64(mix(fnv(full, 0xcbf29ce484222325ULL))).substr(0, 8);
  return "wt_" + sanitise(o.campaign, 14) + "_r" + std::to_string(o.run) + "_" +
         sanitise(o.activity, 14) + "_" + sanitise(output, 10) + "_" + h;
}

result<worktable> describe_worktable(backend& b, const std::string& table) {
  std::optional<worktable> wt;
  auto st = b.query(
      "SELECT dimension, row_key, dim_key, columns FROM baton_worktables WHERE table_name = " +
          b.placeholder(1),
      {value::text(table)}, [&](const row& r) {
        wt = worktable{table, r[0].s, r[1].s, r[2].s,
                       worktable::columns_from_json(nlohmann::json::parse(r[3].s, nullptr, false))};
        return false;
      });
  if (!st) return st.err();
  if (!wt)
    return make_error(errc::not_found, table,
                      "no such worktable (it was dropped by retention, or never created)");
  return *wt;
}

status drop_worktable(backend& b, const std::string& table) {
  auto r = b.exec("DROP TABLE IF EXISTS " + quote_id(table));
  if (!r) return r.err();
  r = b.exec("DELETE FROM baton_worktables WHERE table_name = " + b.placeholder(1),
             {value::text(table)});
  if (!r) return r.err();
  return ok_status();
}

status create_worktable(backend& b, const wt_owner& o, const std::string& output, worktable& wt,
                        time_us now) {
  wt.table = worktable_name(o, output);
  if (auto st = drop_worktable(b, wt.table); !st) return st;
  std::string ddl = b.create_worktable_sql() + quote_id(wt.table) + " (";
  for (std::size_t i = 0; i < wt.columns.size(); ++i) {
    const auto& c = wt.columns[i];
    ddl += (i ? ", " : "") + quote_id(c.name) + " " +
           (c.json ? std::string("TEXT") : b.type_name(c.type));
    if (c.name == wt.row_key) ddl += " PRIMARY KEY";
  }
  auto r = b.exec(ddl + ")");
  if (!r) return r.err();
  sql_builder q(b);
  q << "INSERT INTO baton_worktables (table_name, campaign, run, activity, output, dimension, "
       "row_key, dim_key, columns, created_at) VALUES (";
  q.param(value::text(wt.table)) << ", ";
  q.param(value::text(o.campaign)) << ", ";
  q.param(value::integer(o.run)) << ", ";
  q.param(value::text(o.activity)) << ", ";
  q.param(value::text(output)) << ", ";
  q.param(value::text(wt.dimension)) << ", ";
  q.param(value::text(wt.row_key)) << ", ";
  q.param(value::text(wt.dim_key)) << ", ";
  q.param(value::text(wt.columns_json().dump())) << ", ";
  q.param(value::integer(now)) << ")";
  r = exec(b, q);
  if (!r) return r.err();
  return ok_status();
}

namespace {
result<std::vector<std::string>> registered(backend& b, const std::string& where,
                                            const std::vector<value>& params) {
  std::vector<std::string> tables;
  auto st =
      b.query("SELECT table_name FROM baton_worktables WHERE " + where, params, [&](const row& r) {
        tables.push_back(r[0].s);
        return true;
      });
  if (!st) return st.err();
  return tables;
}
}  // namespace

status drop_activity_worktables(backend& b, const wt_owner& o) {
  auto tables =
      registered(b,
                 "campaign = " + b.placeholder(1) + " AND run = " + b.placeholder(2) +
                     " AND activity = " + b.placeholder(3),
                 {value::text(o.campaign), value::integer(o.run), value::text(o.activity)});
  if (!tables) return tables.err();
  for (const auto& t : *tables)
    if (auto st = drop_worktable(b, t); !st) return st;
  return ok_status();
}

result<std::uint64_t> drop_run_worktables(backend& b, const std::string& campaign,
                                          std::uint32_t run) {
  std::uint64_t n = 0;
  auto st = with_transaction(b, [&]() -> status {
    auto tables = registered(b, "campaign = " + b.placeholder(1) + " AND run = " + b.placeholder(2),
                             {value::text(campaign), value::integer(run)});
    if (!tables) return tables.err();
    for (const auto& t : *tables) {
      if (auto s = drop_worktable(b, t); !s) return s;
      ++n;
    }
    return ok_status();
  });
  if (!st) return st.err();
  return n;
}

result<std::uint64_t> drop_worktables_up_to(backend& b, const std::string& campaign,
                                            std::uint32_t last_run) {
  // A data plane where no worktable was ever made has no registry: nothing to drop.
  auto have = query_int(b, b.kind() == dialect::sqlite
                               ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                 "name = 'baton_worktables'"
                               : "SELECT count(*) FROM information_schema.tables WHERE "
                                 "table_schema = current_schema() AND table_name = "
                                 "'baton_worktables'");
  if (!have) return have.err();
  if (*have == 0) return std::uint64_t{0};
  auto tables = registered(b, "campaign = " + b.placeholder(1) + " AND run <= " + b.placeholder(2),
                           {value::text(campaign), value::integer(last_run)});
  if (!tables) return tables.err();
  if (tables->empty()) return std::uint64_t{0};
  auto st = with_transaction(b, [&]() -> status {
    for (const auto& t : *tables)
      if (auto s = drop_worktable(b, t); !s) return s;
    return ok_status();
  });
  if (!st) return st.err();
  return static_cast<std::uint64_t>(tables->size());
}

result<std::string> fingerprint(backend& b, const std::string& table,
                                const std::vector<wt_column>& columns) {
  std::string cols;
  for (const auto& c : columns) cols += (cols.empty() ? "" : ", ") + quote_id(c.name);
  std::uint64_t sum1 = 0, sum2 = 0, n = 0;
  std::string bytes;
  auto st = b.query("SELECT " + cols + " FROM " + quote_id(table), {}, [&](const row& r) {
    bytes.clear();
    for (std::size_t i = 0; i < r.size() && i < columns.size(); ++i)
      canonical(r[i], columns[i], bytes);
    sum1 += mix(fnv(bytes, 0xcbf29ce484222325ULL));
    sum2 += mix(fnv(bytes, 0x84222325cbf29ce4ULL) ^ 0x5bd1e995ULL);
    ++n;
    return true;
  });
  if (!st) return st.err();
  std::string header;
  for (const auto& c : columns) header += c.name + ':' + to_string(c.type) + ';';
  return hex64(sum1 ^ mix(n) ^ fnv(header, 0xcbf29ce484222325ULL)) + hex64(sum2 ^ mix(n + 1));
}

result<ev::population> finish_worktable(backend& b, const worktable& wt,
                                        const std::string& output) {
  auto n = query_int(b, "SELECT count(*) FROM " + quote_id(wt.table));
  if (!n) return n.err();
  auto fp = fingerprint(b, wt.table, wt.columns);
  if (!fp) return fp.err();
  return ev::population{output, wt.table, static_cast<std::uint64_t>(*n), wt.dimension, *fp};
}

nlohmann::json cell_json(const value& raw, column_type type, bool json) {
  if (raw.null) return nullptr;
  auto v = convert(raw, type);
  if (!v || v->null) return nullptr;
  if (json) {
    auto j = nlohmann::json::parse(v->s, nullptr, false);
    return j.is_discarded() ? nlohmann::json(v->s) : j;
  }
  switch (type) {
    case column_type::integer:
      return v->i;
    case column_type::floating:
      return format_number(v->f);
    case column_type::boolean:
      return v->i != 0;
    default:
      return v->s;
  }
}

}  // namespace baton::audience
