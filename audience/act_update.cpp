// reconciliation (file rows → rows of an entity by matching rules) and update_data (insert,
// update, upsert or delete rows of an entity from the population, with a `rejects` output).
#include "audience/activity_support.hpp"

namespace baton::audience::detail {

status reconciliation(activity_run& r) {
  auto in = r.single_input();
  if (!in) return in.err();
  error err;
  const entity* e = find_dimension(r, r.o.value("dimension", ""), err);
  if (!e) return err;
  scope s = population_scope(r.schema, *in);
  scope target;
  target.schema = &r.schema;
  target.ent = e;
  target.ent_alias = "m";
  std::string cond;
  bool as_text = false;
  const json rules = r.o.value("rules", json::array());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    auto file = field_sql(s, rules[i][0].get<std::string>(), r.env);
    if (!file) return r.invalid("rules/" + std::to_string(i) + "/0", file.err().what);
    auto field = field_sql(target, rules[i][1].get<std::string>(), r.env);
    if (!field) return r.invalid("rules/" + std::to_string(i) + "/1", field.err().what);
    if (file->type == field->type) {
      cond += (cond.empty() ? "" : " AND ") + field->sql + " = " + file->sql;
    } else {  // compare as text: correct, but cannot use an index
      as_text = true;
      cond += (cond.empty() ? "" : " AND ") + std::string("CAST(") + field->sql +
              " AS TEXT) = CAST(" + file->sql + " AS TEXT)";
    }
  }
  if (cond.empty()) return r.invalid("rules", "reconciliation needs at least one rule");
  if (as_text)
    r.log(
        "warning: a rule compares columns of different types as text; declare the file "
        "column with the entity field's type to use its index");
  const column* key = e->find_column(e->key);
  std::string key_col = in->find(e->key) ? "_" + e->key : e->key;
  worktable out = *in;
  out.dimension = e->name;
  out.dim_key = key_col;
  out.columns.insert(out.columns.begin() + 1, wt_column{key_col, key->type, false});
  if (auto st = r.create(out, "out"); !st) return st;
  std::string match = "(SELECT m." + quote_id(e->key) + " FROM " + quote_id(e->name) + " m WHERE " +
                      cond + " ORDER BY m." + quote_id(e->key) + " LIMIT 1)";
  std::string sql = "INSERT INTO " + quote_id(out.table) + " (" + column_list(out.columns) +
                    ") SELECT z.* FROM (SELECT w." + quote_id(in->row_key) + ", " + match + " AS " +
                    quote_id(key_col);
  for (std::size_t i = 1; i < in->columns.size(); ++i)
    sql += ", w." + quote_id(in->columns[i].name);
  sql += population_from(s) + ") z";
  bool keep = r.o.value("keepUnreconciled", true);
  if (!keep) sql += " WHERE z." + quote_id(key_col) + " IS NOT NULL";
  auto inserted = r.b.exec(sql);
  if (!inserted) return inserted.err();
  // Rows without a match: still in the output when kept, the rows left out when dropped.
  auto unmatched = keep ? query_int(r.b, "SELECT count(*) FROM " + quote_id(out.table) + " WHERE " +
                                             quote_id(key_col) + " IS NULL")
                        : query_int(r.b, "SELECT count(*) FROM " + quote_id(in->table));
  if (!unmatched) return unmatched.err();
  auto n = keep ? *unmatched : *unmatched - static_cast<std::int64_t>(*inserted);
  r.log(std::to_string(n) + " row(s) not reconciled" +
        (keep ? " (kept, without a key)" : " (dropped)"));
  return r.emit(out, "out");
}

namespace {

struct mapping {
  std::vector<std::pair<std::string, const column*>> keys,
      fields;  // (population column, entity column)
};

result<mapping> update_mapping(activity_run& r, const entity& e) {
  mapping m;
  const json keys = r.o.value("keys", json::array()), fields = r.o.value("fields", json::object());
  for (const auto& k : keys) {
    const column* c = e.find_column(k[1].get<std::string>());
    if (!c)
      return r.invalid("keys", "no column `" + k[1].get<std::string>() + "` in `" + e.name + "`");
    m.keys.emplace_back(k[0].get<std::string>(), c);
  }
  for (const auto& [field, col] : fields.items()) {
    const column* c = e.find_column(field);
    if (!c) return r.invalid("fields/" + field, "no column `" + field + "` in `" + e.name + "`");
    m.fields.emplace_back(col.get<std::string>(), c);
  }
  return m;
}

std::string statement_for(const backend& b, const entity& e, const mapping& m,
                          const std::string& op) {
  int n = 0;
  auto ph = [&] { return b.placeholder(++n); };
  std::string where;
  if (op == "update" || op == "delete") {
    std::string sets;
    if (op == "update")
      for (const auto& [col, c] : m.fields)
        sets += (sets.empty() ? "" : ", ") + quote_id(c->name) + " = " + ph();
    for (const auto& [col, c] : m.keys)
      where += (where.empty() ? "" : " AND ") + quote_id(c->name) + " = " + ph();
    return op == "update" ? "UPDATE " + quote_id(e.name) + " SET " + sets + " WHERE " + where
                          : "DELETE FROM " + quote_id(e.name) + " WHERE " + where;
  }
  std::string cols, vals, sets;  // insert: keys then fields
  for (const auto* list : {&m.keys, &m.fields})
    for (const auto& [col, c] : *list) {
      if (cols.find(quote_id(c->name)) != std::string::npos) continue;
      cols += (cols.empty() ? "" : ", ") + quote_id(c->name);
      vals += (vals.empty() ? "" : ", ") + ph();
    }
  return "INSERT INTO " + quote_id(e.name) + " (" + cols + ") VALUES (" + vals +
         ") ON CONFLICT DO NOTHING";
}

// The values of `list` from `row` (starting at `at`) converted to the entity's types.
std::optional<std::string> typed(const std::vector<std::pair<std::string, const column*>>& list,
                                 const row& rw, std::size_t at, bool keys, std::vector<value>& out,
                                 std::vector<std::string>* seen = nullptr) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& [col, c] = list[i];
    if (seen) {
      if (std::find(seen->begin(), seen->end(), c->name) != seen->end()) continue;
      seen->push_back(c->name);
    }
    if (keys && rw[at + i].null) return "the key `" + col + "` is empty";
    auto v = convert(rw[at + i], c->type);
    if (!v) return "`" + col + "` → " + c->name + ": " + v.err().what;
    out.push_back(std::move(*v));
  }
  return std::nullopt;
}

}  // namespace

namespace {

struct update_plan {
  const entity* e = nullptr;
  mapping m;
  std::string op;
  std::unique_ptr<statement> upd, ins, add_rej;
};

// Applies one row; returns the reason when it is rejected.
result<std::optional<std::string>> apply_row(update_plan& p, const row& rw) {
  std::vector<value> kv, fv, all;
  std::vector<std::string> seen;
  auto reason = typed(p.m.keys, rw, 1, p.op != "insert", kv);
  if (!reason) reason = typed(p.m.fields, rw, 1 + p.m.keys.size(), false, fv);
  if (reason) return reason;
  std::vector<value> params = fv;
  params.insert(params.end(), kv.begin(), kv.end());
  result<std::uint64_t> n = std::uint64_t{0};
  if (p.op != "insert") n = p.upd->run(p.op == "delete" ? kv : params);
  if (n && *n == 0 && (p.op == "insert" || p.op == "upsert")) {
    typed(p.m.keys, rw, 1, false, all, &seen);
    typed(p.m.fields, rw, 1 + p.m.keys.size(), false, all, &seen);
    n = p.ins->run(all);
  }
  if (!n) return n.err();
  if (*n > 0) return std::optional<std::string>();
  return std::optional<std::string>(
      p.op == "insert" ? "a row of `" + p.e->name + "` with this key already exists"
                       : "no row of `" + p.e->name + "` matches the keys");
}

// The plan of an update_data: entity, mapping, operation, checked against each other.
result<update_plan> plan_update(activity_run& r) {
  update_plan p;
  p.e = r.schema.find_entity(r.o.value("entity", ""));
  if (!p.e) return r.invalid("entity", "unknown entity `" + r.o.value("entity", "") + "`");
  auto m = update_mapping(r, *p.e);
  if (!m) return m.err();
  p.m = *m;
  p.op = r.o.value("operation", "upsert");
  bool has_pk = false;
  for (const auto* list : {&p.m.keys, &p.m.fields})
    for (const auto& kv : *list) has_pk = has_pk || kv.second->name == p.e->key;
  if ((p.op == "insert" || p.op == "upsert") && !has_pk)
    return r.invalid("fields", "inserting into `" + p.e->name + "` needs a value for its key `" +
                                   p.e->key + "`: map it in `keys` or `fields`");
  if (p.op != "insert" && p.m.keys.empty()) return r.invalid("keys", "`" + p.op + "` needs `keys`");
  auto upd = r.b.prepare(statement_for(r.b, *p.e, p.m, p.op == "upsert" ? "update" : p.op));
  auto ins = r.b.prepare(statement_for(r.b, *p.e, p.m, "insert"));
  if (!upd) return upd.err();
  if (!ins) return ins.err();
  p.upd = std::move(*upd);
  p.ins = std::move(*ins);
  return p;
}

// The input rows that were not rejected, as `out`.
status emit_applied(activity_run& r, const worktable& in, const worktable& rej) {
  worktable out = in;
  if (auto st = r.create(out, "out"); !st) return st;
  std::string rk = quote_id(in.row_key);
  auto res = r.b.exec("INSERT INTO " + quote_id(out.table) + " (" + column_list(out.columns) +
                      ") SELECT " + select_columns(out.columns, "w") + " FROM " +
                      quote_id(in.table) + " w WHERE NOT EXISTS (SELECT 1 FROM " +
                      quote_id(rej.table) + " x WHERE x." + rk + " = w." + rk + ")");
  if (!res) return res.err();
  return r.emit(out, "out");
}

}  // namespace

status update_data(activity_run& r) {
  auto in = r.single_input();
  if (!in) return in.err();
  auto plan = plan_update(r);
  if (!plan) return plan.err();
  update_plan& p = *plan;
  scope s = population_scope(r.schema, *in);
  std::string select = "SELECT w." + quote_id(in->row_key);
  for (const auto* list : {&p.m.keys, &p.m.fields})
    for (const auto& [col, c] : *list) {
      auto f = field_sql(s, col, r.env);
      if (!f) return r.invalid(list == &p.m.keys ? "keys" : "fields", f.err().what);
      select += ", " + f->sql;
    }
  bool keyed = in->row_key == in->dim_key;
  worktable rej{"",
                keyed ? in->dimension : "",
                in->row_key,
                keyed ? in->dim_key : "",
                {in->columns[0], {"_reason", column_type::string, false}}};
  if (auto st = r.create(rej, "rejects"); !st) return st;
  auto add_rej = r.b.prepare("INSERT INTO " + quote_id(rej.table) + " VALUES (" +
                             r.b.placeholder(1) + ", " + r.b.placeholder(2) + ")");
  if (!add_rej) return add_rej.err();
  std::vector<row> rows;  // read first: PostgreSQL runs one statement at a time per connection
  auto st = r.b.query(select + population_from(s), {}, [&](const row& rw) {
    rows.push_back(rw);
    return true;
  });
  if (!st) return st;
  std::uint64_t applied = 0;
  for (const auto& rw : rows) {
    auto reason = apply_row(p, rw);
    if (!reason) return reason.err();
    if (!*reason) {
      ++applied;
      continue;
    }
    auto key = convert(rw[0], in->columns[0].type);
    if (!key) return key.err();
    if (auto res = (*add_rej)->run({*key, value::text(**reason)}); !res) return res.err();
  }
  r.log(p.op + ": " + std::to_string(applied) + " row(s) of " + p.e->name);
  if (auto s2 = emit_applied(r, *in, rej); !s2) return s2;
  return r.emit(rej, "rejects");
}

}  // namespace baton::audience::detail
