// Options of the targeting activities (INTERFACES.md §4.1), the table of options every type
// accepts, and the dispatch to the checks of the other families (activity_options_flow.cpp).
#include <algorithm>
#include <cstdlib>

#include "model/definition_checks.hpp"

namespace baton::detail {

namespace {

using strings = std::vector<std::string>;

// A filter scope on entity `name` (the activity's own dimension rather than its input's).
filter_scope own_scope(const activity_context& ctx, const std::string& name) {
  filter_scope s;
  s.schema = ctx.schema;
  s.variables = &ctx.def.variables;
  s.dim = ctx.schema ? ctx.schema->find_entity(name) : nullptr;
  return s;
}

// An entity name option; unknown entities are reported when there is a schema.
std::optional<std::string> entity_option(const json_reader& r, const activity_context& ctx,
                                         const char* key, bool required) {
  auto name = r.identifier(key, required);
  if (name && ctx.schema && !ctx.schema->find_entity(*name)) {
    r.error(key, "unknown entity `" + *name + "`");
    return std::nullopt;
  }
  return name;
}

// Reports `key` when present but meaningless: "`orderBy` applies only to method expression".
void only_with(const json_reader& r, const char* key, bool applies, const std::string& when) {
  if (r.has(key) && !applies) r.error(key, "`" + std::string(key) + "` applies only " + when);
}

void check_fields_array(const json_reader& r, const char* key, const filter_scope& s,
                        bool required) {
  const json* a = r.array(key, required, true);
  if (!a) return;
  for (std::size_t i = 0; i < a->size(); ++i)
    check_field((*a)[i], pointer_append(r.at(key), i), s, r.out());
}

void check_build_audience(json_reader& r, const activity_context& ctx) {
  auto dim = entity_option(r, ctx, "dimension", false);
  if (const json* f = r.member("filter"))
    check_filter(*f, r.at("filter"), own_scope(ctx, dim.value_or(ctx.def.dimension)), r.out());
  r.string("audience", r.has("audience"));
  if (r.has("filter") && r.has("audience"))
    r.error("audience", "give either `filter` or `audience`, not both");
  r.boolean("emitEmpty");
}

void check_incremental_query(json_reader& r, const activity_context& ctx) {
  auto dim = entity_option(r, ctx, "dimension", false);
  filter_scope s = own_scope(ctx, dim.value_or(ctx.def.dimension));
  if (const json* f = r.member("filter")) check_filter(*f, r.at("filter"), s, r.out());
  auto mode = r.one_of("mode", {"exclude_previous", "date_field"}).value_or("exclude_previous");
  if (r.has("mode") && *r.member("mode") != mode) return;  // reported; the rest would mislead
  only_with(r, "historyDays", mode == "exclude_previous", "to mode exclude_previous");
  only_with(r, "field", mode == "date_field", "to mode date_field");
  if (mode == "exclude_previous") r.integer("historyDays", 0, 36600);
  if (mode != "date_field") return;
  if (const json* f = r.member("field", true)) {
    auto cf = check_field(*f, r.at("field"), s, r.out());
    if (cf.type && !is_temporal(*cf.type))
      r.error("field", std::string("mode date_field needs a date or datetime field, not ") +
                           to_string(*cf.type));
  }
}

void check_change_dimension(json_reader& r, const activity_context& ctx) {
  auto to = entity_option(r, ctx, "to", true);
  auto via = r.identifier("via", true);
  if (ctx.input.k == flow::kind::file) {
    add_error(r.out(), r.pointer(),
              "change_dimension needs rows of an entity; reconcile the file rows first");
    return;
  }
  if (!via || !ctx.input.ent) return;
  const link* l = ctx.input.ent->find_link(*via);
  if (!l)
    r.error("via", "`" + *via + "` is not a link of entity `" + ctx.input.ent->name + "`");
  else if (to && l->to != *to)
    r.error("via", "link `" + *via + "` leads to `" + l->to + "`, not `" + *to + "`");
}

// A source id option (primary, join.with): one of the activities whose transitions enter.
bool check_source(const json_reader& r, const char* key, const std::string& id,
                  const activity_context& ctx) {
  if (ctx.sources.count(id)) return true;
  if (!ctx.sources_known) return false;  // an invalid transition may have named it
  r.error(key, "`" + id + "` is not an inbound source of this activity" +
                   (ctx.source_order.empty() ? std::string()
                                             : " (sources: " + join_names(ctx.source_order) + ")"));
  return false;
}

void check_combine(json_reader& r, const activity_context& ctx) {
  auto mode = r.one_of("mode", {"union", "intersection", "exclusion"}, true);
  strings inputs;
  if (const json* in = r.array("inputs", false, true)) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < in->size(); ++i) {
      std::string p = pointer_append(r.at("inputs"), i);
      auto id = expect_string((*in)[i], p, r.out());
      if (!id || !check_unique(seen, *id, p, "input", r.out())) continue;
      if (!ctx.sources.count(*id) && ctx.sources_known)
        add_error(r.out(), p, "`" + *id + "` is not an inbound source of this activity");
      inputs.push_back(*id);
    }
    if (in->size() < 2) r.error("inputs", "combine needs at least 2 inputs");
  }
  if (auto primary = r.string("primary", mode == "exclusion")) {
    if (!inputs.empty() && std::find(inputs.begin(), inputs.end(), *primary) == inputs.end())
      r.error("primary", "`" + *primary + "` is not one of `inputs`");
    else if (inputs.empty())
      check_source(r, "primary", *primary, ctx);
  }
  if (const json* match = r.member("match")) {
    if (match->is_string()) {
      if (*match != "key") r.error("match", "expected \"key\" or an array of columns");
    } else {
      check_fields_array(r, "match", ctx.scope, false);
    }
  }
  if (r.boolean("complement").value_or(false) && mode == "union")
    r.error("complement", "complement does not apply to union");
}

void check_deduplication(json_reader& r, const activity_context& ctx) {
  check_fields_array(r, "keys", ctx.scope, true);
  r.integer("keep", 0, 1'000'000);
  auto method =
      r.one_of("method", {"random", "expression", "non_empty", "value_list"}).value_or("random");
  r.boolean("complement");
  if (r.has("method") && *r.member("method") != method) return;  // reported
  only_with(r, "orderBy", method == "expression", "to method expression");
  only_with(r, "field", method == "non_empty" || method == "value_list",
            "to methods non_empty and value_list");
  only_with(r, "values", method == "value_list", "to method value_list");
  if (method == "expression")
    if (const json* o = r.member("orderBy", true))
      check_order_by(*o, r.at("orderBy"), ctx.scope, r.out());
  if (method != "non_empty" && method != "value_list") return;
  checked_field cf;
  if (const json* f = r.member("field", true))
    cf = check_field(*f, r.at("field"), ctx.scope, r.out());
  if (method != "value_list") return;
  if (const json* values = r.array("values", true, true))
    for (std::size_t i = 0; i < values->size(); ++i)
      check_value((*values)[i], pointer_append(r.at("values"), i), cf.type, ctx.scope, r.out());
}

// {"name", "link", "aggregate": fn, "field", "where"} or {"name", "link", "collect": N,
// "fields", "orderBy", "where"}: over a one-to-many link of the input.
void check_link_attribute(json_reader& a, const activity_context& ctx, bool collect) {
  checked_link l;
  if (const json* link = a.member("link", true))
    l = check_many_link(*link, a.at("link"), ctx.scope, a.out());
  filter_scope below = scope_below(ctx.scope, l.target);
  if (const json* w = a.member("where")) check_filter(*w, a.at("where"), below, a.out());
  if (collect) {
    a.allow({"name", "link", "collect", "fields", "orderBy", "where"});
    a.integer("collect", 1, 100, true);
    check_fields_array(a, "fields", below, true);
    if (const json* o = a.member("orderBy")) check_order_by(*o, a.at("orderBy"), below, a.out());
    return;
  }
  a.allow({"name", "link", "aggregate", "field", "where"});
  auto fn = a.one_of("aggregate", {"count", "sum", "avg", "min", "max"}, true);
  if (const json* f = a.member("field", fn && *fn != "count")) {
    auto cf = check_field(*f, a.at("field"), below, a.out());
    if (cf.type && fn && (*fn == "sum" || *fn == "avg") && !is_numeric(*cf.type))
      a.error("field", *fn + " needs a numeric field, this one is " + to_string(*cf.type));
  }
}

// The columns the attributes of one enrichment add to a population: one each, and for a collect
// of N lines its fields flattened as name1..nameN plus the array `name`.
std::size_t attribute_columns(const json& attrs) {
  std::size_t n = 0;
  if (!attrs.is_array()) return 0;
  for (const auto& a : attrs) {
    auto collect = a.is_object() ? a.find("collect") : a.end();
    auto fields = a.is_object() ? a.find("fields") : a.end();
    if (collect != a.end() && collect->is_number_unsigned() && fields != a.end() &&
        fields->is_array())
      n += std::min<std::size_t>(collect->get<std::size_t>(), 100) * fields->size() + 1;
    else
      ++n;
  }
  return n;
}

// All the enrichments of the campaign up to `a` (in document order: an upper bound of what any
// population carries) add at most k_max_added_columns.
void check_added_columns(json_reader& r, const activity& a, const activity_context& ctx) {
  std::size_t total = 0;
  for (const auto& other : ctx.def.activities) {
    if (other.type == activity_type::enrichment && other.options.contains("attributes"))
      total += attribute_columns(other.options["attributes"]);
    if (other.id == a.id) break;
  }
  if (total > k_max_added_columns)
    r.error("attributes", "the enrichments up to here add " + std::to_string(total) +
                              " columns to the population; at most " +
                              std::to_string(k_max_added_columns) +
                              " fit beside an entity's columns in one table");
}

void check_attributes(json_reader& r, const activity_context& ctx) {
  const json* attrs = r.array("attributes", false, true);
  if (!attrs) return;
  std::set<std::string> names;
  for (std::size_t i = 0; i < attrs->size(); ++i) {
    json_reader a((*attrs)[i], pointer_append(r.at("attributes"), i), r.out());
    if (!a.valid()) continue;
    if (auto name = a.identifier("name", true))
      check_unique(names, *name, a.at("name"), "attribute", r.out());
    if (a.has("collect") || a.has("aggregate")) {
      check_link_attribute(a, ctx, a.has("collect"));
    } else if (a.has("link")) {
      a.error("link", "an attribute over a link needs `aggregate` or `collect`");
    } else if (const json* f = a.member("field", true)) {
      a.allow({"name", "field"});
      check_field(*f, a.at("field"), ctx.scope, r.out());
    }
    a.finish();
  }
}

void check_enrichment(json_reader& r, const activity& a, const activity_context& ctx) {
  if (!r.has("attributes") && !r.has("join"))
    add_error(r.out(), r.pointer(), "enrichment needs `attributes`, `join` or both");
  check_attributes(r, ctx);
  check_added_columns(r, a, ctx);
  const json* join = r.object("join");
  if (!join) return;
  json_reader j(*join, r.at("join"), r.out());
  j.allow({"with", "on"});
  const flow* other = nullptr;
  if (auto with = j.string("with", true))
    if (check_source(j, "with", *with, ctx)) other = ctx.sources.at(*with);
  filter_scope right = other ? scope_of(*other, ctx.schema, ctx.def.variables) : filter_scope{};
  if (const json* on = j.array("on", true, true)) {
    for (std::size_t i = 0; i < on->size(); ++i) {
      std::string p = pointer_append(j.at("on"), i);
      const json& pair = (*on)[i];
      if (!pair.is_array() || pair.size() != 2) {
        add_error(r.out(), p, "expected a pair [column of the input, column of `with`]");
        continue;
      }
      check_field(pair[0], pointer_append(p, 0), ctx.scope, r.out());
      check_field(pair[1], pointer_append(p, 1), right, r.out());
    }
  }
  j.finish();
}

void check_reconciliation(json_reader& r, const activity_context& ctx) {
  auto dim = entity_option(r, ctx, "dimension", true);
  filter_scope s = dim ? own_scope(ctx, *dim) : filter_scope{};
  if (const json* rules = r.array("rules", true, true)) {
    for (std::size_t i = 0; i < rules->size(); ++i) {
      std::string p = pointer_append(r.at("rules"), i);
      const json& rule = (*rules)[i];
      if (!rule.is_array() || rule.size() != 2) {
        add_error(r.out(), p, "expected a pair [file column, entity field]");
        continue;
      }
      expect_identifier(rule[0], pointer_append(p, 0), r.out());
      check_field(rule[1], pointer_append(p, 1), s, r.out());
    }
  }
  r.boolean("keepUnreconciled");
}

// "limit": N (rows) or "P%" with 0 < P <= 100.
void check_limit(const json_reader& s) {
  const json* limit = s.member("limit");
  if (!limit) return;
  if (limit->is_number_integer()) {
    expect_integer(*limit, s.at("limit"), s.out(), 0, INT64_MAX);
    return;
  }
  std::string text = limit->is_string() ? limit->get<std::string>() : "";
  char* end = nullptr;
  double pct = text.size() > 1 ? std::strtod(text.c_str(), &end) : 0;
  bool ok = text.size() > 1 && text.back() == '%' && end == text.c_str() + text.size() - 1;
  if (!ok || !(pct > 0 && pct <= 100))
    s.error("limit", "expected a row count (integer) or a percentage \"P%\" with 0 < P <= 100");
}

void check_split(json_reader& r, const activity_context& ctx) {
  if (const json* subsets = r.array("subsets", true, true)) {
    std::set<std::string> names;
    for (std::size_t i = 0; i < subsets->size(); ++i) {
      json_reader s((*subsets)[i], pointer_append(r.at("subsets"), i), r.out());
      s.allow({"name", "filter", "limit", "orderBy", "skipEmpty"});
      if (auto name = s.identifier("name", true)) {
        if (*name == "complement")
          s.error("name", "`complement` is reserved for the complement");
        else
          check_unique(names, *name, s.at("name"), "subset", r.out());
      }
      if (const json* f = s.member("filter")) check_filter(*f, s.at("filter"), ctx.scope, r.out());
      check_limit(s);
      if (const json* o = s.member("orderBy"))
        check_order_by(*o, s.at("orderBy"), ctx.scope, r.out());
      s.boolean("skipEmpty");
      s.finish();
    }
  }
  r.boolean("overlap");
  r.boolean("complement");
}

}  // namespace

const std::vector<std::string>& allowed_options(activity_type t) {
  static const std::vector<strings> table = {
      {"dimension", "filter", "audience", "emitEmpty"},                        // build_audience
      {"audience"},                                                            // read_audience
      {"dimension", "filter", "mode", "historyDays", "field"},                 // incremental_query
      {"to", "via"},                                                           // change_dimension
      {"mode", "inputs", "primary", "match", "complement"},                    // combine
      {"keys", "keep", "method", "orderBy", "field", "values", "complement"},  // deduplication
      {"attributes", "join"},                                                  // enrichment
      {"dimension", "rules", "keepUnreconciled"},                              // reconciliation
      {"subsets", "overlap", "complement"},                                    // split
      {"audience"},                                                            // save_audience
      {"branches"},                                                            // fork
      {"primary"},                                                             // and_join
      {"conditions", "default"},                                               // test
      {"duration"},                                                            // wait
      {"signal"},                                                              // end
      {"title", "message"},                                                    // alert
      {"channel", "category", "subject", "body", "html", "tracking", "from", "throttle", "waves",
       "confirm", "quietHours", "variants", "experiment", "controlGroup"},
      {"channel", "category", "text", "from", "throttle", "waves", "confirm", "quietHours",
       "variants", "experiment", "controlGroup"},
      {"channel", "category", "title", "body", "from", "throttle", "waves", "confirm", "quietHours",
       "variants", "experiment", "controlGroup"},
      {"path", "delimiter", "header", "columns", "maxErrors"},  // load_file
      {"entity", "operation", "keys", "fields"},                // update_data
  };
  return table[static_cast<std::size_t>(t)];
}

void check_targeting(json_reader& r, const activity& a, const activity_context& ctx) {
  switch (a.type) {
    case activity_type::build_audience:
      return check_build_audience(r, ctx);
    case activity_type::read_audience:
      r.string("audience", true);
      return;
    case activity_type::incremental_query:
      return check_incremental_query(r, ctx);
    case activity_type::change_dimension:
      return check_change_dimension(r, ctx);
    case activity_type::combine:
      return check_combine(r, ctx);
    case activity_type::deduplication:
      return check_deduplication(r, ctx);
    case activity_type::enrichment:
      return check_enrichment(r, a, ctx);
    case activity_type::reconciliation:
      return check_reconciliation(r, ctx);
    case activity_type::split:
      return check_split(r, ctx);
    case activity_type::save_audience:
      r.string("audience", true);
      return;
    default:
      return;
  }
}

void check_activity_options(json_reader& r, const activity& a, const activity_context& ctx) {
  if (is_channel(a.type)) return check_channel(r, a, ctx);
  switch (a.type) {
    case activity_type::fork:
    case activity_type::and_join:
    case activity_type::test:
    case activity_type::wait:
    case activity_type::end:
    case activity_type::alert:
      return check_flow_control(r, a, ctx);
    case activity_type::load_file:
    case activity_type::update_data:
      return check_data(r, a, ctx);
    default:
      return check_targeting(r, a, ctx);
  }
}

}  // namespace baton::detail
