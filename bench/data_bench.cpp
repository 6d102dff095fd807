// baton_bench_data: figure P7's data-plane part (PERFORMANCE.md). On SQLite, with CSVs from
// baton-sample-data: load throughput of profile-like rows (P7.load), then the pipeline
// build_audience (exists + aggregate) → deduplication → enrichment → 3-way split through
// run_data_activity, against the same SQL hand-written and run by the `sqlite3` shell on the same
// database file (P7), then the subsets mailed to the file outbox (P7.outbox). One JSON line per
// figure on stdout; progress on stderr.
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include "actors/channel_runner.hpp"
#include "audience/activities.hpp"
#include "audience/loader.hpp"
#include "audience/schema.hpp"
#include "bench/bench_util.hpp"

using namespace baton;
using namespace baton::audience;
using nlohmann::json;

namespace {

struct args {
  std::string csv, dir, schema, sqlite3 = "sqlite3";
  int runs = 3;
};

const char* k_baseline_sql = R"(
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

std::vector<json> pipeline() {
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
std::string run_pipeline(backend& b, const entity_schema& schema, std::uint32_t run,
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
    auto t0 = bench::steady::now();
    auto r = run_data_activity(b, schema, in, data_options{"profiles", "", 50ull << 20});
    counts += a.id + ":" + std::to_string(bench::seconds_since(t0)).substr(0, 5) + "s ";
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

double load(backend& b, const entity_schema& schema, const args& a, const std::string& entity,
            std::uint64_t& rows, double& cpu) {
  load_request req{entity, a.csv + "/" + entity + ".csv", load_mode::upsert, "", 50000, {}};
  auto t0 = bench::steady::now();
  std::clock_t c0 = std::clock();
  auto r = load_csv(b, schema, req);
  double s = bench::seconds_since(t0);
  cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  if (!r) {
    std::fprintf(stderr, "error: %s\n", r.err().message().c_str());
    std::exit(1);
  }
  rows = r->applied;
  bench::note("loaded %llu %s in %.2f s (%.0f rows/s)", static_cast<unsigned long long>(rows),
              entity.c_str(), s, static_cast<double>(rows) / s);
  return s;
}

// P7: the pipeline against the sqlite3 shell, run after run.
void measure_pipeline(backend& b, const entity_schema& schema, const args& a) {
  std::string sql_file = a.dir + "/baseline.sql";
  std::ofstream(sql_file) << k_baseline_sql;
  std::vector<double> ours, base;
  for (int run = 1; run <= a.runs; ++run) {
    auto t0 = bench::steady::now();
    std::string counts = run_pipeline(b, schema, static_cast<std::uint32_t>(run));
    ours.push_back(bench::seconds_since(t0));
    std::string cmd =
        a.sqlite3 + " " + a.dir + "/data.sqlite < " + sql_file + " > " + a.dir + "/baseline.out";
    t0 = bench::steady::now();
    if (std::system(cmd.c_str()) != 0) std::exit(1);
    base.push_back(bench::seconds_since(t0));
    std::ifstream bo(a.dir + "/baseline.out");
    std::string g, big, rest;
    bo >> g >> big >> rest;
    bench::note("run %d: baton %.2f s (%s) | sqlite3 shell %.2f s (gold=%s big=%s rest=%s)", run,
                ours.back(), counts.c_str(), base.back(), g.c_str(), big.c_str(), rest.c_str());
  }
  double ratio = bench::median_ratio(ours, base);
  bench::json_line()
      .str("id", "P7")
      .str("what",
           "data plane: build_audience (exists + aggregate) -> dedup -> enrichment -> 3-way split, "
           "SQLite")
      .num("value", bench::median(ours), 2)
      .str("unit", "s")
      .str("baseline", "sqlite3 shell, the same SQL hand-written, same database file")
      .num("baseline_value", bench::median(base), 2)
      .num("ratio", ratio, 2)
      .str("target", "<= 1.3")
      .boolean("met", ratio <= 1.3)
      .num("runs", a.runs)
      .num("loadavg_1m", bench::load_average(), 2)
      .print();
}

// P7.outbox: the split's subsets mailed through the engine's channel runner to the file outbox
// (rows -> eligibility -> Mustache -> DIR/outbox/email.jsonl, a write + fdatasync per durable
// batch, the deliveries table in SQLite, the sent table derived from it at the end).
void measure_outbox(backend& b, const entity_schema& schema, const args& a) {
  std::ofstream(a.dir + "/schema.json") << schema.to_json().dump(2) << "\n";
  channel_runner_options c;
  c.data_dir = a.dir;
  auto runner = make_channel_runner(c);
  activity mail;
  mail.id = "mail";
  mail.type = activity_type::email;
  mail.options = {{"subject", "{{first_name}}, the winter sale is on in {{city}}"},
                  {"body",
                   "Dear {{first_name}} {{last_name}},\n\nyou have ordered {{orders}} times "
                   "({{total_spent}} in all): up to 50% off for you this week.\n"},
                  {"from", "Shop <news@shop.example>"}};
  std::vector<double> rates;
  std::uint64_t sent = 0;
  for (int run = 1; run <= a.runs; ++run) {
    std::vector<ev::population> subsets;
    auto run_no = static_cast<std::uint32_t>(100 + run);
    run_pipeline(b, schema, run_no, &subsets);
    sent = 0;
    auto t0 = bench::steady::now();
    for (auto& p : subsets) {
      task_input in;
      in.campaign = "bench";
      in.run = run_no;
      in.act = &mail;
      in.inputs = {{"split", p}};
      in.now = 1'795'000'000'000'000;
      in.dimension = "profiles";
      auto r = runner->run(in);
      if (!r) {
        std::fprintf(stderr, "error: mail: %s\n", r.err().message().c_str());
        std::exit(1);
      }
      sent += r->outputs.at(0).count;
    }
    double s = bench::seconds_since(t0);
    rates.push_back(static_cast<double>(sent) / s);
    // The phase on CLOCK_MONOTONIC (steady_clock), for `perf record -k CLOCK_MONOTONIC` and
    // `perf report --time FROM,TO`: the outbox alone in a profile of the whole bench.
    auto mono = [](bench::steady::time_point t) {
      return std::chrono::duration<double>(t.time_since_epoch()).count();
    };
    bench::note("outbox run %d: %llu messages in %.2f s (monotonic %.6f,%.6f)", run,
                static_cast<unsigned long long>(sent), s, mono(t0), mono(bench::steady::now()));
  }
  double rate = bench::median(rates);
  bench::json_line()
      .str("id", "P7.outbox")
      .str("what",
           "the 3 subsets mailed by the channel runner to the file outbox (eligibility, Mustache, "
           "JSON line, fdatasync per batch of 10000, deliveries table, sent table derived)")
      .num("value", rate)
      .str("unit", "messages/s")
      .str("target", ">= 200000")
      .boolean("met", rate >= 200000)
      .num("messages", static_cast<double>(sent))
      .num("runs", a.runs)
      .num("loadavg_1m", bench::load_average(), 2)
      .print();
}

}  // namespace

int main(int argc, char** argv) {
  args a;
  bench::command_line cl;
  bool parsed_ok = cl.parse(argc, argv, {"--csv", "--dir", "--schema", "--runs", "--sqlite3"}, {});
  try {
    a.csv = cl.text("--csv", a.csv);
    a.dir = cl.text("--dir", a.dir);
    a.schema = cl.text("--schema", a.schema);
    a.runs = cl.number("--runs", a.runs);
    a.sqlite3 = cl.text("--sqlite3", a.sqlite3);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    parsed_ok = false;
  }
  if (!parsed_ok || a.runs < 1) a.csv.clear();  // -> usage
  if (a.csv.empty() || a.dir.empty() || a.schema.empty()) {
    std::fprintf(stderr, "usage: baton_bench_data --csv DIR --dir DIR --schema FILE [--runs N]\n");
    return 2;
  }
  std::ifstream sf(a.schema);
  std::stringstream text;
  text << sf.rdbuf();
  auto parsed = parse_entity_schema(text.str());
  if (!parsed.ok()) return 2;
  const entity_schema& schema = *parsed.schema;
  auto opened = open_backend("", a.dir);
  if (!opened) return 1;
  backend& b = **opened;
  if (!apply_schema(b, schema)) return 1;
  std::uint64_t rows = 0, ignored = 0;
  double cpu = 0, ignored_cpu = 0;
  load(b, schema, a, "households", ignored, ignored_cpu);
  double profile_secs = load(b, schema, a, "profiles", rows, cpu);
  double profile_rate = static_cast<double>(rows) / profile_secs;
  load(b, schema, a, "purchases", ignored, ignored_cpu);
  b.exec("ANALYZE");
  bench::json_line()
      .str("id", "P7.load")
      .str("what", "load_csv upsert of profile-like rows (14 columns) into SQLite")
      .num("value", profile_rate)
      .str("unit", "rows/s")
      .str("target", ">= 500000")
      .boolean("met", profile_rate >= 500000)
      .num("rows", static_cast<double>(rows))
      .num("rows_per_cpu_second", cpu > 0 ? static_cast<double>(rows) / cpu : 0)
      .num("loadavg_1m", bench::load_average(), 2)
      .print();
  measure_pipeline(b, schema, a);
  measure_outbox(b, schema, a);
  return 0;
}
