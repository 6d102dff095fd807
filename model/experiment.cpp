#include "model/experiment.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <set>

namespace baton {

using nlohmann::json;

std::optional<double> parse_percent(const std::string& text) {
  if (text.size() < 2 || text.back() != '%') return std::nullopt;
  char* end = nullptr;
  double p = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() - 1 || !std::isfinite(p)) return std::nullopt;
  return p;
}

std::int64_t control_spec::held_out(std::int64_t population) const {
  std::int64_t n = 0;
  if (share)
    n = static_cast<std::int64_t>(std::floor(*share * static_cast<double>(population) / 100.0));
  if (count) n = *count;
  return std::max<std::int64_t>(0, std::min(n, population / 2));
}

std::optional<control_spec> read_control(const json& j) {
  if (!j.is_object()) return std::nullopt;
  control_spec c;
  if (j.contains("share") && j["share"].is_string())
    c.share = parse_percent(j["share"].get<std::string>());
  if (j.contains("count") && j["count"].is_number_integer())
    c.count = j["count"].get<std::int64_t>();
  if (!c.share && !c.count) return std::nullopt;
  return c;
}

std::int64_t experiment_spec::test_rows(std::int64_t population) const {
  return static_cast<std::int64_t>(
      std::floor(test_share * static_cast<double>(population) / 100.0));
}

std::optional<experiment_spec> read_experiment(const json& o) {
  if (!o.contains("variants") || !o["variants"].is_array()) return std::nullopt;
  experiment_spec e;
  for (auto& v : o["variants"]) e.variants.push_back(v.value("name", std::string()));
  const json ex = o.value("experiment", json::object());
  if (auto p = parse_percent(ex.value("testShare", std::string()))) e.test_share = *p;
  if (auto d = parse_duration(ex.value("wait", std::string("PT0S")))) e.wait = *d;
  e.metric = ex.value("metric", std::string("opens"));
  return e;
}

void check_control_group(const json_reader& r, const char* key) {
  const json* c = r.object(key);
  if (!c) return;
  json_reader g(*c, r.at(key), r.out());
  g.allow({"share", "count"});
  if (g.has("share") == g.has("count"))
    r.error(key, "expected exactly one of `share` (\"P%\", at most 50%) and `count` (rows)");
  if (auto s = g.string("share")) {
    auto p = parse_percent(*s);
    if (!p || !(*p > 0 && *p <= 50))
      g.error("share",
              "expected a percentage \"P%\" with 0 < P <= 50 (a control group holds "
              "out at most half the population), got '" +
                  *s + "'");
  }
  g.integer("count", 1, INT64_MAX);
  g.finish();
}

bool check_variants(const json_reader& r, const std::vector<const char*>& content, bool email) {
  const bool has_variants = r.has("variants");
  if (!has_variants) {
    if (r.has("experiment"))
      r.error("experiment", "an experiment needs `variants` (2 to 5, each a name and the content)");
    return false;
  }
  if (const json* vs = r.array("variants", true, true)) {
    if (vs->size() < 2 || vs->size() > 5)
      r.error("variants", "expected 2 to 5 variants, got " + std::to_string(vs->size()));
    std::set<std::string> names;
    for (std::size_t i = 0; i < vs->size(); ++i) {
      json_reader v((*vs)[i], pointer_append(r.at("variants"), i), r.out());
      if (!v.valid()) continue;
      std::vector<std::string> allowed{"name"};
      for (auto* m : content) allowed.emplace_back(m);
      v.allow(allowed);
      if (auto name = v.identifier("name", true))
        check_unique(names, *name, v.at("name"), "variant name", r.out());
      for (auto* m : content) {
        if (email && std::string_view(m) == "html" && !v.has("html")) continue;  // optional
        auto text = v.string(m, true);
        if (text && text->find("{{") != std::string::npos &&
            text->find("}}", text->rfind("{{")) == std::string::npos)
          v.error(m, "a placeholder is not closed with }}");
      }
      v.finish();
    }
  }
  for (auto* m : content)
    if (r.has(m))
      r.error(m, std::string("with `variants`, the content is in each variant: remove `") + m +
                     "` here");
  for (const char* m : {"waves", "quietHours"})
    if (r.has(m)) r.error(m, std::string("an experiment cannot be combined with `") + m + "`");
  const json* ex = r.object("experiment", true);
  if (!ex) return true;
  json_reader e(*ex, r.at("experiment"), r.out());
  e.allow({"testShare", "wait", "metric"});
  if (auto s = e.string("testShare", true)) {
    auto p = parse_percent(*s);
    if (!p || !(*p > 0 && *p < 100))
      e.error("testShare",
              "expected a percentage \"P%\" with 0 < P < 100 (the rest gets the "
              "winner), got '" +
                  *s + "'");
  }
  if (auto w = e.string("wait", true)) {
    auto d = parse_duration(*w);
    if (!d.ok()) e.error("wait", d.err().what);
  }
  e.one_of("metric", {"opens", "clicks"}, true);
  e.finish();
  return true;
}

}  // namespace baton
