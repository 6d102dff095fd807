// The data-plane pipeline of figures P7 (SQLite) and P12 (PostgreSQL): build_audience (exists +
// aggregate) → deduplication → enrichment → 3-way split, and the same SQL written by hand.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "audience/activities.hpp"
#include "bench/bench_util.hpp"

namespace baton::bench {

using nlohmann::json;
using namespace baton::audience;

inline const char* k_baseline_sql = R"(
CREATE TABLE b_aud AS SELECT t.id FROM profiles t WHERE t.email_opt_in = 1
  AND EXISTS (SELECT 1 FROM purchases p WHERE p.profile_id = t.id AND p.category = 'shoes')
  AND (SELECT coalesce(sum(p.amount), 0) FROM purchases p WHERE p.profile_id = t.id) >= 500;
CREATE TABLE b_dedup AS SELECT id FROM (SELECT w.id, t.email, row_number() OVER (PARTITION BY
  t.email ORDER BY t.created_at DESC NULLS LAST, w.id) AS rn FROM b_aud w LEFT JOIN profiles t
  ON t.id = w.id) WHERE rn = 1 OR email IS NULL;
CREATE TABLE b_enr AS SELECT w.id, (SELECT h.city FROM households h WHERE h.id = t.household_id)
  AS city, (SELECT coalesce(sum(p.amount), 0) FROM purchases p WHERE p.profile_id = t.id) AS
  total_spent, (SELECT count(*) FROM purchases p WHERE p.profile_id = t.id) AS orders
  FROM b_dedup w LEFT JOIN profiles t ON t.id = w.id;
CREATE TABLE b_gold AS SELECT w.* FROM b_enr w LEFT JOIN profiles t ON t.id = w.id
  WHERE t.loyalty = 'gold';
CREATE TABLE b_big AS SELECT w.* FROM b_enr w WHERE w.total_spent >= 1000
  AND w.id NOT IN (SELECT id FROM b_gold);
CREATE TABLE b_rest AS SELECT w.* FROM b_enr w WHERE w.id NOT IN (SELECT id FROM b_gold)
  AND w.id NOT IN (SELECT id FROM b_big);
SELECT count(*) FROM b_gold; SELECT count(*) FROM b_big; SELECT count(*) FROM b_rest;
DROP TABLE b_aud; DROP TABLE b_dedup; DROP TABLE b_enr; DROP TABLE b_gold; DROP TABLE b_big;
DROP TABLE b_rest;
)";

inline std::vector<json> pipeline() {
  json filter = {{"all",
                  {{{"field", "email_opt_in"}, {"op", "eq"}, {"value", true}},
                   {{"exists",
                     {{"link", "purchases"},
                      {"where", {{"field", "category"}, {"op", "eq"}, {"value", "shoes"}}}}}},
                   {{"aggregate", {{"link", "purchases"}, {"fn", "sum"}, {"field", "amount"}}},
                    {"op", "ge"},
                    {"value", 500}}}}};
  json subsets = json::array();
  subsets.push_back(
      {{"name", "gold"}, {"filter", {{"field", "loyalty"}, {"op", "eq"}, {"value", "gold"}}}});
  subsets.push_back(
      {{"name", "big"}, {"filter", {{"field", "total_spent"}, {"op", "ge"}, {"value", 1000}}}});
  subsets.push_back({{"name", "rest"}});
  return {
      {{"id", "aud"}, {"type", "build_audience"}, {"filter", filter}},
      {{"id", "dedup"},
       {"type", "deduplication"},
       {"keys", json::array({"email"})},
       {"method", "expression"},
       {"orderBy", {{"field", "created_at"}, {"direction", "desc"}}}},
      {{"id", "enr"},
       {"type", "enrichment"},
       {"attributes",
        {{{"name", "city"}, {"field", "household.city"}},
         {{"name", "total_spent"},
          {"link", "purchases"},
          {"aggregate", "sum"},
          {"field", "amount"}},
         {{"name", "orders"}, {"link", "purchases"}, {"aggregate", "count"}}}}},
      {{"id", "split"}, {"type", "split"}, {"subsets", subsets}},
  };
}

// Runs the pipeline once (as run `run` of campaign "bench"); returns the outputs' counts and
// puts the last activity's outputs (the split's subsets) in `last`.
inline std::string run_pipeline(backend& b, const entity_schema& schema, std::uint32_t run,
                                std::vector<ev::population>* last = nullptr) {
  std::vector<activity> acts;
  for (const auto& j : pipeline()) {
    activity a;
    a.id = j["id"];
    a.type = *activity_type_from_string(j["type"].get<std::string>());
    for (const auto& [k, v] : j.items())
      if (k != "id" && k != "type") a.options[k] = v;
    acts.push_back(a);
  }
  std::optional<ev::population> prev;
  std::string counts;
  for (const auto& a : acts) {
    task_input in;
    in.campaign = "bench";
    in.run = run;
    in.act = &a;
    in.now = 1'795'000'000'000'000;
    if (prev) in.inputs.push_back({"prev", *prev});
    auto t0 = steady::now();
    auto r = run_data_activity(b, schema, in, data_options{"profiles", "", 50ull << 20});
    counts += a.id + ":" + std::to_string(seconds_since(t0)).substr(0, 5) + "s ";
    if (!r) {
      std::fprintf(stderr, "error: %s: %s\n", a.id.c_str(), r.err().message().c_str());
      std::exit(1);
    }
    prev = r->outputs.at(0);
    if (last) *last = r->outputs;
    for (const auto& p : r->outputs)
      counts += a.id + "/" + p.output + "=" + std::to_string(p.count) + " ";
  }
  return counts;
}

// The flow against a hand-written baseline, run after run: `baseline_cmd` is a shell command that
// runs the baseline's SQL and prints the three subsets' counts. Prints the JSON line `id`.
struct flow_comparison {
  std::string id, what, baseline, baseline_label;
  int runs = 1;
  int precision = 2;
};
inline void compare_flow(backend& b, const entity_schema& schema, const flow_comparison& f,
                         const std::string& baseline_cmd, const std::string& out_file) {
  std::vector<double> ours, base;
  for (int run = 1; run <= f.runs; ++run) {
    auto t0 = steady::now();
    std::string counts = run_pipeline(b, schema, static_cast<std::uint32_t>(run));
    ours.push_back(seconds_since(t0));
    t0 = steady::now();
    if (std::system((baseline_cmd + " > " + out_file).c_str()) != 0) {
      std::fprintf(stderr, "error: the baseline failed: %s\n", baseline_cmd.c_str());
      std::exit(1);
    }
    base.push_back(seconds_since(t0));
    std::ifstream bo(out_file);
    std::string g, big, rest;
    bo >> g >> big >> rest;
    note("run %d: baton %.2f s (%s) | %s %.2f s (gold=%s big=%s rest=%s)", run, ours.back(),
         counts.c_str(), f.baseline_label.c_str(), base.back(), g.c_str(), big.c_str(),
         rest.c_str());
  }
  double ratio = median_ratio(ours, base);
  json_line()
      .str("id", f.id)
      .str("what", f.what)
      .num("value", median(ours), f.precision)
      .str("unit", "s")
      .str("baseline", f.baseline)
      .num("baseline_value", median(base), f.precision)
      .num("ratio", ratio, 2)
      .str("target", "<= 1.3")
      .boolean("met", ratio <= 1.3)
      .num("runs", f.runs)
      .num("loadavg_1m", load_average(), 2)
      .print();
}

}  // namespace baton::bench
