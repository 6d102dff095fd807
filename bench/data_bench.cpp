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
#include "bench/data_pipeline.hpp"

using namespace baton;
using namespace baton::audience;
using bench::k_baseline_sql;
using bench::run_pipeline;
using nlohmann::json;

namespace {

struct args {
  std::string csv, dir, schema, sqlite3 = "sqlite3";
  int runs = 3;
};

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
  bench::compare_flow(
      b, schema,
      {"P7",
       "data plane: build_audience (exists + aggregate) -> dedup -> enrichment -> 3-way split, "
       "SQLite",
       "sqlite3 shell, the same SQL hand-written, same database file", "sqlite3 shell", a.runs, 2},
      a.sqlite3 + " " + a.dir + "/data.sqlite < " + sql_file, a.dir + "/baseline.out");
}

// P7.outbox: the split's subsets mailed through the engine's channel runner to the file outbox
// (rows -> eligibility -> Mustache -> DIR/outbox/email.jsonl, a write + fdatasync per durable
// batch, the deliveries table in SQLite, the sent table in multi-row inserts).
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
           "JSON line, fdatasync per batch of 10000, deliveries table, sent table)")
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
