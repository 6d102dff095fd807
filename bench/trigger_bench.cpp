// baton_bench_trigger: figure P11 (PERFORMANCE.md), API-triggered transactional sends. An
// engine as batond runs it (its default scheduler, durable group commit, the channel runner on
// the SQLite data plane, the file outbox) takes `campaign trigger` commands from 64 concurrent
// clients, each waiting for its reply before the next: the reply comes once the message's line
// is synced in the outbox and its trigger_handled event is durable. Prints triggers/s and the
// p50/p99 latency of a trigger (client send -> reply), and checks every acknowledged trigger
// has its outbox line. Clients talk to the actor API in-process (no network hop).
#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "actors/data_runner.hpp"
#include "actors/engine.hpp"
#include "audience/backend.hpp"
#include "audience/loader.hpp"
#include "audience/schema.hpp"
#include "bench/bench_util.hpp"
#include "model/entity_schema.hpp"

using namespace baton;
using nlohmann::json;

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "error: %s\n", what.c_str());
  std::exit(1);
}

// DIR: the schema applied and `n` profiles (ids 1..n) loaded.
void prepare_data(const std::string& data, const std::string& schema_file, int n) {
  std::filesystem::create_directories(data);
  std::ifstream sf(schema_file);
  std::stringstream text;
  text << sf.rdbuf();
  auto parsed = parse_entity_schema(text.str());
  if (!parsed.ok()) fail(schema_file + ": not a valid entity schema");
  auto b = audience::open_backend("", data);
  if (!b || !audience::apply_schema(**b, *parsed.schema)) fail("cannot apply the schema");
  std::ofstream(data + "/schema.json") << parsed.schema->to_json().dump(2) << "\n";
  std::string csv_path = data + "/profiles.csv";
  {
    std::ofstream csv(csv_path);
    csv << "id,email,first_name,last_name,email_opt_in\n";
    for (int i = 1; i <= n; ++i)
      csv << i << ",customer" << i << "@example.com,First" << i << ",Last" << i << ",true\n";
  }
  audience::load_request req;
  req.entity = "profiles";
  req.path = csv_path;
  auto r = audience::load_csv(**b, *parsed.schema, req);
  if (!r || r->applied != static_cast<std::uint64_t>(n)) fail("cannot load the profiles");
}

const char* const campaign = R"({
  "name": "order confirmation", "dimension": "profiles", "schedule": {"api": true},
  "category": "transactional",
  "activities": [{"id": "confirm", "type": "email",
    "subject": "Order {{context.order.id}} confirmed",
    "body": "Hello {{first_name}}, we received your order {{context.order.id}} of {{context.order.total}} EUR."}],
  "transitions": []})";

json call(caf::scoped_actor& self, const engine_api& api, api_command cmd) {
  json out;
  auto verb = cmd.verb;
  self->request(api, std::chrono::seconds(60), command_atom::value, std::move(cmd))
      .receive([&](std::string& r) { out = json::parse(r); },
               [&](caf::error& e) { fail(verb + ": " + from_caf(e).message()); });
  return out;
}

struct run_figures {
  double rate = 0, p50_ms = 0, p99_ms = 0;
  std::size_t triggers = 0;
};

// One run: a fresh data dir and engine; `clients` threads trigger for `seconds`.
run_figures run_once(const std::string& dir, const std::string& schema, int clients, double seconds,
                     int run) {
  bench::temp_dir work(dir, "p11-" + std::to_string(run));
  auto data = work.str("data");
  const int profiles = 10000;
  prepare_data(data, schema, profiles);
  auto store = event_store::open(data + "/events");
  if (!store) fail("cannot open the store: " + store.err().message());
  caf::actor_system_config cfg;
  register_api_types(cfg);
  engine_config defaults;
  configure_scheduler(cfg, defaults);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  std::vector<double> latencies;
  std::size_t done = 0;
  double elapsed = 0;
  std::string id;
  {
    caf::actor_system sys{cfg};
    engine_options eo;
    eo.store = std::shared_ptr<event_store>(std::move(store.value()));
    eo.durable = true;
    eo.data_dir = data;
    eo.runner = make_engine_runner(data, "", "", json::object());
    auto h = spawn_engine(sys, eo);
    {
      caf::scoped_actor self{sys};
      id = call(self, h.api, {"create", "", "bench", "", campaign, {}})["id"];
      call(self, h.api, {"publish", id, "bench", "", "", {}});
    }
    std::mutex mu;
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    auto t0 = bench::steady::now();
    for (int c = 0; c < clients; ++c)
      threads.emplace_back([&, c] {
        caf::scoped_actor self{sys};
        std::vector<double> mine;
        for (int k = 0; !stop; ++k) {
          api_command cmd{"trigger", id, "bench", "", "", {}};
          cmd.args["recipient"] = std::to_string(1 + (c * 7919 + k * 131) % profiles);
          cmd.args["triggerId"] = "c" + std::to_string(c) + "-" + std::to_string(k);
          cmd.body = R"({"order": {"id": "A-)" + std::to_string(k) + R"(", "total": 42.5}})";
          auto s = bench::steady::now();
          auto r = call(self, h.api, std::move(cmd));
          if (r.value("status", "") != "sent") fail("trigger not sent: " + r.dump());
          mine.push_back(bench::seconds_since(s) * 1000);
        }
        std::lock_guard<std::mutex> g(mu);
        latencies.insert(latencies.end(), mine.begin(), mine.end());
      });
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& t : threads) t.join();
    elapsed = bench::seconds_since(t0);
    done = latencies.size();
    stop_engine(sys, h);
    sys.await_all_actors_done();
  }
  // Every acknowledged trigger has its line in the outbox.
  std::ifstream outbox(data + "/outbox/email.jsonl");
  std::size_t lines = 0;
  for (std::string l; std::getline(outbox, l);) ++lines;
  if (lines != done)
    fail("outbox has " + std::to_string(lines) + " lines for " + std::to_string(done) +
         " acknowledged triggers");
  run_figures f;
  f.triggers = done;
  f.rate = static_cast<double>(done) / elapsed;
  f.p50_ms = bench::percentile(latencies, 50);
  f.p99_ms = bench::percentile(latencies, 99);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  bench::command_line cl;
  std::string dir, schema;
  int runs = 3;
  bool quick = false,
       parsed_ok = cl.parse(argc, argv, {"--dir", "--schema", "--runs"}, {"--quick"});
  try {
    quick = cl.has("--quick");
    dir = cl.text("--dir", "");
    schema = cl.text("--schema", "");
    runs = cl.number("--runs", quick ? 1 : runs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    parsed_ok = false;
  }
  if (!parsed_ok || runs < 1 || dir.empty() || schema.empty()) {
    std::fprintf(stderr,
                 "usage: baton_bench_trigger --dir DIR --schema FILE [--quick] [--runs N]\n");
    return 2;
  }
  const int clients = 64;
  const double seconds = quick ? 3.0 : 10.0;
  std::vector<double> rates, p50s, p99s;
  std::size_t total = 0;
  for (int run = 1; run <= runs; ++run) {
    auto f = run_once(dir, schema, clients, seconds, run);
    rates.push_back(f.rate);
    p50s.push_back(f.p50_ms);
    p99s.push_back(f.p99_ms);
    total += f.triggers;
    bench::note("run %d: %zu triggers, %.0f triggers/s, p50 %.2f ms, p99 %.2f ms", run, f.triggers,
                f.rate, f.p50_ms, f.p99_ms);
  }
  double rate = bench::median(rates), p99 = bench::median(p99s);
  bench::json_line()
      .str("id", "P11")
      .str("what",
           "API triggers of a transactional email campaign from 64 concurrent in-process clients: "
           "recipient lookup (SQLite), Mustache with the context, file outbox line synced, "
           "trigger_handled event durable (group commit), then the reply")
      .num("value", rate)
      .str("unit", "triggers/s")
      .str("target", ">= 5000 triggers/s, p99 <= 50 ms")
      .boolean("met", rate >= 5000 && p99 <= 50)
      .num("p50_ms", bench::median(p50s), 2)
      .num("p99_ms", p99, 2)
      .num("clients", clients)
      .num("seconds_per_run", seconds, 0)
      .num("triggers", static_cast<double>(total))
      .num("runs", runs)
      .num("loadavg_1m", bench::load_average(), 2)
      .print();
  return 0;
}
