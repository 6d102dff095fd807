// build_audience, read_audience, incremental_query, change_dimension and save_audience.
#include <cstdio>

#include "audience/activity_support.hpp"

namespace baton::audience::detail {

namespace {

std::string audience_table(const std::string& name) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ULL;
  std::string s;
  for (char c : name) {
    if (s.size() >= 40) break;
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    s += ok ? c : (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : '_';
  }
  char buf[20];
  std::snprintf(buf, sizeof buf, "%08llx", static_cast<unsigned long long>(h & 0xffffffffULL));
  return "aud_" + s + "_" + buf;
}

// Rows of `e` matching the activity's `filter` (all rows without one) into `wt`; `extra`
// appends more conditions (after " AND ").
status select_entity_rows(activity_run& r, const entity& e, const worktable& wt,
                          const std::function<status(sql_builder&, const scope&)>& extra) {
  scope s;
  s.schema = &r.schema;
  s.ent = &e;
  sql_builder q(r.b);
  q << "INSERT INTO " << quote_id(wt.table) << " (" << quote_id(e.key) << ") SELECT t."
    << quote_id(e.key) << " FROM " << quote_id(e.name) << " t WHERE 1 = 1";
  if (r.o.contains("filter")) {
    q << " AND ";
    if (auto st = append_filter(q, s, r.o["filter"], r.env); !st)
      return make_error(st.err().code, "/activities/" + r.in.act->id + "/filter", st.err().what);
  }
  if (extra)
    if (auto st = extra(q, s); !st) return st;
  return run(r.b, q);
}

// Copies the rows of `from` (same columns) into `to`.
status copy_rows(backend& b, const std::string& from, const worktable& to) {
  auto cols = column_list(to.columns);
  auto res = b.exec("INSERT INTO " + quote_id(to.table) + " (" + cols + ") SELECT " + cols +
                    " FROM " + quote_id(from));
  if (!res) return res.err();
  return ok_status();
}

status from_audience(activity_run& r, const std::string& name, const std::string& dimension) {
  auto aud = find_audience(r.b, name);
  if (!aud)
    return make_error(aud.err().code, "/activities/" + r.in.act->id + "/audience", aud.err().what);
  if (!dimension.empty() && aud->wt.dimension != dimension)
    return r.invalid("audience",
                     "audience `" + name + "` holds " + aud->wt.dimension + ", not " + dimension);
  worktable wt = aud->wt;
  if (auto st = r.create(wt, "out"); !st) return st;
  if (auto st = copy_rows(r.b, aud->table, wt); !st) return st;
  return r.emit(wt, "out");
}

}  // namespace

result<saved_audience> find_audience(backend& b, const std::string& name) {
  std::optional<saved_audience> a;
  auto st = b.query(
      "SELECT table_name, dimension, row_key, dim_key, columns FROM baton_audiences WHERE name = " +
          b.placeholder(1),
      {value::text(name)}, [&](const row& row) {
        auto cols = worktable::columns_from_json(json::parse(row[4].s, nullptr, false));
        a = saved_audience{name, row[0].s, worktable{"", row[1].s, row[2].s, row[3].s, cols}};
        return false;
      });
  if (!st) return st.err();
  if (!a) return make_error(errc::not_found, name, "no saved audience `" + name + "`");
  return *a;
}

status build_audience(activity_run& r) {
  std::string dim = r.o.value("dimension", r.opts.campaign_dimension);
  if (r.o.contains("audience")) return from_audience(r, r.o.value("audience", ""), dim);
  error err;
  const entity* e = find_dimension(r, dim, err);
  if (!e) return err;
  worktable wt = entity_worktable(*e);
  if (auto st = r.create(wt, "out"); !st) return st;
  if (auto st = select_entity_rows(r, *e, wt, nullptr); !st) return st;
  if (r.o.value("emitEmpty", true)) return r.emit(wt, "out");
  return r.emit_unless_empty(wt, "out", "emitEmpty is false");
}

status read_audience(activity_run& r) {
  return from_audience(r, r.o.value("audience", ""), "");
}

status change_dimension(activity_run& r) {
  auto in = r.single_input();
  if (!in) return in.err();
  const entity* from = r.schema.find_entity(in->dimension);
  if (!from || in->dim_key.empty())
    return r.invalid("", "change_dimension needs rows of an entity; reconcile file rows first");
  std::string via = r.o.value("via", "");
  const link* l = from->find_link(via);
  if (!l) return r.invalid("via", "`" + via + "` is not a link of entity `" + from->name + "`");
  const entity* to = r.schema.find_entity(l->to);
  if (!to) return r.invalid("via", "link `" + via + "` leads to unknown entity `" + l->to + "`");
  worktable wt = entity_worktable(*to);
  if (auto st = r.create(wt, "out"); !st) return st;
  sql_builder q(r.b);
  q << "INSERT INTO " << quote_id(wt.table) << " (" << quote_id(to->key) << ") SELECT DISTINCT j."
    << quote_id(to->key) << " FROM " << quote_id(in->table) << " w JOIN " << quote_id(from->name)
    << " t ON t." << quote_id(from->key) << " = w." << quote_id(in->dim_key) << " JOIN "
    << quote_id(to->name) << " j ON " << link_condition(*l, "t", "j") << " WHERE j."
    << quote_id(to->key) << " IS NOT NULL";
  if (auto st = run(r.b, q); !st) return st;
  return r.emit(wt, "out");
}

status save_audience(activity_run& r) {
  if (r.in.inputs.empty()) return r.invalid("", "save_audience needs an inbound population");
  auto in = r.single_input();
  if (!in) return in.err();
  ev::population pass = r.in.inputs[0].second;
  pass.output = "out";
  std::string name = r.o.value("audience", "");
  if (r.in.test) {
    r.log("test run: audience `" + name + "` not saved");
    r.out.outputs.push_back(pass);
    return ok_status();
  }
  worktable aud = *in;
  aud.table = audience_table(name);
  std::string ddl = "CREATE TABLE " + quote_id(aud.table) + " (";
  for (std::size_t i = 0; i < aud.columns.size(); ++i)
    ddl += (i ? ", " : "") + quote_id(aud.columns[i].name) + " " +
           (aud.columns[i].json ? "TEXT" : r.b.type_name(aud.columns[i].type)) +
           (aud.columns[i].name == aud.row_key ? " PRIMARY KEY" : "");
  for (const std::string& sql : {"DROP TABLE IF EXISTS " + quote_id(aud.table), ddl + ")"})
    if (auto res = r.b.exec(sql); !res) return res.err();
  if (auto st = copy_rows(r.b, in->table, aud); !st) return st;
  auto fp = fingerprint(r.b, aud.table, aud.columns);
  if (!fp) return fp.err();
  if (auto res = r.b.exec("DELETE FROM baton_audiences WHERE name = " + r.b.placeholder(1),
                          {value::text(name)});
      !res)
    return res.err();
  sql_builder q(r.b);
  q << "INSERT INTO baton_audiences (name, table_name, dimension, row_key, dim_key, columns, "
       "row_count, fingerprint, campaign, run, updated_at) VALUES (";
  for (auto v : {value::text(name), value::text(aud.table), value::text(aud.dimension),
                 value::text(aud.row_key), value::text(aud.dim_key),
                 value::text(aud.columns_json().dump()), value::integer(pass.count),
                 value::text(*fp), value::text(r.in.campaign), value::integer(r.in.run)}) {
    q.param(v) << ", ";
  }
  q.param(value::integer(r.in.now)) << ")";
  if (auto st = run(r.b, q); !st) return st;
  r.log("audience `" + name + "` saved: " + std::to_string(pass.count) + " rows");
  r.out.outputs.push_back(pass);
  return ok_status();
}

namespace {

using condition = std::function<status(sql_builder&, const scope&)>;

// exclude_previous: forgets this run's history (a re-run) and what is older than historyDays;
// the condition leaves out keys emitted by the runs remembered.
result<condition> not_emitted_before(activity_run& r, const entity& e) {
  std::int64_t days = r.o.value("historyDays", 0);
  sql_builder del(r.b);
  del << "DELETE FROM baton_history WHERE campaign = ";
  del.param(value::text(r.in.campaign)) << " AND activity = ";
  del.param(value::text(r.in.act->id)) << " AND (run = ";
  del.param(value::integer(r.in.run)) << (days > 0 ? " OR emitted_at < " : " OR 1 = ");
  del.param(value::integer(days > 0 ? r.in.now - days * us_per_day : 0)) << ")";
  if (auto st = run(r.b, del); !st) return st.err();
  std::string key = quote_id(e.key);
  return condition([&r, key](sql_builder& q, const scope&) -> status {
    q << " AND NOT EXISTS (SELECT 1 FROM baton_history h WHERE h.campaign = ";
    q.param(value::text(r.in.campaign)) << " AND h.activity = ";
    q.param(value::text(r.in.act->id)) << " AND h.key = CAST(t." << key << " AS TEXT))";
    return ok_status();
  });
}

// date_field: rows whose `field` is after the previous run of this activity (none: all rows).
result<condition> changed_since_last_run(activity_run& r) {
  std::optional<std::int64_t> last;
  auto st =
      r.b.query("SELECT max(ran_at) FROM baton_incremental WHERE campaign = " + r.b.placeholder(1) +
                    " AND activity = " + r.b.placeholder(2) + " AND run < " + r.b.placeholder(3),
                {value::text(r.in.campaign), value::text(r.in.act->id), value::integer(r.in.run)},
                [&](const row& row) {
                  if (!row[0].null) last = convert(row[0], column_type::integer)->i;
                  return false;
                });
  if (!st) return st.err();
  std::string field = r.o.value("field", "");
  return condition([&r, last, field](sql_builder& q, const scope& s) -> status {
    if (!last) return ok_status();
    auto f = field_sql(s, field, r.env);
    if (!f) return f.err();
    if (!is_temporal(f->type)) return r.invalid("field", "`" + field + "` is not a date");
    bool date = f->type == column_type::date;
    q << " AND " << f->sql << (date ? " >= " : " > ");
    q.param(date ? value::date(canonical_date(*last)) : value::datetime(canonical_datetime(*last)));
    return ok_status();
  });
}

// Remembers what this run emitted (exclude_previous) or when it ran (date_field).
status remember_run(activity_run& r, const entity& e, const worktable& wt, bool history) {
  std::vector<value> p = {value::text(r.in.campaign), value::text(r.in.act->id),
                          value::integer(r.in.run)};
  auto ph = [&](int n) { return r.b.placeholder(n); };
  if (history) {
    p.push_back(value::integer(r.in.now));
    auto res =
        r.b.exec("INSERT INTO baton_history (campaign, activity, run, key, emitted_at) SELECT " +
                     ph(1) + ", " + ph(2) + ", " + ph(3) + ", CAST(" + quote_id(e.key) +
                     " AS TEXT), " + ph(4) + " FROM " + quote_id(wt.table),
                 p);
    return res ? ok_status() : status(res.err());
  }
  auto del = r.b.exec("DELETE FROM baton_incremental WHERE campaign = " + ph(1) +
                          " AND activity = " + ph(2) + " AND run = " + ph(3),
                      p);
  if (!del) return del.err();
  p.push_back(value::integer(r.in.now));
  auto ins = r.b.exec("INSERT INTO baton_incremental (campaign, activity, run, ran_at) VALUES (" +
                          ph(1) + ", " + ph(2) + ", " + ph(3) + ", " + ph(4) + ")",
                      p);
  return ins ? ok_status() : status(ins.err());
}

}  // namespace

status incremental_query(activity_run& r) {
  error err;
  const entity* e = find_dimension(r, r.o.value("dimension", r.opts.campaign_dimension), err);
  if (!e) return err;
  worktable wt = entity_worktable(*e);
  if (auto st = r.create(wt, "out"); !st) return st;
  bool history = r.o.value("mode", "exclude_previous") == "exclude_previous";
  auto extra = history ? not_emitted_before(r, *e) : changed_since_last_run(r);
  if (!extra) return extra.err();
  if (auto st = select_entity_rows(r, *e, wt, *extra); !st) return st;
  if (auto st = remember_run(r, *e, wt, history); !st) return st;
  return r.emit_unless_empty(wt, "out", "nothing new since the previous runs");
}

}  // namespace baton::audience::detail
