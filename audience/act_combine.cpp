// combine (union, intersection, exclusion, with complements) and deduplication.
#include <algorithm>

#include "audience/activity_support.hpp"

namespace baton::audience::detail {

namespace {

struct member {
  std::string source;
  worktable wt;
  scope s;
};

// The inputs of a combine, the primary (or the first) in front.
result<std::vector<member>> combine_inputs(activity_run& r) {
  std::vector<std::string> ids;
  if (r.o.contains("inputs"))
    for (const auto& id : r.o["inputs"]) ids.push_back(id.get<std::string>());
  else
    for (const auto& [source, pop] : r.in.inputs)
      if (std::find(ids.begin(), ids.end(), source) == ids.end()) ids.push_back(source);
  if (ids.size() < 2) return r.invalid("inputs", "combine needs at least 2 inbound populations");
  std::string primary = r.o.value("primary", ids[0]);
  auto p = std::find(ids.begin(), ids.end(), primary);
  if (p == ids.end()) return r.invalid("primary", "`" + primary + "` is not one of the inputs");
  std::rotate(ids.begin(), p, p + 1);
  std::vector<member> ms;
  for (const auto& id : ids) {
    auto wt = r.input_from(id);
    if (!wt) return wt.err();
    ms.push_back({id, *wt, {}});
  }
  for (std::size_t i = 0; i < ms.size(); ++i) {
    if (ms[i].wt.dimension != ms[0].wt.dimension || ms[i].wt.row_key != ms[0].wt.row_key)
      return r.invalid("inputs", "the inputs hold different rows (`" + ms[0].source +
                                     "`: " + ms[0].wt.dimension + ", `" + ms[i].source +
                                     "`: " + ms[i].wt.dimension + ")");
    ms[i].s = population_scope(r.schema, ms[i].wt);
    ms[i].s.wt_alias = "w" + std::to_string(i);
    ms[i].s.ent_alias = "t" + std::to_string(i);
  }
  return ms;
}

// The SQL of the match columns of member `m`.
result<std::vector<std::string>> match_sql(activity_run& r, const member& m) {
  std::vector<std::string> out;
  const json match = r.o.value("match", json("key"));
  if (match.is_string()) {
    const std::string& k = m.wt.dim_key.empty() ? m.wt.row_key : m.wt.dim_key;
    out.push_back(m.s.wt_alias + "." + quote_id(k));
    return out;
  }
  for (const auto& f : match) {
    auto sql = field_sql(m.s, f.get<std::string>(), r.env);
    if (!sql) return r.invalid("match", sql.err().what);
    out.push_back(sql->sql);
  }
  return out;
}

// "EXISTS (SELECT 1 FROM <m> WHERE <m's match> = <outer>)".
result<std::string> exists_in(activity_run& r, const member& m,
                              const std::vector<std::string>& outer) {
  auto mine = match_sql(r, m);
  if (!mine) return mine.err();
  std::string s = "EXISTS (SELECT 1" + population_from(m.s) + " WHERE ";
  for (std::size_t i = 0; i < outer.size(); ++i)
    s += (i ? " AND " : "") + (*mine)[i] + " = " + outer[i];
  return s + ")";
}

// Columns every member has (name and type), in the first member's order.
std::vector<wt_column> common_columns(const std::vector<member>& ms) {
  std::vector<wt_column> cols;
  for (const auto& c : ms[0].wt.columns) {
    bool everywhere = std::all_of(ms.begin(), ms.end(), [&](const member& m) {
      const wt_column* o = m.wt.find(c.name);
      return o && o->type == c.type;
    });
    if (everywhere) cols.push_back(c);
  }
  return cols;
}

// Union rows (one per match value, the first input's first) into `wt`; with `not_everywhere`
// only those whose match value is missing from some input (the intersection's complement).
status union_into(activity_run& r, const std::vector<member>& ms, const worktable& wt,
                  bool not_everywhere) {
  std::string cols = column_list(wt.columns), parts, mcols;
  std::size_t nmatch = 0;
  for (std::size_t i = 0; i < ms.size(); ++i) {
    auto m = match_sql(r, ms[i]);
    if (!m) return m.err();
    nmatch = m->size();
    std::string sel = select_columns(wt.columns, ms[i].s.wt_alias);
    for (std::size_t k = 0; k < m->size(); ++k)
      sel += ", " + (*m)[k] + " AS baton_m" + std::to_string(k);
    sel += ", " + std::to_string(i) + " AS baton_src";
    parts += (i ? " UNION ALL SELECT " : "SELECT ") + sel + population_from(ms[i].s);
  }
  std::vector<std::string> outer;
  std::string partition, nulls;
  for (std::size_t k = 0; k < nmatch; ++k) {
    std::string m = "baton_m" + std::to_string(k);
    outer.push_back("z." + m);
    partition += (k ? ", " : "") + m;
    nulls += " OR z." + m + " IS NULL";
  }
  std::string where = "(z.baton_rn = 1" + nulls + ")";
  if (not_everywhere) {
    std::string all;
    for (const auto& m : ms) {
      auto e = exists_in(r, m, outer);
      if (!e) return e.err();
      all += (all.empty() ? "" : " AND ") + *e;
    }
    where += " AND NOT (" + all + ")";
  }
  std::string sql = "INSERT INTO " + quote_id(wt.table) + " (" + cols + ") SELECT " +
                    select_columns(wt.columns, "z") +
                    " FROM (SELECT u.*, row_number() OVER (PARTITION BY " + partition +
                    " ORDER BY baton_src, " + quote_id(wt.row_key) + ") AS baton_rn FROM (" +
                    parts + ") u) z WHERE " + where + " ON CONFLICT DO NOTHING";
  auto res = r.b.exec(sql);
  if (!res) return res.err();
  return ok_status();
}

// Rows of the primary whose match value is in every other input (`every`) or in none.
status primary_into(activity_run& r, const std::vector<member>& ms, const worktable& wt, bool every,
                    bool negate) {
  auto m0 = match_sql(r, ms[0]);
  if (!m0) return m0.err();
  std::string cond;
  for (std::size_t i = 1; i < ms.size(); ++i) {
    auto e = exists_in(r, ms[i], *m0);
    if (!e) return e.err();
    cond += (cond.empty() ? "" : every ? " AND " : " OR ") + *e;
  }
  std::string sql = "INSERT INTO " + quote_id(wt.table) + " (" + column_list(wt.columns) +
                    ") SELECT " + select_columns(wt.columns, ms[0].s.wt_alias) +
                    population_from(ms[0].s) + " WHERE " + (negate ? "NOT (" : "(") + cond + ")";
  auto res = r.b.exec(sql);
  if (!res) return res.err();
  return ok_status();
}

}  // namespace

status combine(activity_run& r) {
  auto ms = combine_inputs(r);
  if (!ms) return ms.err();
  std::string mode = r.o.value("mode", "union");
  bool complement = r.o.value("complement", false);
  worktable out = (*ms)[0].wt;
  if (mode == "union") out.columns = common_columns(*ms);
  if (auto st = r.create(out, "out"); !st) return st;
  status st = mode == "union"          ? union_into(r, *ms, out, false)
              : mode == "intersection" ? primary_into(r, *ms, out, true, false)
                                       : primary_into(r, *ms, out, false, true);
  if (!st) return st;
  if (auto e = r.emit(out, "out"); !e) return e;
  if (!complement || mode == "union") return ok_status();
  worktable comp = (*ms)[0].wt;
  if (mode == "intersection") comp.columns = common_columns(*ms);
  if (auto s = r.create(comp, "complement"); !s) return s;
  st = mode == "intersection" ? union_into(r, *ms, comp, true)
                              : primary_into(r, *ms, comp, false, false);
  if (!st) return st;
  return r.emit(comp, "complement");
}

namespace {

// SELECT of the input's rows with their rank in their duplicate group (baton_rn) and whether a
// key is null (such rows are never duplicates).
status ranked_rows(activity_run& r, sql_builder& q, const worktable& in, const scope& s) {
  std::string keys, nulls;
  for (const auto& k : r.o.value("keys", json::array())) {
    auto f = field_sql(s, k.get<std::string>(), r.env);
    if (!f) return r.invalid("keys", f.err().what);
    keys += (keys.empty() ? "" : ", ") + f->sql;
    nulls += (nulls.empty() ? "" : " OR ") + f->sql + " IS NULL";
  }
  if (keys.empty()) return r.invalid("keys", "deduplication needs at least one key field");
  std::string method = r.o.value("method", "random");
  q << "SELECT " << select_columns(in.columns, "w") << ", CASE WHEN " << nulls
    << " THEN 1 ELSE 0 END AS baton_null, row_number() OVER (PARTITION BY " << keys << " ORDER BY ";
  std::string rk = "w." + quote_id(in.row_key);
  if (method == "expression") {
    auto ob = order_by_sql(s, r.o.value("orderBy", json::object()), r.env);
    if (!ob) return r.invalid("orderBy", ob.err().what);
    q << *ob << ", ";
  } else if (method == "non_empty" || method == "value_list") {
    auto f = field_sql(s, r.o.value("field", ""), r.env);
    if (!f) return r.invalid("field", f.err().what);
    if (method == "non_empty") {
      q << "CASE WHEN " << f->sql << " IS NULL"
        << (f->type == column_type::string ? " OR " + f->sql + " = ''" : "")
        << " THEN 1 ELSE 0 END, ";
    } else {
      const json values = r.o.value("values", json::array());
      q << "CASE";
      for (std::size_t i = 0; i < values.size(); ++i) {
        auto v = filter_value(values[i], f->type, r.env);
        if (!v) return r.invalid("values/" + std::to_string(i), v.err().what);
        q << " WHEN " << f->sql << " = ";
        q.param(*v) << " THEN " << std::to_string(i);
      }
      q << " ELSE " << std::to_string(values.size()) << " END, ";
    }
  }
  if (method != "expression") {
    std::string seed = q.bind(value::text(r.seed));
    q.raw(q.target().rank_expr(seed, rk)) << ", ";
  }
  q << rk << ") AS baton_rn" << population_from(s);
  return ok_status();
}

}  // namespace

status deduplication(activity_run& r) {
  auto in = r.single_input();
  if (!in) return in.err();
  scope s = population_scope(r.schema, *in);
  std::int64_t keep = r.o.value("keep", 1);
  bool complement = r.o.value("complement", false);
  auto fill = [&](worktable& wt, const std::string& output, bool kept) -> status {
    if (auto st = r.create(wt, output); !st) return st;
    sql_builder q(r.b);
    q << "INSERT INTO " << quote_id(wt.table) << " (" << column_list(wt.columns) << ") SELECT "
      << select_columns(wt.columns, "z") << " FROM (";
    if (auto st = ranked_rows(r, q, *in, s); !st) return st;
    q << ") z WHERE ";
    if (keep == 0)
      q << (kept ? "1 = 1" : "1 = 0");
    else
      q << (kept ? "" : "NOT ") << "(z.baton_null = 1 OR z.baton_rn <= " << std::to_string(keep)
        << ")";
    if (auto st = run(r.b, q); !st) return st;
    return r.emit(wt, output);
  };
  worktable out = *in;
  if (auto st = fill(out, "out", true); !st) return st;
  if (!complement) return ok_status();
  worktable comp = *in;
  return fill(comp, "complement", false);
}

}  // namespace baton::audience::detail
