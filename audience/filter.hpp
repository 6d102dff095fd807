// Filters (INTERFACES.md §4) compiled to SQL: the JSON tree becomes a WHERE expression whose
// values are all bound parameters; field paths cross N-1/1-1 links as scalar subqueries,
// `exists` and aggregates over 1-N links as correlated subqueries. Identifiers come only from the
// entity schema or the worktable registry, quoted. `feedback` (retargeting) is an EXISTS over
// baton_deliveries/baton_feedback (audience/deliveries.hpp) on the row's key as text; it matches
// nothing while those tables do not exist.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "audience/backend.hpp"
#include "audience/worktable.hpp"
#include "model/entity_schema.hpp"

namespace baton::audience {

// Where the names of a filter come from: the columns of a worktable (alias `wt_alias`) first,
// then the fields of the dimension entity (alias `ent_alias`), following links by path.
struct scope {
  const entity_schema* schema = nullptr;
  const entity* ent = nullptr;  // null for file rows
  std::string ent_alias = "t";
  const worktable* wt = nullptr;  // null when filtering an entity table directly
  std::string wt_alias = "w";
};

// What filter values may refer to, and a counter for fresh table aliases.
struct filter_env {
  const std::map<std::string, std::string>* vars = nullptr;
  time_us now = 0;
  int aliases = 0;
  std::string fresh_alias() { return "a" + std::to_string(++aliases); }
};

struct typed_sql {
  std::string sql;
  column_type type = column_type::string;
  bool json = false;
};

// The SQL of a field PATH in `s` (no parameters). errc::validation names what is unknown.
result<typed_sql> field_sql(const scope& s, const std::string& path, filter_env& env);

// Appends the filter as a parenthesised boolean expression.
status append_filter(sql_builder& q, const scope& s, const nlohmann::json& filter, filter_env& env);

// "(SELECT fn(field) FROM <target> a WHERE <link> AND <where>)" for an aggregate over a 1-N link:
// `body` is {"link", "fn" (or "aggregate"), "field", "where"}; `type` receives the result type
// (count: integer, sum/avg: float, min/max: the field's). count and sum of no rows are 0.
status append_aggregate_sql(sql_builder& q, const scope& s, const nlohmann::json& body,
                            filter_env& env, column_type& type, int depth = 0);

// "expr ASC|DESC NULLS LAST" of an orderBy object {"field", "direction"}.
result<std::string> order_by_sql(const scope& s, const nlohmann::json& order_by, filter_env& env);

// A filter value for a field of type `t`: a JSON scalar, {"daysAgo": N} or {"variable": NAME}.
result<value> filter_value(const nlohmann::json& v, column_type t, const filter_env& env);

// " FROM "<wt>" w LEFT JOIN "<ent>" t ON t.key = w.dim_key" (no join without a dimension).
std::string population_from(const scope& s);
// The scope of a worktable (its dimension looked up in the schema).
scope population_scope(const entity_schema& schema, const worktable& wt);

// The join condition of a link from `from_alias` (its entity) to `to_alias` (its target).
std::string link_condition(const link& l, const std::string& from_alias,
                           const std::string& to_alias);

}  // namespace baton::audience
