// baton_bench_scale: figure P12 (PERFORMANCE.md), the data plane at scale on PostgreSQL. With the
// CSVs of baton-sample-data (10 M profiles, 30 M purchases in `bench/run P12`): the load through
// COPY (P12.load), the pipeline of P7 against the same SQL run by `psql` on the same database
// (P12), the whole consenting population mailed by the channel runner to the file outbox
// (P12.outbox), and this process's peak RSS over all of it (P12.rss). One JSON line per figure.
#include <sys/resource.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include "actors/channel_runner.hpp"
#include "audience/loader.hpp"
#include "audience/schema.hpp"
#include "bench/data_pipeline.hpp"

using namespace baton;
using namespace baton::audience;
using nlohmann::json;

namespace {

struct args {
  std::string csv, dir, schema, pg, psql = "psql";
  int runs = 1;
};

// The hand-written SQL of P7 as one writes it for PostgreSQL: booleans compared as booleans, a
// derived table named, and NOT EXISTS where SQLite's version has NOT IN (PostgreSQL runs a NOT IN
// whose list outgrows work_mem row by row).
const char* k_pg_baseline_sql = R"(
CREATE TABLE b_aud AS SELECT t.id FROM profiles t WHERE t.email_opt_in
  AND EXISTS (SELECT 1 FROM purchases p WHERE p.profile_id = t.id AND p.category = 'shoes')
  AND (SELECT coalesce(sum(p.amount), 0) FROM purchases p WHERE p.profile_id = t.id) >= 500;
CREATE TABLE b_dedup AS SELECT id FROM (SELECT w.id, t.email, row_number() OVER (PARTITION BY
  t.email ORDER BY t.created_at DESC NULLS LAST, w.id) AS rn FROM b_aud w LEFT JOIN profiles t
  ON t.id = w.id) x WHERE rn = 1 OR email IS NULL;
CREATE TABLE b_enr AS SELECT w.id, (SELECT h.city FROM households h WHERE h.id = t.household_id)
  AS city, (SELECT coalesce(sum(p.amount), 0) FROM purchases p WHERE p.profile_id = t.id) AS
  total_spent, (SELECT count(*) FROM purchases p WHERE p.profile_id = t.id) AS orders
  FROM b_dedup w LEFT JOIN profiles t ON t.id = w.id;
CREATE TABLE b_gold AS SELECT w.* FROM b_enr w LEFT JOIN profiles t ON t.id = w.id
  WHERE t.loyalty = 'gold';
CREATE TABLE b_big AS SELECT w.* FROM b_enr w WHERE w.total_spent >= 1000
  AND NOT EXISTS (SELECT 1 FROM b_gold g WHERE g.id = w.id);
CREATE TABLE b_rest AS SELECT w.* FROM b_enr w WHERE NOT EXISTS (SELECT 1 FROM b_gold g WHERE
  g.id = w.id) AND NOT EXISTS (SELECT 1 FROM b_big g WHERE g.id = w.id);
SELECT count(*) FROM b_gold; SELECT count(*) FROM b_big; SELECT count(*) FROM b_rest;
DROP TABLE b_aud; DROP TABLE b_dedup; DROP TABLE b_enr; DROP TABLE b_gold; DROP TABLE b_big;
DROP TABLE b_rest;
)";

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // KiB on Linux
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "error: %s\n", what.c_str());
  std::exit(1);
}

// Loads the three CSVs (upsert, as `batonctl data load` does; through COPY on PostgreSQL).
void measure_load(backend& b, const entity_schema& schema, const args& a) {
  std::uint64_t rows = 0, profiles = 0;
  double secs = 0, profile_secs = 0;
  for (const char* entity : {"households", "profiles", "purchases"}) {
    load_request req{entity, a.csv + "/" + entity + ".csv", load_mode::upsert, "", 1000000, {}};
    auto t0 = bench::steady::now();
    auto r = load_csv(b, schema, req);
    double s = bench::seconds_since(t0);
    if (!r) die(entity + std::string(": ") + r.err().message());
    bench::note("loaded %llu %s in %.1f s (%.0f rows/s)",
                static_cast<unsigned long long>(r->applied), entity, s,
                static_cast<double>(r->applied) / s);
    rows += r->applied;
    secs += s;
    if (std::string(entity) == "profiles") {
      profiles = r->applied;
      profile_secs = s;
    }
  }
  auto t0 = bench::steady::now();
  if (auto r = b.exec("ANALYZE"); !r) die(r.err().message());
  bench::note("ANALYZE in %.1f s", bench::seconds_since(t0));
  bench::json_line()
      .str("id", "P12.load")
      .str("what",
           "load_csv upsert of the three CSVs into PostgreSQL (COPY into a stage, one "
           "INSERT ... SELECT), secondary indexes built at the end")
      .num("value", static_cast<double>(rows) / secs)
      .str("unit", "rows/s")
      .num("rows", static_cast<double>(rows))
      .num("seconds", secs, 1)
      .num("profiles_per_s", static_cast<double>(profiles) / profile_secs)
      .num("loadavg_1m", bench::load_average(), 2)
      .print();
}

void measure_pipeline(backend& b, const entity_schema& schema, const args& a) {
  std::string sql_file = a.dir + "/baseline.sql";
  std::ofstream(sql_file) << k_pg_baseline_sql;
  bench::compare_flow(b, schema,
                      {"P12",
                       "data plane at scale: build_audience (exists + aggregate) -> dedup -> "
                       "enrichment -> 3-way split, PostgreSQL",
                       "psql, the same SQL hand-written, same database", "psql", a.runs, 1},
                      a.psql + " -X -q -A -t -v ON_ERROR_STOP=1 '" + a.pg + "' -f " + sql_file,
                      a.dir + "/baseline.out");
}

// The whole population (every profile) to the file outbox: the channel runner checks consent
// and address, renders, writes and records each message as batond's would.
void measure_outbox(backend& b, const entity_schema& schema, const args& a) {
  activity all;
  all.id = "everyone";
  all.type = activity_type::build_audience;
  all.options = {{"filter", {{"field", "id"}, {"op", "ge"}, {"value", 0}}}};
  task_input in;
  in.campaign = "scale";
  in.run = 1;
  in.act = &all;
  in.now = 1'795'000'000'000'000;
  auto t0 = bench::steady::now();
  auto pop = run_data_activity(b, schema, in, data_options{"profiles", "", 50ull << 20});
  if (!pop) die("population: " + pop.err().message());
  bench::note("population of %llu profiles in %.1f s",
              static_cast<unsigned long long>(pop->outputs.at(0).count), bench::seconds_since(t0));
  std::ofstream(a.dir + "/schema.json") << schema.to_json().dump(2) << "\n";
  channel_runner_options c;
  c.data_dir = a.dir;
  c.url = a.pg;
  auto runner = make_channel_runner(c);
  activity mail;
  mail.id = "mail";
  mail.type = activity_type::email;
  mail.options = {{"subject", "{{first_name}}, the winter sale is on"},
                  {"body", "Dear {{first_name}} {{last_name}},\n\nup to 50% off this week.\n"},
                  {"from", "Shop <news@shop.example>"}};
  task_input send;
  send.campaign = "scale";
  send.run = 1;
  send.act = &mail;
  send.inputs = {{"everyone", pop->outputs.at(0)}};
  send.now = in.now;
  send.dimension = "profiles";
  t0 = bench::steady::now();
  auto r = runner->run(send);
  double s = bench::seconds_since(t0);
  if (!r) die("mail: " + r.err().message());
  auto sent = r->outputs.at(0).count;
  double rate = static_cast<double>(sent) / s;
  bench::note("outbox: %llu messages of %llu rows in %.1f s", static_cast<unsigned long long>(sent),
              static_cast<unsigned long long>(pop->outputs.at(0).count), s);
  bench::json_line()
      .str("id", "P12.outbox")
      .str("what",
           "the whole population mailed by the channel runner to the file outbox, "
           "PostgreSQL data plane (consent, address, Mustache, JSON line, durable batches)")
      .num("value", rate)
      .str("unit", "messages/s")
      .str("target", ">= 100000")
      .boolean("met", rate >= 100000)
      .num("messages", static_cast<double>(sent))
      .num("rows", static_cast<double>(pop->outputs.at(0).count))
      .num("seconds", s, 1)
      .num("loadavg_1m", bench::load_average(), 2)
      .print();
}

}  // namespace

int main(int argc, char** argv) {
  args a;
  bench::command_line cl;
  bool parsed_ok =
      cl.parse(argc, argv, {"--csv", "--dir", "--schema", "--pg", "--psql", "--runs"}, {});
  try {
    a.csv = cl.text("--csv", a.csv);
    a.dir = cl.text("--dir", a.dir);
    a.schema = cl.text("--schema", a.schema);
    a.pg = cl.text("--pg", a.pg);
    a.psql = cl.text("--psql", a.psql);
    a.runs = cl.number("--runs", a.runs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    parsed_ok = false;
  }
  if (!parsed_ok || a.runs < 1 || a.csv.empty() || a.dir.empty() || a.schema.empty() ||
      a.pg.empty()) {
    std::fprintf(stderr,
                 "usage: baton_bench_scale --csv DIR --dir DIR --schema FILE --pg URL "
                 "[--psql PATH] [--runs N]\n");
    return 2;
  }
  std::ifstream sf(a.schema);
  std::stringstream text;
  text << sf.rdbuf();
  auto parsed = parse_entity_schema(text.str());
  if (!parsed.ok()) die("the schema does not parse");
  const entity_schema& schema = *parsed.schema;
  auto opened = open_backend(a.pg, a.dir);
  if (!opened) die(opened.err().message());
  backend& b = **opened;
  if (auto st = apply_schema(b, schema); !st) die(st.err().message());
  measure_load(b, schema, a);
  measure_pipeline(b, schema, a);
  measure_outbox(b, schema, a);
  double rss = peak_rss_mib();
  bench::json_line()
      .str("id", "P12.rss")
      .str("what",
           "peak RSS of the process that ran the load, the flow and the outbox (the "
           "engine's own runner code, as batond runs it)")
      .num("value", rss, 1)
      .str("unit", "MiB")
      .str("target", "<= 500 MB")
      .boolean("met", rss * 1.048576 <= 500)
      .num("loadavg_1m", bench::load_average(), 2)
      .print();
  return 0;
}
