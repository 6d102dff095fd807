#include "audience/filter.hpp"

#include <functional>
#include <optional>

#include "audience/deliveries.hpp"

namespace baton::audience {

using nlohmann::json;

namespace {

error invalid(const std::string& what) {
  return make_error(errc::validation, "filter", what);
}

std::string col(const std::string& alias, const std::string& name) {
  return alias + "." + quote_id(name);
}

// The SQL of a resolved entity field: nested scalar subqueries along its links.
std::string follow(const field_ref& ref, std::size_t i, const std::string& alias,
                   const entity_schema& schema, filter_env& env) {
  if (i == ref.links.size()) return col(alias, ref.col->name);
  const link& l = *ref.links[i];
  std::string a = env.fresh_alias();
  return "(SELECT " + follow(ref, i + 1, a, schema, env) + " FROM " + quote_id(l.to) + " " + a +
         " WHERE " + link_condition(l, alias, a) + " LIMIT 1)";
}

std::string escape_like(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') r += '\\';
    r += c;
  }
  return r;
}

const char* comparison(const std::string& op) {
  if (op == "eq") return " = ";
  if (op == "ne") return " <> ";
  if (op == "lt") return " < ";
  if (op == "le") return " <= ";
  if (op == "gt") return " > ";
  if (op == "ge") return " >= ";
  return nullptr;
}

status append_node(sql_builder& q, const scope& s, const json& f, filter_env& env, int depth);

}  // namespace

status append_aggregate_sql(sql_builder& q, const scope& s, const json& body, filter_env& env,
                            column_type& type, int depth);

namespace {

// The string member `key` of `j`: `missing` when j is not an object or has no such member,
// nullopt when the member is not a string (filters reach the compiler from stored definitions
// too: a wrong type is an error value, never a nlohmann exception).
std::optional<std::string> text_member(const json& j, const char* key, const char* missing = "") {
  if (!j.is_object()) return std::string(missing);
  auto it = j.find(key);
  if (it == j.end()) return std::string(missing);
  if (!it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// "<lhs> <op> <value>" for a field or an aggregate whose SQL is `lhs` and type `t`.
status append_comparison(sql_builder& q, const std::function<status()>& lhs,
                         const column_type& type, const json& node, const filter_env& env) {
  auto op_text = text_member(node, "op");
  if (!op_text) return invalid("`op` must be a string");
  const std::string& op = *op_text;
  const json* v = node.contains("value") ? &node.at("value") : nullptr;
  if (op == "is_null" || op == "not_null") {
    q << "(";
    if (auto st = lhs(); !st) return st;
    q << (op == "is_null" ? " IS NULL)" : " IS NOT NULL)");
    return ok_status();
  }
  if (!v) return invalid("`" + op + "` needs a `value`");
  auto one = [&](const json& j, column_type t) -> status {
    auto val = filter_value(j, t, env);
    if (!val) return val.err();
    q.param(*val);
    return ok_status();
  };
  if (const char* c = comparison(op)) {
    q << "(";
    if (auto st = lhs(); !st) return st;
    q << c;
    if (auto st = one(*v, type); !st) return st;
    q << ")";
    return ok_status();
  }
  if (op == "in" || op == "not_in" || op == "between") {
    if (!v->is_array() || v->empty() || (op == "between" && v->size() != 2))
      return invalid("`" + op + "` needs an array of values");
    q << "(";
    if (auto st = lhs(); !st) return st;
    q << (op == "in" ? " IN (" : op == "not_in" ? " NOT IN (" : " BETWEEN ");
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (i) q << (op == "between" ? " AND " : ", ");
      if (auto st = one((*v)[i], type); !st) return st;
    }
    q << (op == "between" ? ")" : "))");
    return ok_status();
  }
  if (op == "starts_with" || op == "contains" || op == "like") {
    auto val = filter_value(*v, column_type::string, env);
    if (!val) return val.err();
    std::string pattern = op == "like"          ? val->s
                          : op == "starts_with" ? escape_like(val->s) + "%"
                                                : "%" + escape_like(val->s) + "%";
    q << "(";
    if (auto st = lhs(); !st) return st;
    q << " LIKE ";
    q.param(value::text(pattern));
    q << (op == "like" ? ")" : " ESCAPE '\\')");
    return ok_status();
  }
  return invalid("unknown operator `" + op + "`");
}

// The one-to-many link `name` of the scope's entity, and the scope below it.
result<std::pair<const link*, scope>> link_below(const scope& s, const json& name,
                                                 filter_env& env) {
  if (!s.ent) return invalid("links need rows of an entity; these rows have no dimension");
  if (!name.is_string()) return invalid("`link` must be a link name");
  const link* l = s.ent->find_link(name.get<std::string>());
  if (!l)
    return invalid("`" + name.get<std::string>() + "` is not a link of `" + s.ent->name + "`");
  if (l->card != cardinality::one_to_many)
    return invalid("`" + l->name + "` is a " + to_string(l->card) +
                   " link; exists and aggregates need a one-to-many link (use a field path such "
                   "as `" +
                   l->name + ".column`)");
  scope below;
  below.schema = s.schema;
  below.ent = s.schema->find_entity(l->to);
  below.ent_alias = env.fresh_alias();
  if (!below.ent) return invalid("link `" + l->name + "` leads to unknown entity `" + l->to + "`");
  return std::make_pair(l, below);
}

status append_where(sql_builder& q, const scope& below, const json& body, filter_env& env,
                    int depth) {
  if (!body.contains("where")) return ok_status();
  q << " AND ";
  return append_node(q, below, body.at("where"), env, depth + 1);
}

status append_exists(sql_builder& q, const scope& s, const json& body, filter_env& env, int depth) {
  if (!body.is_object()) return invalid("`exists` takes {\"link\", \"where\"}");
  auto lb = link_below(s, body.value("link", json()), env);
  if (!lb) return lb.err();
  auto& [l, below] = *lb;
  q << "EXISTS (SELECT 1 FROM " << quote_id(l->to) << " " << below.ent_alias << " WHERE "
    << link_condition(*l, s.ent_alias, below.ent_alias);
  if (auto st = append_where(q, below, body, env, depth); !st) return st;
  q << ")";
  return ok_status();
}

}  // namespace

// The SQL "(SELECT fn(..) FROM target a WHERE join AND where)" of an aggregate over a 1-N link.
status append_aggregate_sql(sql_builder& q, const scope& s, const json& body, filter_env& env,
                            column_type& type, int depth) {
  if (!body.is_object())
    return invalid("`aggregate` takes {\"link\", \"fn\", \"field\", \"where\"}");
  auto lb = link_below(s, body.value("link", json()), env);
  if (!lb) return lb.err();
  auto& [l, below] = *lb;
  auto fn_text = text_member(body, body.contains("fn") ? "fn" : "aggregate");
  auto field = text_member(body, "field");
  if (!fn_text || !field) return invalid("`fn` and `field` of an aggregate must be strings");
  const std::string& fn = *fn_text;
  std::string expr = "count(*)";
  type = column_type::integer;
  if (fn != "count") {
    auto f = field_sql(below, *field, env);
    if (!f) return f.err();
    const std::string flt = q.target().type_name(column_type::floating);
    if (fn == "sum") {
      expr = "coalesce(CAST(sum(" + f->sql + ") AS " + flt + "), 0)";
      type = column_type::floating;
    } else if (fn == "avg") {
      expr = "CAST(avg(" + f->sql + ") AS " + flt + ")";
      type = column_type::floating;
    } else if (fn == "min" || fn == "max") {
      expr = fn + "(" + f->sql + ")";
      type = f->type;
    } else {
      return invalid("unknown aggregate `" + fn + "` (count, sum, avg, min, max)");
    }
  }
  q << "(SELECT " << expr << " FROM " << quote_id(l->to) << " " << below.ent_alias << " WHERE "
    << link_condition(*l, s.ent_alias, below.ent_alias);
  if (auto st = append_where(q, below, body, env, depth); !st) return st;
  q << ")";
  return ok_status();
}

namespace {

// The entity key of the scope's rows, as text (how deliveries record their recipient).
std::string key_text_sql(const scope& s) {
  std::string key = s.wt && !s.wt->dim_key.empty() ? col(s.wt_alias, s.wt->dim_key)
                                                   : col(s.ent_alias, s.ent->key);
  const column* k = s.ent->find_column(s.ent->key);
  if (k && k->type == column_type::string) return key;
  return "CAST(" + key + " AS TEXT)";
}

// EXISTS a delivery of the campaign (and activity) to this row's key in its dimension, and for
// an event other than "sent" a feedback row with that event; `held_out`: EXISTS a row of
// baton_held_out instead (a control group held it out: no message). Matches nothing when nothing
// was ever sent on this data plane (no delivery tables yet).
status append_feedback(sql_builder& q, const scope& s, const json& body) {
  if (!s.ent) return invalid("`feedback` needs rows of an entity; these rows have no dimension");
  if (!body.is_object()) return invalid("`feedback` takes {\"campaign\", \"activity\", \"event\"}");
  const json campaign = body.value("campaign", json());
  const json activity = body.value("activity", json());
  const json event = body.value("event", json());
  if (!campaign.is_string() || campaign.get<std::string>().empty())
    return invalid("`feedback` needs a `campaign` id");
  if (!activity.is_null() && !activity.is_string())
    return invalid("`feedback.activity` must be an activity id");
  if (!event.is_string()) return invalid("`feedback` needs an `event`");
  // The builder's backend is the caller's connection; this only reads the catalog.
  if (event.get<std::string>() == "held_out") {  // held out by a control group: no message
    auto held = held_out_table_exists(const_cast<backend&>(q.target()));
    if (!held) return held.err();
    if (!*held) {
      q << "(1 = 0)";
      return ok_status();
    }
    q << "EXISTS (SELECT 1 FROM baton_held_out bh WHERE bh.campaign = "
      << q.bind(value::text(campaign.get<std::string>()));
    q << " AND bh.dimension = " << q.bind(value::text(s.ent->name));
    q << " AND bh.recipient = " << key_text_sql(s);
    if (activity.is_string())
      q << " AND bh.activity = " << q.bind(value::text(activity.get<std::string>()));
    q << ")";
    return ok_status();
  }
  auto there = delivery_tables_exist(const_cast<backend&>(q.target()));
  if (!there) return there.err();
  if (!*there) {
    q << "(1 = 0)";
    return ok_status();
  }
  q << "EXISTS (SELECT 1 FROM baton_deliveries bd WHERE bd.campaign = "
    << q.bind(value::text(campaign.get<std::string>()));
  q << " AND bd.dimension = " << q.bind(value::text(s.ent->name));
  q << " AND bd.recipient = " << key_text_sql(s);
  if (activity.is_string())
    q << " AND bd.activity = " << q.bind(value::text(activity.get<std::string>()));
  if (event.get<std::string>() != "sent")
    q << " AND EXISTS (SELECT 1 FROM baton_feedback bf WHERE bf.message_id = bd.message_id AND "
         "bf.event = "
      << q.bind(value::text(event.get<std::string>())) << ")";
  q << ")";
  return ok_status();
}

status append_node(sql_builder& q, const scope& s, const json& f, filter_env& env, int depth) {
  if (depth > 32) return invalid("filter nested too deeply");
  if (!f.is_object()) return invalid("a filter must be an object");
  if (f.contains("all") || f.contains("any")) {
    bool all = f.contains("all");
    const json& items = f.at(all ? "all" : "any");
    if (!items.is_array()) return invalid("`all`/`any` takes an array of filters");
    if (items.empty()) {
      q << (all ? "(1 = 1)" : "(1 = 0)");
      return ok_status();
    }
    q << "(";
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i) q << (all ? " AND " : " OR ");
      if (auto st = append_node(q, s, items[i], env, depth + 1); !st) return st;
    }
    q << ")";
    return ok_status();
  }
  if (f.contains("not")) {
    q << "(NOT ";
    if (auto st = append_node(q, s, f.at("not"), env, depth + 1); !st) return st;
    q << ")";
    return ok_status();
  }
  if (f.contains("field")) {
    auto path = text_member(f, "field");
    if (!path) return invalid("`field` must be a field path");
    auto field = field_sql(s, *path, env);
    if (!field) return field.err();
    auto lhs = [&]() -> status {
      q << field->sql;
      return ok_status();
    };
    return append_comparison(q, lhs, field->type, f, env);
  }
  if (f.contains("exists")) return append_exists(q, s, f.at("exists"), env, depth);
  if (f.contains("aggregate")) {
    column_type t = column_type::integer;
    auto lhs = [&]() { return append_aggregate_sql(q, s, f.at("aggregate"), env, t, depth); };
    return append_comparison(q, lhs, t, f, env);
  }
  if (f.contains("feedback")) return append_feedback(q, s, f.at("feedback"));
  return invalid("a filter needs one of all, any, not, field, exists, aggregate");
}

}  // namespace

}  // namespace baton::audience

namespace baton::audience {

std::string link_condition(const link& l, const std::string& from_alias,
                           const std::string& to_alias) {
  std::string r;
  for (const auto& [here, there] : l.on)
    r += (r.empty() ? "" : " AND ") + col(to_alias, there) + " = " + col(from_alias, here);
  return r;
}

result<typed_sql> field_sql(const scope& s, const std::string& path, filter_env& env) {
  if (path.empty()) return invalid("a field path is required");
  if (s.wt && path.find('.') == std::string::npos)
    if (const wt_column* c = s.wt->find(path))
      return typed_sql{col(s.wt_alias, c->name), c->type, c->json};
  if (!s.ent) return invalid("unknown column `" + path + "` (these rows have no dimension)");
  auto ref = s.schema->resolve_field(*s.ent, path);
  if (!ref) return make_error(errc::validation, "filter", ref.err().what);
  return typed_sql{follow(*ref, 0, s.ent_alias, *s.schema, env), ref->col->type, false};
}

status append_filter(sql_builder& q, const scope& s, const json& filter, filter_env& env) {
  return append_node(q, s, filter, env, 0);
}

result<std::string> order_by_sql(const scope& s, const json& order_by, filter_env& env) {
  if (!order_by.is_object()) return invalid("orderBy must be {\"field\", \"direction\"}");
  auto path = text_member(order_by, "field");
  auto direction = text_member(order_by, "direction", "asc");
  if (!path || !direction) return invalid("orderBy's `field` and `direction` must be strings");
  auto f = field_sql(s, *path, env);
  if (!f) return f.err();
  bool desc = *direction == "desc";
  return f->sql + (desc ? " DESC" : " ASC") + " NULLS LAST";
}

result<value> filter_value(const json& v, column_type t, const filter_env& env) {
  std::string text;
  if (v.is_object() && v.contains("daysAgo")) {
    const json& days = v["daysAgo"];
    // Bounded so that days * us_per_day cannot overflow (about 27 000 years either way).
    if (!days.is_number_integer() || days.get<std::int64_t>() < -10'000'000 ||
        days.get<std::int64_t>() > 10'000'000)
      return invalid("daysAgo takes an integer from -10000000 to 10000000");
    if (!is_temporal(t))
      return invalid(std::string("daysAgo applies only to date and date-time fields, not ") +
                     to_string(t));
    time_us at = env.now - v["daysAgo"].get<std::int64_t>() * us_per_day;
    return t == column_type::date ? value::date(canonical_date(at))
                                  : value::datetime(canonical_datetime(at));
  }
  if (v.is_object() && v.contains("variable")) {
    auto variable = text_member(v, "variable");
    if (!variable) return invalid("`variable` takes a variable name");
    const std::string& name = *variable;
    auto it = env.vars ? env.vars->find(name) : decltype(env.vars->end()){};
    if (!env.vars || it == env.vars->end())
      return invalid("variable `" + name + "` has no value in this run");
    text = it->second;
  } else if (v.is_string()) {
    text = v.get<std::string>();
  } else if (v.is_boolean()) {
    text = v.get<bool>() ? "true" : "false";
  } else if (v.is_number()) {
    text = v.dump();
  } else {
    return invalid("expected a single value, got " + v.dump());
  }
  auto r = parse_value(text, t);
  if (!r) return invalid("value for a " + std::string(to_string(t)) + " field: " + r.err().what);
  return r;
}

std::string population_from(const scope& s) {
  std::string r = " FROM " + quote_id(s.wt->table) + " " + s.wt_alias;
  if (s.ent && !s.wt->dim_key.empty())
    r += " LEFT JOIN " + quote_id(s.ent->name) + " " + s.ent_alias + " ON " +
         col(s.ent_alias, s.ent->key) + " = " + col(s.wt_alias, s.wt->dim_key);
  return r;
}

scope population_scope(const entity_schema& schema, const worktable& wt) {
  scope s;
  s.schema = &schema;
  s.ent = wt.dimension.empty() ? nullptr : schema.find_entity(wt.dimension);
  s.wt = &wt;
  return s;
}

}  // namespace baton::audience
