// enrichment (attributes over N-1/1-1 paths, aggregates and collected lines over 1-N links, a
// join with another inbound worktable) and split (ordered subsets, limits, complement).
#include <cmath>

#include "audience/activity_support.hpp"

namespace baton::audience::detail {

namespace {

// An added column and how to append its SQL expression.
struct added {
  wt_column col;
  std::function<status(sql_builder&)> sql;
};

// The one-to-many link `name` of `s` and the scope of its target (alias `a`).
result<std::pair<const link*, scope>> many_link(activity_run& r, const scope& s,
                                                const std::string& name, const std::string& where) {
  const link* l = s.ent ? s.ent->find_link(name) : nullptr;
  if (!l || l->card != cardinality::one_to_many)
    return r.invalid(where, "`" + name + "` is not a one-to-many link of these rows");
  scope below;
  below.schema = s.schema;
  below.ent = r.schema.find_entity(l->to);
  below.ent_alias = r.env.fresh_alias();
  return std::make_pair(l, below);
}

// "FROM target a WHERE <link> [AND where] ORDER BY ..., a.key" of collected lines.
status collect_from(activity_run& r, sql_builder& q, const scope& s, const json& attr,
                    const link& l, const scope& below, const std::string& ptr) {
  q << " FROM " << quote_id(l.to) << " " << below.ent_alias << " WHERE "
    << link_condition(l, s.ent_alias, below.ent_alias);
  if (attr.contains("where")) {
    q << " AND ";
    if (auto st = append_filter(q, below, attr["where"], r.env); !st)
      return r.invalid(ptr + "/where", st.err().what);
  }
  q << " ORDER BY ";
  if (attr.contains("orderBy")) {
    auto ob = order_by_sql(below, attr["orderBy"], r.env);
    if (!ob) return r.invalid(ptr + "/orderBy", ob.err().what);
    q << *ob << ", ";
  }
  q << below.ent_alias << "." << quote_id(below.ent->key);
  return ok_status();
}

// The JSON array of collected lines: [{"field": value, ...}, ...] in order.
status collect_json(activity_run& r, sql_builder& q, const scope& s, const json& attr,
                    const std::string& ptr, std::int64_t n) {
  auto lb = many_link(r, s, attr.value("link", ""), ptr + "/link");
  if (!lb) return lb.err();
  auto& [l, below] = *lb;
  bool pg = r.b.kind() == dialect::postgres;
  std::string inner, obj;
  for (const auto& f : attr["fields"]) {
    std::string name = f.get<std::string>();
    auto fs = field_sql(below, name, r.env);
    if (!fs) return r.invalid(ptr + "/fields", fs.err().what);
    std::string alias = "c" + std::to_string(inner.size());
    inner += ", " + fs->sql + " AS " + alias;
    std::string v = "x." + alias;
    if (fs->type == column_type::boolean && !pg)
      v = "CASE WHEN " + v + " IS NULL THEN NULL WHEN " + v +
          " THEN json('true') ELSE json('false') END";
    if (fs->type == column_type::datetime && pg)
      v = "to_char(" + v + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
    obj += (obj.empty() ? "'" : ", '") + name + "', " + v;
  }
  if (pg)
    q << "(SELECT coalesce(json_agg(json_build_object(" << obj
      << ")), '[]'::json)::text FROM (SELECT 1 AS baton_ord" << inner;
  else
    q << "(SELECT json_group_array(json_object(" << obj << ")) FROM (SELECT 1 AS baton_ord"
      << inner;
  if (auto st = collect_from(r, q, s, attr, *l, below, ptr); !st) return st;
  q << " LIMIT " << std::to_string(n) << ") x)";
  return ok_status();
}

status add_attribute(activity_run& r, const scope& s, const json& attr, const std::string& ptr,
                     std::vector<added>& out) {
  std::string name = attr.value("name", "");
  if (attr.contains("aggregate")) {
    auto t = std::make_shared<column_type>(column_type::integer);
    // The type is known once the SQL is built: build it once to learn it.
    sql_builder probe(r.b);
    if (auto st = append_aggregate_sql(probe, s, attr, r.env, *t); !st)
      return r.invalid(ptr, st.err().what);
    out.push_back({{name, *t, false}, [&r, &s, attr, t, ptr](sql_builder& q) -> status {
                     if (auto st = append_aggregate_sql(q, s, attr, r.env, *t); !st)
                       return r.invalid(ptr, st.err().what);
                     return ok_status();
                   }});
    return ok_status();
  }
  if (attr.contains("collect")) {
    std::int64_t n = attr.value("collect", 1);
    const json fields = attr.value("fields", json::array());
    for (std::int64_t i = 1; i <= n; ++i) {
      for (const auto& f : fields) {
        std::string field = f.get<std::string>();
        std::string cname = name + std::to_string(i) + (fields.size() > 1 ? "_" + field : "");
        auto lb = many_link(r, s, attr.value("link", ""), ptr + "/link");
        if (!lb) return lb.err();
        auto fs = field_sql(lb->second, field, r.env);
        if (!fs) return r.invalid(ptr + "/fields", fs.err().what);
        out.push_back({{cname, fs->type, false}, [&r, &s, attr, ptr, field, i](sql_builder& q) {
                         auto lb = many_link(r, s, attr.value("link", ""), ptr + "/link");
                         if (!lb) return status(lb.err());
                         auto fs = field_sql(lb->second, field, r.env);
                         if (!fs) return status(fs.err());
                         q << "(SELECT " << fs->sql;
                         if (auto st = collect_from(r, q, s, attr, *lb->first, lb->second, ptr);
                             !st)
                           return st;
                         q << " LIMIT 1 OFFSET " << std::to_string(i - 1) << ")";
                         return ok_status();
                       }});
      }
    }
    out.push_back({{name, column_type::string, true}, [&r, &s, attr, ptr, n](sql_builder& q) {
                     return collect_json(r, q, s, attr, ptr, n);
                   }});
    return ok_status();
  }
  auto fs = field_sql(s, attr.value("field", ""), r.env);
  if (!fs) return r.invalid(ptr + "/field", fs.err().what);
  std::string sql = fs->sql;
  out.push_back({{name, fs->type, fs->json}, [sql](sql_builder& q) {
                   q << sql;
                   return ok_status();
                 }});
  return ok_status();
}

// The columns of the `join.with` worktable, each the value of the first matching row.
status add_join(activity_run& r, const scope& s, const worktable& main, std::vector<added>& out,
                const worktable& other) {
  const json on = r.o["join"].value("on", json::array());
  auto os = std::make_shared<scope>(population_scope(r.schema, other));
  os->wt_alias = "o";
  os->ent_alias = "ot";
  std::string cond;
  for (const auto& pair : on) {
    auto a = field_sql(s, pair[0].get<std::string>(), r.env);
    if (!a) return r.invalid("join/on", a.err().what);
    auto b = field_sql(*os, pair[1].get<std::string>(), r.env);
    if (!b) return r.invalid("join/on", b.err().what);
    cond += (cond.empty() ? "" : " AND ") + b->sql + " = " + a->sql;
  }
  if (cond.empty()) return r.invalid("join/on", "join needs at least one pair of columns");
  std::string from = population_from(*os);
  auto holder = std::make_shared<worktable>(other);
  os->wt = holder.get();
  for (const auto& c : other.columns) {
    if (main.find(c.name) || c.name == other.row_key) continue;
    std::string sql = "(SELECT o." + quote_id(c.name) + from + " WHERE " + cond + " ORDER BY o." +
                      quote_id(other.row_key) + " LIMIT 1)";
    out.push_back({c, [sql, holder](sql_builder& q) {
                     q << sql;
                     return ok_status();
                   }});
  }
  return ok_status();
}

}  // namespace

status enrichment(activity_run& r) {
  std::string with = r.o.contains("join") ? r.o["join"].value("with", "") : "";
  std::optional<worktable> main, other;
  for (std::size_t i = 0; i < r.in.inputs.size(); ++i) {
    auto wt = r.input(i);
    if (!wt) return wt.err();
    (r.in.inputs[i].first == with && !other ? other : main) = *wt;
  }
  if (!main) return r.invalid("", "enrichment needs an inbound population");
  if (!with.empty() && !other) return r.invalid("join/with", "`" + with + "` sent no population");
  scope s = population_scope(r.schema, *main);
  std::vector<added> cols;
  const json attrs = r.o.value("attributes", json::array());
  for (std::size_t i = 0; i < attrs.size(); ++i)
    if (auto st = add_attribute(r, s, attrs[i], "attributes/" + std::to_string(i), cols); !st)
      return st;
  if (other)
    if (auto st = add_join(r, s, *main, cols, *other); !st) return st;
  worktable out = *main;
  for (const auto& a : cols) {
    if (out.find(a.col.name))
      return r.invalid("attributes", "column `" + a.col.name + "` exists already");
    out.columns.push_back(a.col);
  }
  if (auto st = r.create(out, "out"); !st) return st;
  sql_builder q(r.b);
  q << "INSERT INTO " << quote_id(out.table) << " (" << column_list(out.columns) << ") SELECT "
    << select_columns(main->columns, "w");
  for (const auto& a : cols) {
    q << ", ";
    if (auto st = a.sql(q); !st) return st;
  }
  q << population_from(s);
  if (auto st = run(r.b, q); !st) return st;
  return r.emit(out, "out");
}

}  // namespace baton::audience::detail
