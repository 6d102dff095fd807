// split: ordered subsets, each with a filter and an optional limit (rows or percent) taken in
// orderBy order or as a seeded random sample; on what remains unless overlap; a complement.
#include <cmath>

#include "audience/activity_support.hpp"

namespace baton::audience::detail {

namespace {

// The candidate rows of a subset: " FROM ... WHERE <filter> AND not in earlier subsets".
status candidates(activity_run& r, sql_builder& q, const scope& s, const json& subset,
                  const std::vector<std::string>& earlier, const std::string& ptr) {
  q << population_from(s) << " WHERE 1 = 1";
  if (subset.contains("filter")) {
    q << " AND ";
    if (auto st = append_filter(q, s, subset["filter"], r.env); !st)
      return r.invalid(ptr + "/filter", st.err().what);
  }
  for (const auto& t : earlier)
    q << " AND NOT EXISTS (SELECT 1 FROM " << quote_id(t) << " x WHERE x."
      << quote_id(s.wt->row_key) << " = w." << quote_id(s.wt->row_key) << ")";
  return ok_status();
}

// The row limit of a subset over `n` candidates (none = -1).
result<std::int64_t> limit_of(activity_run& r, const json& subset,
                              const std::function<result<std::int64_t>()>& count,
                              const std::string& ptr) {
  if (!subset.contains("limit")) return std::int64_t{-1};
  const json& l = subset["limit"];
  if (l.is_number_integer()) return l.get<std::int64_t>();
  std::string text = l.is_string() ? l.get<std::string>() : "";
  double pct = text.size() > 1 && text.back() == '%' ? std::strtod(text.c_str(), nullptr) : -1;
  if (!(pct > 0 && pct <= 100)) return r.invalid(ptr + "/limit", "expected N or \"P%\"");
  auto n = count();
  if (!n) return n.err();
  return static_cast<std::int64_t>(std::llround(static_cast<double>(*n) * pct / 100.0));
}

}  // namespace

status split(activity_run& r) {
  auto in = r.single_input();
  if (!in) return in.err();
  scope s = population_scope(r.schema, *in);
  bool overlap = r.o.value("overlap", false);
  std::vector<std::string> taken;  // subset tables so far (all of them, emitted or not)
  const json subsets = r.o.value("subsets", json::array());
  for (std::size_t i = 0; i < subsets.size(); ++i) {
    const json& sub = subsets[i];
    std::string ptr = "subsets/" + std::to_string(i), name = sub.value("name", "");
    const std::vector<std::string> none, &earlier = overlap ? none : taken;
    auto count = [&]() -> result<std::int64_t> {
      sql_builder q(r.b);
      q << "SELECT count(*)";
      if (auto st = candidates(r, q, s, sub, earlier, ptr); !st) return st.err();
      return query_int(r.b, q.sql(), q.params());
    };
    auto limit = limit_of(r, sub, count, ptr);
    if (!limit) return limit.err();
    worktable wt = *in;
    if (auto st = r.create(wt, name); !st) return st;
    sql_builder q(r.b);
    q << "INSERT INTO " << quote_id(wt.table) << " (" << column_list(wt.columns) << ") SELECT "
      << select_columns(wt.columns, "w");
    if (auto st = candidates(r, q, s, sub, earlier, ptr); !st) return st;
    if (*limit >= 0) {
      q << " ORDER BY ";
      if (sub.contains("orderBy")) {
        auto ob = order_by_sql(s, sub["orderBy"], r.env);
        if (!ob) return r.invalid(ptr + "/orderBy", ob.err().what);
        q << *ob;
      } else {
        std::string seed = q.bind(value::text(r.seed + name));
        q << r.b.rank_expr(seed, "w." + quote_id(wt.row_key));
      }
      q << ", w." << quote_id(wt.row_key) << " LIMIT " << std::to_string(*limit);
    }
    if (auto st = run(r.b, q); !st) return st;
    taken.push_back(wt.table);
    if (sub.value("skipEmpty", false)) {
      auto n = query_int(r.b, "SELECT count(*) FROM " + quote_id(wt.table));
      if (!n) return n.err();
      if (*n == 0) {
        r.log(name + ": empty, skipped (skipEmpty)");
        taken.pop_back();
        if (auto st = drop_worktable(r.b, wt.table); !st) return st;
        continue;
      }
    }
    if (auto st = r.emit(wt, name); !st) return st;
  }
  if (!r.o.value("complement", false)) return ok_status();
  worktable comp = *in;
  if (auto st = r.create(comp, "complement"); !st) return st;
  sql_builder q(r.b);
  q << "INSERT INTO " << quote_id(comp.table) << " (" << column_list(comp.columns) << ") SELECT "
    << select_columns(comp.columns, "w");
  if (auto st = candidates(r, q, s, json::object(), taken, "complement"); !st) return st;
  if (auto st = run(r.b, q); !st) return st;
  return r.emit(comp, "complement");
}

}  // namespace baton::audience::detail
