// The oracle: random data loaded into SQLite and PostgreSQL, the same activities run on both
// (random filters, dedup, combine, split samples, enrichment, change_dimension), and every
// output compared by count and fingerprint. Runs when a PostgreSQL URL is known.
#include <sstream>

#include "fixture.hpp"

using namespace baton;
using namespace baton::audience;
using namespace baton::audience::test;

namespace {

struct data_set {
  std::string households, profiles, purchases;
};

data_set make_make_random_data(std::mt19937_64& rng, int n) {
  auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<std::uint64_t>(k)); };
  const char* cities[] = {"Paris", "Lyon", "Nice", "Lille", "Brest"};
  const char* tiers[] = {"gold", "silver", "bronze", ""};
  const char* cats[] = {"shoes", "hats", "bags"};
  std::ostringstream h, p, b;
  h << "id,city\n";
  for (int i = 1; i <= n / 10; ++i) h << i << "," << cities[pick(5)] << "\n";
  p << "id,email,first_name,loyalty,email_opt_in,birth_date,household_id,score,created_at\n";
  for (int i = 1; i <= n; ++i) {
    std::string email = pick(8) == 0 ? "" : "u" + std::to_string(pick(n * 2 / 3)) + "@x.com";
    p << i << "," << email << ",N" << pick(50) << "," << tiers[pick(4)] << ","
      << (pick(3) ? "true" : "false") << ",19" << 50 + pick(50) << "-0" << 1 + pick(9) << "-1"
      << pick(9) << "," << (pick(10) ? std::to_string(1 + pick(n / 10)) : "") << ","
      << (pick(6) ? std::to_string(pick(200)) + (pick(2) ? ".5" : "") : "") << ",2026-0"
      << 1 + pick(9) << "-1" << pick(9) << "T0" << pick(9) << ":00:00Z\n";
  }
  b << "id,profile_id,amount,bought_at,category\n";
  for (int i = 1; i <= n * 3; ++i)
    b << i << "," << 1 + pick(n) << "," << pick(50000) / 100.0 << ",2026-1" << pick(2) << "-1"
      << pick(9) << "T1" << pick(9) << ":30:00Z," << cats[pick(3)] << "\n";
  return {h.str(), p.str(), b.str()};
}

json random_leaf(std::mt19937_64& rng) {
  auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<std::uint64_t>(k)); };
  switch (pick(9)) {
    case 0:
      return {{"field", "loyalty"},
              {"op", pick(2) ? "eq" : "ne"},
              {"value", pick(2) ? "gold" : "silver"}};
    case 1:
      return {{"field", "score"}, {"op", pick(2) ? "lt" : "ge"}, {"value", pick(200)}};
    case 2:
      return {{"field", "email"}, {"op", pick(2) ? "is_null" : "not_null"}};
    case 3:
      return {{"field", "household.city"}, {"op", "in"}, {"value", {"Paris", "Nice"}}};
    case 4:
      return {{"field", "birth_date"}, {"op", "between"}, {"value", {"1960-01-01", "1980-12-31"}}};
    case 5:
      return {{"field", "created_at"}, {"op", "ge"}, {"value", {{"daysAgo", 100 + pick(200)}}}};
    case 6:
      return {{"exists",
               {{"link", "purchases"},
                {"where", {{"field", "amount"}, {"op", "gt"}, {"value", pick(500)}}}}}};
    case 7:
      return {{"aggregate",
               {{"link", "purchases"}, {"fn", pick(2) ? "sum" : "count"}, {"field", "amount"}}},
              {"op", "ge"},
              {"value", pick(2) ? 2 : 300}};
    default:
      return {
          {"field", "first_name"}, {"op", "starts_with"}, {"value", "N" + std::to_string(pick(5))}};
  }
}

json random_filter(std::mt19937_64& rng, int depth = 0) {
  int k = static_cast<int>(rng() % 4);
  if (depth > 1 || k == 0) return random_leaf(rng);
  if (k == 1) return {{"not", random_filter(rng, depth + 1)}};
  json items = json::array();
  for (int i = 0; i < 2 + static_cast<int>(rng() % 2); ++i)
    items.push_back(random_filter(rng, depth + 1));
  return {{k == 2 ? "all" : "any", items}};
}

// The activities of one scenario; each entry: activity JSON and its input ids.
std::vector<std::pair<json, std::vector<std::string>>> scenario(std::mt19937_64& rng) {
  std::vector<std::pair<json, std::vector<std::string>>> s;
  for (int i = 0; i < 6; ++i)
    s.push_back({{{"id", "q" + std::to_string(i)},
                  {"type", "build_audience"},
                  {"filter", random_filter(rng)}},
                 {}});
  s.push_back({{{"id", "all"}, {"type", "build_audience"}}, {}});
  s.push_back({{{"id", "u"}, {"type", "combine"}, {"mode", "union"}}, {"q0", "q1"}});
  s.push_back({{{"id", "i"}, {"type", "combine"}, {"mode", "intersection"}, {"complement", true}},
               {"q2", "q3"}});
  s.push_back({{{"id", "x"},
                {"type", "combine"},
                {"mode", "exclusion"},
                {"primary", "q4"},
                {"complement", true}},
               {"q4", "q5"}});
  s.push_back({{{"id", "dr"},
                {"type", "deduplication"},
                {"keys", json::array({"email"})},
                {"complement", true}},
               {"all"}});
  s.push_back({{{"id", "de"},
                {"type", "deduplication"},
                {"keys", json::array({"household_id"})},
                {"keep", 2},
                {"method", "expression"},
                {"orderBy", {{"field", "score"}, {"direction", "desc"}}}},
               {"u"}});
  s.push_back({{{"id", "dv"},
                {"type", "deduplication"},
                {"keys", json::array({"email"})},
                {"method", "value_list"},
                {"field", "loyalty"},
                {"values", {"gold", "silver"}}},
               {"all"}});
  s.push_back(
      {{{"id", "e"},
        {"type", "enrichment"},
        {"attributes",
         {{{"name", "city"}, {"field", "household.city"}},
          {{"name", "spent"}, {"link", "purchases"}, {"aggregate", "sum"}, {"field", "amount"}},
          {{"name", "last"}, {"link", "purchases"}, {"aggregate", "max"}, {"field", "bought_at"}},
          {{"name", "top"},
           {"link", "purchases"},
           {"collect", 2},
           {"fields", {"category", "amount", "bought_at"}},
           {"orderBy", {{"field", "amount"}, {"direction", "desc"}}}}}}},
       {"dr"}});
  json subsets = json::array();
  subsets.push_back({{"name", "a"}, {"filter", random_filter(rng)}, {"limit", "30%"}});
  subsets.push_back(
      {{"name", "b"}, {"limit", 50}, {"orderBy", {{"field", "spent"}, {"direction", "desc"}}}});
  subsets.push_back(
      {{"name", "c"}, {"filter", {{"field", "spent"}, {"op", "gt"}, {"value", 100}}}});
  json split = {{"id", "s"}, {"type", "split"}, {"complement", true}, {"subsets", subsets}};
  s.push_back({split, {"e"}});
  s.push_back({{{"id", "pb"},
                {"type", "build_audience"},
                {"dimension", "purchases"},
                {"filter", {{"field", "category"}, {"op", "eq"}, {"value", "hats"}}}},
               {}});
  s.push_back({{{"id", "cd"}, {"type", "change_dimension"}, {"to", "profiles"}, {"via", "profile"}},
               {"pb"}});
  return s;
}

// Runs the scenario; returns "activity/output" -> "count fingerprint".
std::map<std::string, std::string> run_scenario(
    test_db& db, const data_set& d,
    const std::vector<std::pair<json, std::vector<std::string>>>& s) {
  db.load("households", d.households);
  db.load("profiles", d.profiles);
  db.load("purchases", d.purchases);
  runner r(db);
  std::map<std::string, ev::population> pops;
  std::map<std::string, std::string> out;
  for (const auto& [act, sources] : s) {
    std::vector<std::pair<std::string, ev::population>> in;
    for (const auto& src : sources) in.push_back({src, pops.at(src + "/out")});
    auto o = r.ok(act, in);
    for (const auto& p : o.outputs) {
      std::string key = act["id"].get<std::string>() + "/" + p.output;
      pops[key] = p;
      out[key] = std::to_string(p.count) + " " + p.fingerprint;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("oracle: both backends give the same outputs on random data", "[audience][oracle]") {
  if (pg_url().empty()) {
    WARN("no PostgreSQL URL (BATON_TEST_PG_URL): the oracle needs both backends; skipped");
    return;
  }
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    std::mt19937_64 rng(seed);
    auto data = make_make_random_data(rng, 300);
    auto s = scenario(rng);
    test_db lite("sqlite"), pg("postgres");
    auto a = run_scenario(lite, data, s);
    auto b = run_scenario(pg, data, s);
    INFO("seed " << seed);
    CHECK(a.size() >= 20);
    for (const auto& [k, v] : a) {
      INFO(k);
      CHECK(v == b[k]);
    }
    CHECK(a == b);
  }
}
