// Filter trees, field paths, orderBy and comparison values of campaign definitions: the structure
// always, and with a dimension the fields, links, operators and value types.
#include <algorithm>
#include <array>

#include "model/definition_checks.hpp"
#include "model/time.hpp"

namespace baton::detail {

namespace {

constexpr int k_max_filter_depth = 32;

const std::vector<std::string> k_ops = {"eq",       "ne",          "lt",       "le",      "gt",
                                        "ge",       "in",          "not_in",   "between", "is_null",
                                        "not_null", "starts_with", "contains", "like"};
const std::vector<std::string> k_node_kinds = {"all",    "any",       "not",     "field",
                                               "exists", "aggregate", "feedback"};
const std::vector<std::string> k_feedback_events = {"delivered",    "bounced", "opened",  "clicked",
                                                    "unsubscribed", "sent",    "held_out"};
const std::vector<std::string> k_aggregates = {"count", "sum", "avg", "min", "max"};

bool is_text_op(const std::string& op) {
  return op == "starts_with" || op == "contains" || op == "like";
}

// Whether `op` applies to a field of type `t`.
bool op_fits(const std::string& op, column_type t) {
  if (t == column_type::string) return true;
  if (is_text_op(op)) return false;
  if (t == column_type::boolean)
    return op == "eq" || op == "ne" || op == "in" || op == "not_in" || op == "is_null" ||
           op == "not_null";
  return true;
}

bool valid_path_syntax(const std::string& path) {
  std::size_t start = 0;
  while (true) {
    auto dot = path.find('.', start);
    auto seg = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!is_identifier(seg)) return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

void check_node(const json& f, const std::string& ptr, const filter_scope& s, problems& out,
                int depth);

void check_exists(const json& f, const std::string& ptr, const filter_scope& s, problems& out,
                  int depth) {
  json_reader r(f, ptr, out);
  r.allow({"link", "where"});
  checked_link l;
  if (const json* link = r.member("link", true)) l = check_many_link(*link, r.at("link"), s, out);
  if (const json* where = r.member("where"))
    check_node(*where, r.at("where"), scope_below(s, l.target), out, depth + 1);
  r.finish();
}

// {"aggregate": {"link", "fn", "field", "where"}, "op", "value"}
void check_aggregate(const json& f, const std::string& ptr, const filter_scope& s, problems& out,
                     int depth) {
  json_reader r(f.at("aggregate"), pointer_append(ptr, "aggregate"), out);
  r.allow({"link", "fn", "field", "where"});
  checked_link l;
  if (const json* link = r.member("link", true)) l = check_many_link(*link, r.at("link"), s, out);
  filter_scope below = scope_below(s, l.target);
  auto fn = r.one_of("fn", k_aggregates, true);
  std::optional<column_type> result;
  const json* field = r.member("field", fn && *fn != "count");
  checked_field cf;
  if (field) cf = check_field(*field, r.at("field"), below, out);
  if (fn && *fn == "count") result = column_type::integer;
  if (fn && (*fn == "sum" || *fn == "avg")) {
    if (cf.type && !is_numeric(*cf.type))
      r.error("field", *fn + " needs a numeric field, this one is " + to_string(*cf.type));
    result = column_type::floating;
  }
  if (fn && (*fn == "min" || *fn == "max")) {
    if (cf.type == column_type::boolean)
      r.error("field", *fn + " does not apply to a boolean field");
    result = cf.type;
  }
  if (const json* where = r.member("where"))
    check_node(*where, r.at("where"), below, out, depth + 1);
  r.finish();
  bool fn_ok = fn && (!field || cf.ok);
  check_comparison(f, ptr, fn_ok ? result : std::nullopt, s, out);
}

void check_feedback(const json& f, const std::string& ptr, problems& out) {
  json_reader r(f, ptr, out);
  r.allow({"campaign", "activity", "event"});
  r.string("campaign", true);
  r.string("activity");
  r.one_of("event", k_feedback_events, true);
  r.finish();
}

void check_node(const json& f, const std::string& ptr, const filter_scope& s, problems& out,
                int depth) {
  if (depth > k_max_filter_depth) {
    add_error(out, ptr, "filter nested too deeply (more than 32 levels)");
    return;
  }
  if (!f.is_object()) {
    add_error(out, ptr, std::string("expected a filter object, got ") + json_kind(f));
    return;
  }
  std::vector<std::string> kinds;
  for (const auto& k : k_node_kinds)
    if (f.contains(k)) kinds.push_back(k);
  if (kinds.size() != 1) {
    add_error(out, ptr,
              kinds.empty() ? "a filter needs one of " + join_names(k_node_kinds)
                            : "a filter has exactly one of " + join_names(k_node_kinds) +
                                  "; found " + join_names(kinds));
    return;
  }
  const std::string& kind = kinds[0];
  std::string kp = pointer_append(ptr, kind);
  json_reader r(f, ptr, out);
  if (kind == "field" || kind == "aggregate")
    r.allow({kind.c_str(), "op", "value"});
  else
    r.allow({kind.c_str()});
  r.finish();
  const json& body = f.at(kind);
  if (kind == "all" || kind == "any") {
    if (!body.is_array()) {
      add_error(out, kp, std::string("expected an array of filters, got ") + json_kind(body));
      return;
    }
    for (std::size_t i = 0; i < body.size(); ++i)
      check_node(body[i], pointer_append(kp, i), s, out, depth + 1);
  } else if (kind == "not") {
    check_node(body, kp, s, out, depth + 1);
  } else if (kind == "field") {
    checked_field cf = check_field(body, kp, s, out);
    check_comparison(f, ptr, cf.ok ? cf.type : std::nullopt, s, out);
  } else if (kind == "exists") {
    check_exists(body, kp, s, out, depth);
  } else if (kind == "aggregate") {
    check_aggregate(f, ptr, s, out, depth);
  } else {
    check_feedback(body, kp, out);
  }
}

// A value of a field of type `t` given as a JSON scalar.
bool scalar_fits(const json& v, column_type t) {
  switch (t) {
    case column_type::string:
      return v.is_string();
    case column_type::integer:
      return v.is_number_integer();
    case column_type::floating:
      return v.is_number();
    case column_type::boolean:
      return v.is_boolean();
    case column_type::date:
      return v.is_string() && is_iso_date(v.get<std::string>());
    case column_type::datetime:
      return v.is_string() && parse_time(v.get<std::string>()).ok();
  }
  return false;
}

const char* expected_form(column_type t) {
  switch (t) {
    case column_type::string:
      return "a string";
    case column_type::integer:
      return "an integer";
    case column_type::floating:
      return "a number";
    case column_type::boolean:
      return "true or false";
    case column_type::date:
      return "a date \"YYYY-MM-DD\"";
    case column_type::datetime:
      return "an ISO-8601 date-time with an offset";
  }
  return "a value";
}

}  // namespace

filter_scope scope_of(const flow& f, const entity_schema* schema,
                      const std::map<std::string, std::string>& variables) {
  filter_scope s;
  s.schema = schema;
  s.variables = &variables;
  if (f.k == flow::kind::entity && f.ent) {
    s.dim = f.ent;
    s.added = &f.added;
    s.open = f.open;
  }
  return s;
}

filter_scope scope_below(const filter_scope& s, const entity* target) {
  filter_scope b;
  b.schema = s.schema;
  b.variables = s.variables;
  b.dim = target;
  return b;
}

void check_filter(const json& f, const std::string& ptr, const filter_scope& s, problems& out) {
  check_node(f, ptr, s, out, 0);
}

checked_field check_field(const json& path, const std::string& ptr, const filter_scope& s,
                          problems& out) {
  checked_field r;
  auto p = expect_string(path, ptr, out);
  if (!p) return r;
  if (!valid_path_syntax(*p)) {
    add_error(out, ptr, "`" + *p + "` is not a field path (names separated by dots)");
    return r;
  }
  r.ok = true;
  if (!s.dim) return r;
  if (s.added) {
    auto it = s.added->find(*p);
    if (it != s.added->end()) {
      r.type = it->second;
      return r;
    }
  }
  if (s.open && p->find('.') == std::string::npos && !s.dim->find_column(*p)) return r;
  auto ref = s.schema->resolve_field(*s.dim, *p);
  if (!ref.ok()) {
    add_error(out, ptr, ref.err().what);
    r.ok = false;
    return r;
  }
  r.type = ref->col->type;
  return r;
}

void check_order_by(const json& j, const std::string& ptr, const filter_scope& s, problems& out) {
  json_reader r(j, ptr, out);
  r.allow({"field", "direction"});
  if (const json* f = r.member("field", true)) check_field(*f, r.at("field"), s, out);
  r.one_of("direction", {"asc", "desc"});
  r.finish();
}

void check_comparison(const json& node, const std::string& ptr, std::optional<column_type> type,
                      const filter_scope& s, problems& out) {
  json_reader r(node, ptr, out);
  auto op = r.one_of("op", k_ops, true);
  const json* value = r.member("value");
  if (!op) return;
  if (type && !op_fits(*op, *type)) {
    r.error("op", "`" + *op + "` does not apply to a " + to_string(*type) + " field");
    return;
  }
  if (*op == "is_null" || *op == "not_null") {
    if (value) r.error("value", "`" + *op + "` takes no value");
    return;
  }
  if (!value) {
    r.error("value", "required member `value` is missing");
    return;
  }
  std::string vp = r.at("value");
  if (is_text_op(*op)) type = column_type::string;
  if (*op == "in" || *op == "not_in" || *op == "between") {
    bool between = *op == "between";
    if (!value->is_array() || (between ? value->size() != 2 : value->empty())) {
      add_error(out, vp,
                between ? "`between` takes an array of two values [low, high]"
                        : "`" + *op + "` takes a non-empty array of values");
      return;
    }
    for (std::size_t i = 0; i < value->size(); ++i)
      check_value((*value)[i], pointer_append(vp, i), type, s, out);
    return;
  }
  check_value(*value, vp, type, s, out);
}

void check_value(const json& v, const std::string& ptr, std::optional<column_type> type,
                 const filter_scope& s, problems& out) {
  if (v.is_object()) {
    if (v.size() == 1 && v.contains("daysAgo")) {
      expect_integer(v["daysAgo"], pointer_append(ptr, "daysAgo"), out, -36600, 36600);
      if (type && !is_temporal(*type))
        add_error(out, ptr,
                  std::string("daysAgo applies only to date and datetime fields, not ") +
                      to_string(*type));
      return;
    }
    if (v.size() == 1 && v.contains("variable")) {
      std::string vp = pointer_append(ptr, "variable");
      auto name = expect_string(v["variable"], vp, out);
      if (name && s.variables && !s.variables->count(*name))
        add_error(out, vp, "unknown variable `" + *name + "` (declare it in `variables`)");
      return;
    }
    add_error(out, ptr, "a value object is {\"daysAgo\": N} or {\"variable\": NAME}");
    return;
  }
  if (v.is_null()) {
    add_error(out, ptr, "null is not a value; use the operators is_null or not_null");
    return;
  }
  if (v.is_array()) {
    add_error(out, ptr, "expected a single value, got an array");
    return;
  }
  if (type && !scalar_fits(v, *type))
    add_error(out, ptr,
              std::string("expected ") + expected_form(*type) + " for a " + to_string(*type) +
                  " field, got " + (v.is_string() ? "\"" + v.get<std::string>() + "\"" : v.dump()));
}

checked_link check_many_link(const json& name, const std::string& ptr, const filter_scope& s,
                             problems& out) {
  checked_link r;
  auto n = expect_identifier(name, ptr, out);
  if (!n) return r;
  r.ok = true;
  if (!s.dim) return r;
  const link* l = s.dim->find_link(*n);
  if (!l) {
    add_error(out, ptr, "`" + *n + "` is not a link of entity `" + s.dim->name + "`");
    r.ok = false;
    return r;
  }
  if (l->card != cardinality::one_to_many) {
    add_error(out, ptr,
              "`" + *n + "` is a " + to_string(l->card) +
                  " link; exists, aggregates and collected lines need a one-to-many link (use a "
                  "field path such as `" +
                  *n + ".column` instead)");
    r.ok = false;
    return r;
  }
  r.target = s.schema->find_entity(l->to);
  return r;
}

bool is_iso_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return false;
  int y = std::stoi(s.substr(0, 4)), m = std::stoi(s.substr(5, 2)), d = std::stoi(s.substr(8, 2));
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr std::array<int, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

}  // namespace baton::detail
