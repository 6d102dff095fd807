// Options of the flow-control, channel and data-management activities (INTERFACES.md §4.1).
//
// Channel `waves` (PRODUCT.md §2: 2–10 waves at least 30 minutes apart, equal, % or absolute):
//   "waves": N                                   N equal waves, 30 minutes apart
//   "waves": {"count": N, "mode": "equal", "interval": "PT1H"}
//   "waves": {"mode": "percent",  "sizes": [10, 30, 60], "interval": "PT30M"}   sizes add up to 100
//   "waves": {"mode": "absolute", "sizes": [1000, 5000, 20000]}   rows per wave; the rows left
//                                                                 over go with the last wave
// `mode` defaults to equal; `count`, when given with sizes, must equal their number; `interval`
// defaults to PT30M and may not be shorter than the guardrail (30 minutes).
#include <cmath>
#include <filesystem>

#include "model/definition_checks.hpp"
#include "model/experiment.hpp"
#include "model/time.hpp"

namespace baton::detail {

namespace {

void check_branches(json_reader& r) {
  const json* branches = r.array("branches", true, true);
  if (!branches) return;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < branches->size(); ++i) {
    std::string p = pointer_append(r.at("branches"), i);
    if (auto name = expect_identifier((*branches)[i], p, r.out()))
      check_unique(seen, *name, p, "branch", r.out());
  }
}

// {"name", "count": {"op", "value"}} or {"name", "variable": NAME, "op", "value"}
void check_condition(const json& raw, json_reader& c, const activity_context& ctx,
                     std::set<std::string>& names) {
  if (auto name = c.identifier("name", true)) {
    if (*name == "default")
      c.error("name", "`default` is reserved for the default output");
    else
      check_unique(names, *name, c.at("name"), "condition", c.out());
  }
  if (const json* count = c.member("count")) {
    c.allow({"name", "count"});
    json_reader cr(*count, c.at("count"), c.out());
    cr.allow({"op", "value"});
    if (!cr.valid()) return;
    check_comparison(*count, c.at("count"), column_type::integer, ctx.scope, c.out());
    cr.finish();
    if (ctx.input.k == flow::kind::none)
      c.error("count", "there is no population to count here; test a variable instead");
  } else if (auto var = c.string("variable")) {
    c.allow({"name", "variable", "op", "value"});
    if (!ctx.def.variables.count(*var))
      c.error("variable", "unknown variable `" + *var + "` (declare it in `variables`)");
    check_comparison(raw, c.pointer(), std::nullopt, ctx.scope, c.out());
  } else if (!c.has("variable")) {
    add_error(c.out(), c.pointer(), "a condition needs `count` or `variable`");
  }
}

void check_test(json_reader& r, const activity_context& ctx) {
  if (const json* conds = r.array("conditions", true, true)) {
    std::set<std::string> names;
    for (std::size_t i = 0; i < conds->size(); ++i) {
      json_reader c((*conds)[i], pointer_append(r.at("conditions"), i), r.out());
      if (!c.valid()) continue;
      check_condition((*conds)[i], c, ctx, names);
      c.finish();
    }
  }
  r.boolean("default");
}

void check_duration(const json_reader& r, const char* key, bool required, duration_us min,
                    const std::string& min_text) {
  auto text = r.string(key, required);
  if (!text) return;
  auto d = parse_duration(*text);
  if (!d.ok())
    r.error(key, d.err().what);
  else if (*d < min)
    r.error(key, "must be " + min_text);
}

void check_end(json_reader& r) {
  const json* signal = r.object("signal");
  if (!signal) return;
  json_reader s(*signal, r.at("signal"), r.out());
  s.allow({"campaign", "variables"});
  s.string("campaign", true);
  if (const json* vars = s.object("variables")) {
    for (const auto& [name, value] : vars->items()) {
      std::string p = pointer_append(s.at("variables"), name);
      if (!is_identifier(name))
        add_error(r.out(), p, "`" + name + "` is not a valid variable name");
      else
        expect_string(value, p, r.out(), false);
    }
  }
  s.finish();
}

// Every "{{" of a template is closed by "}}".
void check_template(const json_reader& r, const char* key) {
  auto text = r.string(key, true);
  if (!text) return;
  for (std::size_t at = text->find("{{"); at != std::string::npos; at = text->find("{{", at)) {
    auto close = text->find("}}", at + 2);
    if (close == std::string::npos) {
      r.error(key, "the placeholder opened at character " + std::to_string(at + 1) +
                       " is not closed with }}");
      return;
    }
    at = close + 2;
  }
}

void check_wave_sizes(const json_reader& w, const std::string& mode) {
  const json* sizes = w.array("sizes", true, true);
  if (!sizes) return;
  double total = 0;
  bool all_ok = true;
  for (std::size_t i = 0; i < sizes->size(); ++i) {
    std::string p = pointer_append(w.at("sizes"), i);
    const json& s = (*sizes)[i];
    if (mode == "absolute") {
      expect_integer(s, p, w.out(), 1, INT64_MAX);
    } else if (!s.is_number() || s.get<double>() <= 0) {
      add_error(w.out(), p, "expected a percentage greater than 0");
      all_ok = false;
    } else {
      total += s.get<double>();
    }
  }
  if (mode == "percent" && all_ok && std::abs(total - 100.0) > 1e-6)
    w.error("sizes", "the percentages must add up to 100, they add up to " + std::to_string(total));
}

void check_waves(const json_reader& r, const guardrails& g) {
  const json* waves = r.member("waves");
  if (!waves) return;
  if (waves->is_number_integer()) {
    r.integer("waves", g.min_waves, g.max_waves);
    return;
  }
  json_reader w(*waves, r.at("waves"), r.out());
  if (!w.valid()) return;
  w.allow({"count", "mode", "sizes", "interval"});
  auto mode = w.one_of("mode", {"equal", "percent", "absolute"}).value_or("equal");
  if (w.has("mode") && *w.member("mode") != mode) return;  // reported; the rest would mislead
  auto count = w.integer("count", g.min_waves, g.max_waves, mode == "equal");
  if (mode == "equal") {
    if (w.has("sizes")) w.error("sizes", "`sizes` applies only to modes percent and absolute");
  } else {
    check_wave_sizes(w, mode);
    const json* sizes = w.member("sizes");
    auto n = sizes && sizes->is_array() ? static_cast<std::int64_t>(sizes->size()) : 0;
    if (count && n && *count != n)
      w.error("count", "`count` is " + std::to_string(*count) + " but `sizes` has " +
                           std::to_string(n) + " waves");
    else if (n && (n < g.min_waves || n > g.max_waves))
      w.error("sizes", "between " + std::to_string(g.min_waves) + " and " +
                           std::to_string(g.max_waves) + " waves, got " + std::to_string(n));
  }
  check_duration(w, "interval", false, g.min_wave_interval,
                 "at least " + format_duration(g.min_wave_interval));
  w.finish();
}

// What a channel needs from its input: rows of an entity with an address for the channel.
void check_recipients(const json_reader& r, const activity& a, const activity_context& ctx,
                      bool marketing) {
  const char* type = to_string(a.type);
  if (ctx.input.k == flow::kind::file) {
    add_error(r.out(), r.pointer(),
              std::string(type) + " needs rows of an entity; reconcile the file rows first");
    return;
  }
  if (!ctx.input.ent) return;
  channel ch = *channel_from_string(type);
  const entity& e = *ctx.input.ent;
  if (!e.addresses.count(ch))
    add_error(r.out(), r.pointer(),
              "entity `" + e.name + "` has no " + type + " address (addresses." + type +
                  " in the schema)");
  else if (marketing && !e.consent.count(ch))
    add_warning(r.out(), r.pointer(),
                "entity `" + e.name + "` has no " + type + " consent column (consent." + type +
                    "): marketing messages need an opt-in, every row will be excluded");
}

void check_data_columns(const json_reader& r, bool required) {
  const json* cols = r.array("columns", required, true);
  if (!cols) return;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < cols->size(); ++i) {
    json_reader c((*cols)[i], pointer_append(r.at("columns"), i), r.out());
    c.allow({"name", "type", "nulls", "onError", "default"});
    if (auto name = c.identifier("name", true))
      check_unique(seen, *name, c.at("name"), "column", r.out());
    auto type = c.one_of("type", {"string", "integer", "float", "boolean", "date", "datetime"});
    auto nulls = c.one_of("nulls", {"default", "allow", "required"});
    auto on_error = c.one_of("onError", {"ignore", "reject", "default"});
    bool needs_default = nulls == "default" || on_error == "default";
    if (const json* d = c.member("default", needs_default)) {
      if (d->is_object() || d->is_array() || d->is_null())
        c.error("default", "expected a single value");
      else
        check_value(*d, c.at("default"), column_type_from_string(type.value_or("string")),
                    filter_scope{}, r.out());
    }
    c.finish();
  }
}

// A path that stays inside `root` once `.` and `..` are resolved (relative paths are below root).
bool inside(const std::string& root, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path base = fs::absolute(fs::path(root), ec).lexically_normal();
  fs::path p = (base / fs::path(path)).lexically_normal();
  auto rel = p.lexically_relative(base);
  return !rel.empty() && *rel.begin() != "..";
}

void check_load_file(json_reader& r, const activity_context& ctx) {
  auto path = r.string("path", true);
  if (path && ctx.limits.env && !ctx.limits.env->import_dir.empty() &&
      !inside(ctx.limits.env->import_dir, *path))
    r.error("path", "`" + *path + "` is outside the import directory " +
                        ctx.limits.env->import_dir +
                        " (load_file reads only there: `data.importDir` in the config)");
  if (auto d = r.string("delimiter", r.has("delimiter")); d && d->size() != 1)
    r.error("delimiter", "expected a single character");
  bool header = r.boolean("header").value_or(true);
  check_data_columns(r, !header);
  r.integer("maxErrors", 0, INT64_MAX);
}

void check_update_data(json_reader& r, const activity_context& ctx) {
  auto name = r.identifier("entity", true);
  const entity* e = name && ctx.schema ? ctx.schema->find_entity(*name) : nullptr;
  if (name && ctx.schema && !e) r.error("entity", "unknown entity `" + *name + "`");
  auto op = r.one_of("operation", {"upsert", "insert", "update", "delete"}, true);
  auto entity_column = [&](const json& j, const std::string& p) {
    auto col = expect_identifier(j, p, r.out());
    if (col && e && !e->find_column(*col))
      add_error(r.out(), p, "no column `" + *col + "` in entity `" + e->name + "`");
  };
  if (const json* keys = r.array("keys", op && *op != "insert", true)) {
    for (std::size_t i = 0; i < keys->size(); ++i) {
      std::string p = pointer_append(r.at("keys"), i);
      const json& k = (*keys)[i];
      if (!k.is_array() || k.size() != 2) {
        add_error(r.out(), p, "expected a pair [column, entity field]");
        continue;
      }
      expect_identifier(k[0], pointer_append(p, 0), r.out());
      entity_column(k[1], pointer_append(p, 1));
    }
  }
  if (op == "delete" && r.has("fields")) r.error("fields", "`fields` does not apply to delete");
  const json* fields = r.object("fields", op && *op != "delete");
  if (!fields) return;
  if (fields->empty()) r.error("fields", "must not be empty");
  for (const auto& [field, col] : fields->items()) {
    std::string p = pointer_append(r.at("fields"), field);
    entity_column(json(field), p);
    expect_identifier(col, p, r.out());
  }
}

}  // namespace

void check_flow_control(json_reader& r, const activity& a, const activity_context& ctx) {
  switch (a.type) {
    case activity_type::fork:
      return check_branches(r);
    case activity_type::and_join:
      if (auto p = r.string("primary"); p && !ctx.sources.count(*p) && ctx.sources_known)
        r.error("primary", "`" + *p + "` is not an inbound source of this activity");
      return;
    case activity_type::test:
      return check_test(r, ctx);
    case activity_type::wait:
      return check_duration(r, "duration", true, 1, "longer than zero");
    case activity_type::end:
      return check_end(r);
    case activity_type::alert:
      r.string("title", true);
      r.string("message");
      return;
    default:
      return;
  }
}

// `quietHours`: {"from": "08:00", "to": "20:00", "timezoneField": "tz"} (INTERFACES.md §9).
void check_quiet_hours(json_reader& r) {
  const json* q = r.object("quietHours");
  if (!q) return;
  json_reader qr(*q, r.at("quietHours"), r.out());
  qr.allow({"from", "to", "timezoneField"});
  for (const char* k : {"from", "to"})
    if (auto v = qr.string(k, true); v && parse_hh_mm(*v) < 0)
      qr.error(k, "expected a time of day HH:MM (00:00 to 23:59), got '" + *v + "'");
  qr.identifier("timezoneField", true);
  qr.finish();
}

void check_channel(json_reader& r, const activity& a, const activity_context& ctx) {
  auto name = r.identifier("channel");
  if (name && ctx.limits.env && !ctx.limits.env->channels.count(*name) && *name != "email" &&
      *name != "sms" && *name != "push")
    r.error("channel", "no connector is configured for channel `" + *name +
                           "` (add it to `channels` in the config file)");
  // An api campaign's `category` is its channel activities' default; one may not contradict it.
  const std::string fallback = ctx.def.category.empty() ? "marketing" : ctx.def.category;
  auto given = r.one_of("category", {"marketing", "transactional"});
  if (given && !ctx.def.category.empty() && *given != ctx.def.category)
    r.error("category", "`" + *given + "` contradicts the campaign's category `" +
                            ctx.def.category + "` (omit it here, or change the campaign's)");
  auto category = given.value_or(fallback);
  const bool email = a.type == activity_type::email;
  std::vector<const char*> content;
  if (email)
    content = {"subject", "body", "html"};
  else if (a.type == activity_type::sms)
    content = {"text"};
  else
    content = {"title", "body"};
  check_control_group(r, "controlGroup");
  if (ctx.def.schedule.k == schedule::kind::api)
    for (const char* m : {"variants", "experiment", "controlGroup"})
      if (r.has(m))
        r.error(m, std::string("`") + m +
                       "` needs a population: an api-triggered campaign sends to each trigger's "
                       "recipient alone");
  if (check_variants(r, content, email)) {
    if (email) r.boolean("tracking");
  } else if (a.type == activity_type::email) {
    check_template(r, "subject");
    check_template(r, "body");
    if (r.has("html")) check_template(r, "html");  // given, it must not be empty
    r.boolean("tracking");
  } else if (a.type == activity_type::sms) {
    check_template(r, "text");
  } else {
    check_template(r, "title");
    check_template(r, "body");
  }
  r.string("from");
  if (const json* t = r.object("throttle")) {
    json_reader th(*t, r.at("throttle"), r.out());
    th.allow({"perSecond"});
    th.integer("perSecond", ctx.limits.min_throttle, ctx.limits.max_throttle, true);
    th.finish();
  }
  check_waves(r, ctx.limits);
  r.boolean("confirm");
  check_quiet_hours(r);
  check_recipients(r, a, ctx, category == "marketing");
}

void check_data(json_reader& r, const activity& a, const activity_context& ctx) {
  if (a.type == activity_type::load_file)
    check_load_file(r, ctx);
  else
    check_update_data(r, ctx);
}

}  // namespace baton::detail
