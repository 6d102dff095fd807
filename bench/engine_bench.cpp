// baton_bench_engine: figures P4 (recovery of one campaign of 10 000 events, without and with a
// snapshot), P5 (100 000 idle campaign actors: spawn rate and RSS) and P6 (orchestration
// overhead: task lifecycles per second on flow-control activities, no fsync). None has a peer
// measured in the same run (PERFORMANCE.md: "—"). See docs/benchmarks.md; run via bench/run.
#include <time.h>

#include <atomic>
#include <cstring>
#include <future>
#include <memory>
#include <stdexcept>

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/engine.hpp"
#include "actors/engine_context.hpp"
#include "bench/bench_util.hpp"
#include "events/catalog.hpp"
#include "model/flow_activities.hpp"
#include "model/lifecycle.hpp"
#include "model/planner.hpp"

using namespace baton;
using namespace baton::bench;
using nlohmann::json;

namespace {

struct config {
  bool quick = false;
  int runs = 3;
  std::filesystem::path base = "/tmp";
  std::uint64_t p4_events = 10'000;
  int p4_loads = 0;        // loads per run; 0 = 200 (--quick: 40)
  int p5_actors = 0;       // 0 = 100 000 (--quick: 20 000)
  int p6_campaigns = 16;   // campaigns driven in parallel
  int p6_branches = 4;     // fork branches of the P6 graph
  int p6_chain = 10;       // flow-control activities per branch
  int p6_runs = 0;         // runs per campaign; 0 = 20 (--quick: 6)
  std::string caf_policy;  // scheduler.policy for P5/P6; "" = batond's default (sharing)
};

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what);
}

// A field of /proc/self/status in KiB (VmRSS, VmHWM); -1 if absent.
long status_kib(const char* field) {
  long v = -1;
  if (FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    auto n = std::strlen(field);
    while (std::fgets(line, sizeof line, f))
      if (std::strncmp(line, field, n) == 0 && line[n] == ':') {
        v = std::strtol(line + n + 1, nullptr, 10);
        break;
      }
    std::fclose(f);
  }
  return v;
}

std::unique_ptr<event_store> open_store(const std::string& dir) {
  auto s = event_store::open(dir);
  if (!s) fail("cannot open store " + dir + ": " + s.err().message());
  return std::move(s.value());
}

// A definition as the registry stores it: validated, then normalised (definition::to_json).
std::string normalized(const std::string& text) {
  auto v = validate_campaign(text, nullptr);
  if (!v.ok()) {
    std::string what;
    for (auto& p : v.issues) what += p.pointer + ": " + p.message + "; ";
    fail("bench campaign does not validate: " + what);
  }
  return v.definition->to_json().dump();
}

// The actor system as batond sets it up with its default config (2 scheduler threads, the
// sharing scheduler); `policy` ("stealing" or "sharing") overrides it for experiments
// (--caf-policy).
std::unique_ptr<caf::actor_system_config> actor_config(const std::string& policy) {
  auto cfg = std::make_unique<caf::actor_system_config>();
  register_api_types(*cfg);
  engine_config defaults;
  if (!policy.empty()) defaults.scheduler_policy = policy;
  configure_scheduler(*cfg, defaults);
  cfg->set("logger.verbosity", caf::atom("quiet"));
  return cfg;
}

// --- P4: recovery of one campaign ------------------------------------------------------------

// A recurring campaign triggered by signals (an order-confirmation flow, say): a fork into a
// test on a variable and an alert, joined, a closing alert, the end. Each run is ~23 events.
const char* const p4_campaign = R"({
  "name": "recurring flow", "dimension": "profiles", "schedule": {"signal": true},
  "variables": {"season": "winter"},
  "activities": [
    {"id": "start", "type": "fork", "branches": ["a", "b"]},
    {"id": "check", "type": "test", "default": true,
     "conditions": [{"name": "winter", "variable": "season", "op": "eq", "value": "winter"}]},
    {"id": "note", "type": "alert", "title": "Branch b", "message": "second branch reached"},
    {"id": "join", "type": "and_join", "primary": "note"},
    {"id": "notify", "type": "alert", "title": "Done", "message": "flow finished"},
    {"id": "fin", "type": "end"}
  ],
  "transitions": [
    {"from": "start", "output": "a", "to": "check"},
    {"from": "start", "output": "b", "to": "note"},
    {"from": "check", "output": "winter", "to": "join"},
    {"from": "note", "to": "join"},
    {"from": "join", "to": "notify"},
    {"from": "notify", "to": "fin"}
  ]})";

// Writes a campaign's stream as its campaign actor does: every decision is one append at the
// expected version (sync off), its events carry the engine's identity fields, and the decided
// events are folded into the state once appended. Stops at `limit` events (the last decision
// may be cut short: the fold does not mind).
class campaign_writer {
 public:
  campaign_writer(event_store& store, std::string id, std::uint64_t limit)
      : store_(store), id_(std::move(id)), stream_("campaign/" + id_), limit_(limit) {}

  // False once the stream holds `limit` events.
  bool commit(std::vector<ev::campaign_event> evs, const std::string& actor,
              const std::string& command_id) {
    if (written_ >= limit_) return false;
    if (written_ + evs.size() > limit_) evs.resize(limit_ - written_);
    if (evs.empty()) return true;
    append_request req{stream_, s_.version == 0 ? no_stream : s_.version, {}};
    auto* run = s_.active_run();
    for (auto& ce : evs) {
      auto e = ev::to_event(ce);
      e.actor = actor;
      e.correlation_id = run ? id_ + "/" + std::to_string(run->number) : id_;
      e.causation_id = command_id.empty() ? "engine" : command_id;
      req.events.push_back(std::move(e));
    }
    append_options o;
    o.sync = false;
    o.command_id = command_id;
    auto r = store_.append({std::move(req)}, o);
    if (!r) fail("P4 append: " + r.err().message());
    auto& range = r->ranges.front();
    for (std::size_t i = 0; i < evs.size(); ++i) {
      event env;
      env.stream = stream_;
      env.stream_seq = range.first_seq + i;
      env.global_seq = range.first_global + i;
      env.time = r->time;
      env.actor = actor;
      if (auto st = apply(s_, evs[i], env); !st) fail("P4 apply: " + st.err().message());
    }
    written_ += evs.size();
    return written_ < limit_;
  }
  const campaign_state& state() const { return s_; }
  const std::string& id() const { return id_; }

 private:
  event_store& store_;
  std::string id_, stream_;
  std::uint64_t limit_, written_ = 0;
  campaign_state s_;
};

template <class T>
T accepted(result<T> d, const char* what) {
  if (!d) fail(std::string("P4 ") + what + " refused: " + d.err().message());
  return std::move(d.value());
}

// One signalled run, driven as the engine drives it: the trigger, then `advance` and the
// flow-control tasks (run where the task actor runs them), one decision per append. False once
// the stream is full.
bool p4_run(campaign_writer& w, std::uint32_t n) {
  static const system_clock wall;
  time_us now = wall.now();
  command_context api{"svc-orders", role::admin, now}, engine{"engine", role::admin, now};
  ev::variables vars{{"season", n % 3 ? "winter" : "summer"}};
  if (!w.commit(accepted(decide_trigger(w.state(), vars, "api", api), "trigger"), api.actor,
                "sig-" + std::to_string(n)))
    return false;
  const auto& def = *w.state().def;
  auto order = topological_order(def);
  for (;;) {
    auto evs = advance(w.state(), now);
    if (!evs.empty()) {
      if (!w.commit(std::move(evs), engine.actor, "")) return false;
      continue;
    }
    const run_state* r = w.state().active_run();
    if (!r) return true;
    bool ran = false;
    for (auto& id : order) {
      const task_state* t = r->task(id);
      const activity* a = def.find_activity(id);
      if (!t || t->status != task_status::running || !is_flow_activity(a->type)) continue;
      task_input in;
      in.campaign = w.id();
      in.run = r->number;
      in.act = a;
      in.inputs = inputs_of(def, *r, id);
      in.vars = r->vars;
      in.test = r->test;
      in.now = now;
      in.dimension = def.dimension;
      auto o = accepted(run_flow_activity(in), "flow task");
      auto d = accepted(decide_task_done(w.state(), r->number, id, o, engine), "task done");
      if (!w.commit(std::move(d), engine.actor, "")) return false;
      ran = true;
      break;
    }
    if (!ran) fail("P4: run " + std::to_string(n) + " does not progress");
  }
}

double ms_since(steady::time_point t0) {
  return seconds_since(t0) * 1000.0;
}

// `reps` timed load_campaign calls; each must fold the whole stream.
std::vector<double> time_loads(const event_store& store, const std::string& id,
                               std::uint64_t version, int reps) {
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    auto t0 = steady::now();
    auto s = load_campaign(store, id);
    ms.push_back(ms_since(t0));
    if (!s) fail("P4 load_campaign: " + s.err().message());
    if (s->version != version) fail("P4 load_campaign folded a different version");
  }
  return ms;
}

// CPU time of the calling thread, in ms: the parts of a load are timed on the CPU, since on a
// shared machine their wall time also holds whatever else ran meanwhile.
double thread_cpu_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

// Where a load's CPU time goes (medians over `reps`): reading the stream (index scan, MultiGet,
// envelope decoding), the fold (catalog upcast + apply), and freeing the folded state.
struct load_split {
  double read = 0, fold = 0, free = 0;
};

load_split split_load(const event_store& store, const std::string& id, int reps) {
  std::vector<double> read_ms, fold_ms, free_ms;
  const auto& catalog = baton_event_catalog();
  for (int i = 0; i < reps; ++i) {
    auto t0 = thread_cpu_ms();
    auto evs = store.read_stream("campaign/" + id);
    read_ms.push_back(thread_cpu_ms() - t0);
    if (!evs) fail("P4 read_stream: " + evs.err().message());
    t0 = thread_cpu_ms();
    auto s = std::make_unique<campaign_state>();
    for (auto& e : evs.value()) {
      auto up = catalog.upcast(std::move(e));  // as load_campaign does
      if (!up || !apply(*s, up.value())) fail("P4 fold failed");
    }
    fold_ms.push_back(thread_cpu_ms() - t0);
    t0 = thread_cpu_ms();
    s.reset();
    free_ms.push_back(thread_cpu_ms() - t0);
  }
  return {median(read_ms), median(fold_ms), median(free_ms)};
}

void run_p4(const config& c) {
  int loads = c.p4_loads ? c.p4_loads : (c.quick ? 40 : 200);
  temp_dir d(c.base, "p4");
  auto dir = d.str("store");
  std::string id = "c-00000001";
  std::uint32_t runs_written = 0;
  {
    auto store = open_store(dir);
    campaign_writer w(*store, id, c.p4_events);
    command_context mgr{"alice", role::admin, system_clock{}.now()};
    w.commit(accepted(decide_create(w.state(), id, normalized(p4_campaign), "", mgr), "create"),
             mgr.actor, "create-1");
    w.commit(accepted(decide_publish(w.state(), mgr), "publish"), mgr.actor, "publish-1");
    while (p4_run(w, ++runs_written)) {
    }
    // Other campaigns' events around it, so that the stream is not the whole log.
    append_options o;
    o.sync = false;
    for (int k = 0; k < 20; ++k) {
      std::vector<event> noise(500);
      for (auto& e : noise) e = ev::to_event(ev::signal_received{{{"k", "v"}}, "noise"});
      if (!store->append("campaign/noise-" + std::to_string(k), any_version, std::move(noise), o))
        fail("P4 noise append");
    }
  }
  // Recovery happens after a restart: reopen (RocksDB flushes the recovered WAL to a table).
  auto store = open_store(dir);
  auto read_version = store->stream_version("campaign/" + id);
  if (!read_version) fail("P4 stream_version: " + read_version.err().message());
  std::uint64_t version = *read_version;
  if (version != c.p4_events) fail("P4: the stream holds " + std::to_string(version) + " events");
  note("P4: campaign %s with %llu events (%u runs) written; %d loads per run", id.c_str(),
       static_cast<unsigned long long>(version), runs_written, loads);

  time_loads(*store, id, version, 5);  // warm-up: table readers, block cache, allocator
  std::vector<double> p50, p99, cpu_ms;
  for (int run = 0; run < c.runs; ++run) {
    double cpu0 = bench::cpu_seconds();
    auto ms = time_loads(*store, id, version, loads);
    cpu_ms.push_back((bench::cpu_seconds() - cpu0) * 1000.0 / loads);
    p50.push_back(percentile(ms, 50));
    p99.push_back(percentile(ms, 99));
    note("P4 run %d: load_campaign p50 %.3f ms, p99 %.3f ms (no snapshot)", run + 1, p50.back(),
         p99.back());
  }
  auto split = split_load(*store, id, std::max(5, loads / 4));

  auto state = load_campaign(*store, id);
  if (!state) fail("P4 load");
  std::vector<double> encode_ms;
  std::string bytes;
  for (int i = 0; i < 5; ++i) {
    auto t0 = thread_cpu_ms();
    bytes = encode_state(state.value());
    encode_ms.push_back(thread_cpu_ms() - t0);
  }
  if (!store->put_snapshot({"campaign/" + id, state->version, state->last_global, 1, bytes}))
    fail("P4 put_snapshot");
  time_loads(*store, id, version, 5);
  std::vector<double> sp50, sp99, scpu_ms;
  for (int run = 0; run < c.runs; ++run) {
    double cpu0 = bench::cpu_seconds();
    auto ms = time_loads(*store, id, version, loads);
    scpu_ms.push_back((bench::cpu_seconds() - cpu0) * 1000.0 / loads);
    sp50.push_back(percentile(ms, 50));
    sp99.push_back(percentile(ms, 99));
    note("P4 run %d: load_campaign p50 %.3f ms, p99 %.3f ms (snapshot at the last version)",
         run + 1, sp50.back(), sp99.back());
  }
  std::vector<double> get_ms, decode_ms, sfree_ms;
  for (int i = 0; i < std::max(5, loads / 4); ++i) {
    auto t0 = thread_cpu_ms();
    auto snap = store->get_snapshot("campaign/" + id);
    get_ms.push_back(thread_cpu_ms() - t0);
    if (!snap || !snap->has_value()) fail("P4 get_snapshot");
    t0 = thread_cpu_ms();
    auto s = std::make_unique<result<campaign_state>>(decode_state((*snap)->state));
    decode_ms.push_back(thread_cpu_ms() - t0);
    if (!*s) fail("P4 decode_state: " + s->err().message());
    t0 = thread_cpu_ms();
    s.reset();
    sfree_ms.push_back(thread_cpu_ms() - t0);
  }

  double value = median(p50), svalue = median(sp50);
  json_line()
      .str("id", "P4")
      .str("what", "recovery of one campaign of 10000 events without a snapshot: load_campaign")
      .num("value", value, 3)
      .str("unit", "ms")
      .str("target", "p50 <= 10 ms")
      .boolean("met", value <= 10.0)
      .num("p99_ms", median(p99), 3)
      .num("cpu_ms", median(cpu_ms), 3)
      .num("read_cpu_ms", split.read, 3)
      .num("fold_cpu_ms", split.fold, 3)
      .num("free_cpu_ms", split.free, 3)
      .num("events", static_cast<double>(version))
      .num("campaign_runs", runs_written)
      .num("loads", loads)
      .num("runs", c.runs)
      .num("loadavg_1m", bench::load_average(), 2)
      .print();
  json_line()
      .str("id", "P4.snapshot")
      .str("what", "recovery of the same campaign from a snapshot at its last version")
      .num("value", svalue, 3)
      .str("unit", "ms")
      .str("target", "p50 <= 3 ms")
      .boolean("met", svalue <= 3.0)
      .num("p99_ms", median(sp99), 3)
      .num("cpu_ms", median(scpu_ms), 3)
      .num("get_snapshot_cpu_ms", median(get_ms), 3)
      .num("decode_cpu_ms", median(decode_ms), 3)
      .num("free_cpu_ms", median(sfree_ms), 3)
      .num("snapshot_bytes", static_cast<double>(bytes.size()))
      .num("encode_cpu_ms", median(encode_ms), 3)
      .num("events", static_cast<double>(version))
      .num("loads", loads)
      .num("runs", c.runs)
      .num("loadavg_1m", bench::load_average(), 2)
      .print();
}

// --- P5: idle campaign actors ----------------------------------------------------------------

std::string p5_id(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "p5-%07d", i);
  return buf;
}

// N drafts, one campaign_created event each (the flow demo's definition, normalised as the
// registry stores it), appended in batches of 1 000 streams without sync.
void p5_build(const std::string& dir, int n) {
  auto store = open_store(dir);
  std::string def = normalized(R"({
    "name": "Flow demo", "dimension": "profiles", "variables": {"season": "winter"},
    "activities": [
      {"id": "start", "type": "fork", "branches": ["a", "b"]},
      {"id": "pause", "type": "wait", "duration": "PT1S"},
      {"id": "check", "type": "test", "default": true,
       "conditions": [{"name": "winter", "variable": "season", "op": "eq", "value": "winter"}]},
      {"id": "join", "type": "and_join", "primary": "pause"},
      {"id": "notify", "type": "alert", "title": "Done", "message": "flow finished"},
      {"id": "fin", "type": "end"}],
    "transitions": [
      {"from": "start", "output": "a", "to": "pause"},
      {"from": "start", "output": "b", "to": "check"},
      {"from": "pause", "to": "join"},
      {"from": "check", "output": "winter", "to": "join"},
      {"from": "join", "to": "notify"},
      {"from": "notify", "to": "fin"}]})");
  append_options o;
  o.sync = false;
  for (int first = 0; first < n; first += 1000) {
    std::vector<append_request> reqs;
    for (int i = first; i < std::min(n, first + 1000); ++i) {
      auto id = p5_id(i);
      auto e = ev::to_event(ev::campaign_created{id, def, ""});
      e.actor = "alice";
      e.correlation_id = id;
      e.causation_id = "create-" + id;
      reqs.push_back({"campaign/" + id, no_stream, {std::move(e)}});
    }
    if (auto r = store->append(std::move(reqs), o); !r) fail("P5 build: " + r.err().message());
  }
}

// What one child process measured.
struct p5_result {
  double seconds = 0;       // engine start -> every actor answered
  long rss_before_kib = 0;  // store open, actor system up, engine not started
  long rss_after_kib = 0;   // every actor alive and idle
  double cpu_seconds = 0;
  double stop_seconds = 0;
};

struct p5_tally {
  std::vector<std::string> ids;
  std::size_t next = 0, answered = 0;
  std::string first_error;
  std::promise<void> done;
};

// Sends the next `wait` command (if any); its answer sends the one after.
void p5_ask(caf::event_based_actor* self, engine_api api, std::shared_ptr<p5_tally> t) {
  if (t->next >= t->ids.size()) return;
  api_command cmd{"wait", t->ids[t->next++], "svc", "", "", {}};
  auto answered = [self, api, t] {
    if (++t->answered == t->ids.size()) t->done.set_value();
    p5_ask(self, api, t);
  };
  self->request(api, caf::infinite, command_atom::value, std::move(cmd))
      .then([answered](std::string&) { answered(); },
            [answered, t](caf::error& e) {
              if (t->first_error.empty()) t->first_error = from_caf(e).message();
              answered();
            });
}

// Runs in a child process (a fresh heap for every run): starts the engine over the store, whose
// recovery spawns one campaign actor per campaign stream, then asks every campaign for `wait`
// (an idle campaign answers at once) and times it until the last answer.
int p5_child(const std::string& dir, int n, const std::string& policy) {
  spdlog::set_level(spdlog::level::err);
  std::shared_ptr<event_store> store = open_store(dir);
  auto cfg = actor_config(policy);
  p5_result res;
  {
    caf::actor_system sys{*cfg};
    engine_options eo;
    eo.store = store;
    eo.durable = false;
    eo.config.passivate_after_seconds = 24 * 3600;  // stay alive for the measurement
    auto t = std::make_shared<p5_tally>();
    for (int i = 0; i < n; ++i) t->ids.push_back(p5_id(i));
    auto finished = t->done.get_future();
    res.rss_before_kib = status_kib("VmRSS");
    double cpu0 = bench::cpu_seconds();
    auto t0 = steady::now();
    auto h = spawn_engine(sys, eo);
    sys.spawn([t, api = h.api](caf::event_based_actor* self) {
      for (int k = 0; k < 2000; ++k) p5_ask(self, api, t);  // 2 000 commands in flight
    });
    finished.wait();
    res.seconds = seconds_since(t0);
    res.cpu_seconds = bench::cpu_seconds() - cpu0;
    res.rss_after_kib = status_kib("VmRSS");
    if (!t->first_error.empty()) fail("P5: a campaign did not answer: " + t->first_error);
    auto s0 = steady::now();
    stop_engine(sys, h);
    sys.await_all_actors_done();
    res.stop_seconds = seconds_since(s0);
  }
  std::printf("P5CHILD %.6f %ld %ld %.6f %.6f\n", res.seconds, res.rss_before_kib,
              res.rss_after_kib, res.cpu_seconds, res.stop_seconds);
  return 0;
}

p5_result p5_spawn_child(const std::string& dir, int n, const std::string& policy) {
  // popen runs a shell: name this program by its own path, not as /proc/self/exe.
  auto self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::string cmd =
      "'" + self + "' --p5-child '" + dir + "' " + std::to_string(n) + " '" + policy + "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) fail("P5: cannot start the child process");
  p5_result r;
  char line[512];
  bool got = false;
  while (std::fgets(line, sizeof line, p))
    if (std::sscanf(line, "P5CHILD %lf %ld %ld %lf %lf", &r.seconds, &r.rss_before_kib,
                    &r.rss_after_kib, &r.cpu_seconds, &r.stop_seconds) == 5)
      got = true;
  int rc = ::pclose(p);
  if (rc != 0 || !got) fail("P5: the child process failed (status " + std::to_string(rc) + ")");
  return r;
}

void run_p5(const config& c) {
  int n = c.p5_actors ? c.p5_actors : (c.quick ? 20'000 : 100'000);
  temp_dir d(c.base, "p5");
  auto dir = d.str("store");
  auto t0 = steady::now();
  p5_build(dir, n);
  note("P5: %d campaigns written in %.1f s", n, seconds_since(t0));
  // The recovery part of bringing an actor alive, alone: load_campaign for each campaign on one
  // thread (CPU time), to tell it from what the actors and their messages cost.
  double load_us = 0;
  {
    auto store = open_store(dir);
    int k = std::min(n, 5000);
    auto c0 = thread_cpu_ms();
    for (int i = 0; i < k; ++i)
      if (auto s = load_campaign(*store, p5_id(i)); !s || s->status != campaign_status::draft)
        fail("P5: campaign " + p5_id(i) + " does not load");
    load_us = (thread_cpu_ms() - c0) * 1000.0 / k;
  }
  std::vector<double> rate, rss_mib, per_actor, cpu_us, stop_s;
  for (int run = 0; run < c.runs; ++run) {
    auto r = p5_spawn_child(dir, n, c.caf_policy);
    rate.push_back(n / r.seconds);
    rss_mib.push_back(static_cast<double>(r.rss_after_kib) / 1024.0);
    per_actor.push_back(static_cast<double>(r.rss_after_kib - r.rss_before_kib) * 1024.0 / n);
    cpu_us.push_back(r.cpu_seconds * 1e6 / n);
    stop_s.push_back(r.stop_seconds);
    note(
        "P5 run %d: %d actors alive in %.3f s (%.0f/s, %.1f us CPU each), RSS %.0f MiB "
        "(%.0f MiB before the engine, %.0f bytes per actor), stopped in %.2f s",
        run + 1, n, r.seconds, rate.back(), cpu_us.back(), rss_mib.back(),
        static_cast<double>(r.rss_before_kib) / 1024.0, per_actor.back(), r.stop_seconds);
  }
  double value = median(rate), rss = median(rss_mib);
  // Scaled to 100 000 actors when fewer were spawned (--quick): what the RSS target is about.
  double rss_at_100k =
      (rss * 1024.0 * 1024.0 + median(per_actor) * (100'000.0 - static_cast<double>(n))) /
      (1024.0 * 1024.0);
  json_line()
      .str("id", "P5")
      .str("what",
           "live actors: engine start over N idle campaigns (recovery spawns one actor each) "
           "until every one has answered a command; RSS once all are alive")
      .num("value", value)
      .str("unit", "actors/s")
      .str("target", ">= 100000 actors/s and RSS <= 2048 MiB at 100000 actors")
      .boolean("met", value >= 100'000 && rss_at_100k <= 2048)
      .num("rss_mib", rss, 1)
      .num("rss_mib_at_100000", rss_at_100k, 1)
      .num("bytes_per_actor", median(per_actor))
      .num("cpu_us_per_actor", median(cpu_us), 1)
      .num("load_campaign_cpu_us", load_us, 1)
      .num("stop_seconds", median(stop_s), 2)
      .num("actors", n)
      .num("runs", c.runs)
      .num("loadavg_1m", bench::load_average(), 2)
      .print();
}

// --- P6: orchestration overhead --------------------------------------------------------------

// A signal-triggered campaign of flow-control activities only: a fork into `branches` chains
// of `chain` activities (tests on a variable and alerts, alternating), joined, a closing alert,
// the end. Every task of a run completes.
std::string p6_campaign(int branches, int chain) {
  json acts = json::array(), trans = json::array(), names = json::array();
  for (int b = 0; b < branches; ++b) names.push_back("b" + std::to_string(b));
  acts.push_back({{"id", "start"}, {"type", "fork"}, {"branches", names}});
  std::string primary;
  for (int b = 0; b < branches; ++b) {
    std::string prev = "start", out = names[b];
    for (int k = 0; k < chain; ++k) {
      std::string id = "b" + std::to_string(b) + "_" + std::to_string(k);
      if (k % 2 == 0) {
        acts.push_back(
            {{"id", id},
             {"type", "test"},
             {"default", false},
             {"conditions",
              json::array(
                  {{{"name", "ok"}, {"variable", "season"}, {"op", "ne"}, {"value", ""}}})}});
      } else {
        acts.push_back(
            {{"id", id}, {"type", "alert"}, {"title", "step " + id}, {"message", "reached"}});
      }
      json t = {{"from", prev}, {"to", id}};
      if (!out.empty()) t["output"] = out;
      trans.push_back(t);
      prev = id;
      out = k % 2 == 0 ? "ok" : "";
    }
    json t = {{"from", prev}, {"to", "join"}};
    if (!out.empty()) t["output"] = out;
    trans.push_back(t);
    if (b == 0) primary = prev;
  }
  acts.push_back({{"id", "join"}, {"type", "and_join"}, {"primary", primary}});
  acts.push_back({{"id", "notify"}, {"type", "alert"}, {"title", "Done"}, {"message", "end"}});
  acts.push_back({{"id", "fin"}, {"type", "end"}});
  trans.push_back({{"from", "join"}, {"to", "notify"}});
  trans.push_back({{"from", "notify"}, {"to", "fin"}});
  json doc = {{"name", "flow chain"},
              {"dimension", "profiles"},
              {"schedule", {{"signal", true}}},
              {"variables", {{"season", "winter"}}},
              {"activities", acts},
              {"transitions", trans}};
  return doc.dump();
}

struct p6_tally {
  int runs_each = 0;
  int active = 0;
  std::uint64_t runs = 0;
  std::string first_error;
  std::promise<void> done;
};

// One campaign's loop: trigger a run, wait for its end, again until it has run `runs_each`.
void p6_drive(caf::event_based_actor* self, engine_api api, std::string id, int n,
              std::shared_ptr<p6_tally> t) {
  auto failed = [t](caf::error& e) {
    if (t->first_error.empty()) t->first_error = from_caf(e).message();
    if (--t->active == 0) t->done.set_value();
  };
  api_command trig{"trigger", id, "svc", id + "/signal-" + std::to_string(n), "", {}};
  self->request(api, caf::infinite, command_atom::value, std::move(trig))
      .then(
          [self, api, id, n, t, failed](std::string&) {
            api_command wait{"wait", id, "svc", "", "", {}};
            self->request(api, caf::infinite, command_atom::value, std::move(wait))
                .then(
                    [self, api, id, n, t](std::string& reply) {
                      auto j = json::parse(reply, nullptr, false);
                      if (j.is_discarded() || j.value("runStatus", "") != "completed") {
                        if (t->first_error.empty()) t->first_error = "run ended: " + reply;
                      } else {
                        ++t->runs;
                      }
                      if (t->first_error.empty() && n < t->runs_each)
                        return p6_drive(self, api, id, n + 1, t);
                      if (--t->active == 0) t->done.set_value();
                    },
                    failed);
          },
          failed);
}

struct p6_once {
  double seconds = 0, cpu = 0;
  std::uint64_t tasks = 0, events = 0, runs = 0;
};

p6_once p6_run_once(const config& c, const std::string& definition, int runs_each) {
  temp_dir d(c.base, "p6");
  std::shared_ptr<event_store> store = open_store(d.str("store"));
  auto cfg = actor_config(c.caf_policy);
  p6_once out;
  std::vector<std::string> ids;
  {
    caf::actor_system sys{*cfg};
    engine_options eo;
    eo.store = store;
    eo.durable = false;
    eo.config.passivate_after_seconds = 24 * 3600;
    auto h = spawn_engine(sys, eo);
    {
      caf::scoped_actor self{sys};
      auto call = [&](api_command cmd) {
        std::string reply;
        self->request(h.api, std::chrono::seconds(30), command_atom::value, std::move(cmd))
            .receive([&](std::string& r) { reply = r; },
                     [&](caf::error& e) { fail("P6 " + from_caf(e).message()); });
        return json::parse(reply);
      };
      for (int i = 0; i < c.p6_campaigns; ++i) {
        auto id = call({"create", "", "alice", "", definition, {}})["id"].get<std::string>();
        call({"publish", id, "alice", "", "", {}});
        ids.push_back(id);
      }
    }
    std::uint64_t global0 = store->last_global_seq();
    auto t = std::make_shared<p6_tally>();
    t->active = c.p6_campaigns;
    t->runs_each = runs_each;
    auto finished = t->done.get_future();
    double cpu0 = bench::cpu_seconds();
    auto t0 = steady::now();
    sys.spawn([t, ids, api = h.api](caf::event_based_actor* self) {
      for (auto& id : ids) p6_drive(self, api, id, 1, t);
    });
    finished.wait();
    out.seconds = seconds_since(t0);
    out.cpu = bench::cpu_seconds() - cpu0;
    out.runs = t->runs;
    if (!t->first_error.empty()) fail("P6: " + t->first_error);
    out.events = store->last_global_seq() - global0;
    stop_engine(sys, h);
    sys.await_all_actors_done();
  }
  for (auto& id : ids) {
    auto evs = store->read_stream("campaign/" + id);
    if (!evs) fail("P6 read_stream: " + evs.err().message());
    for (auto& e : evs.value())
      if (e.type == ev::task_completed::type) ++out.tasks;
  }
  return out;
}

void run_p6(const config& c) {
  int runs_each = c.p6_runs ? c.p6_runs : (c.quick ? 6 : 20);
  auto definition = p6_campaign(c.p6_branches, c.p6_chain);
  int activities = c.p6_branches * c.p6_chain + 4;
  std::vector<double> rate, cpu_us, events_per_task;
  for (int run = 0; run < c.runs; ++run) {
    auto r = p6_run_once(c, definition, runs_each);
    if (r.tasks != r.runs * static_cast<std::uint64_t>(activities))
      fail("P6: " + std::to_string(r.tasks) + " tasks completed in " + std::to_string(r.runs) +
           " runs of " + std::to_string(activities) + " activities");
    rate.push_back(static_cast<double>(r.tasks) / r.seconds);
    cpu_us.push_back(r.cpu * 1e6 / static_cast<double>(r.tasks));
    events_per_task.push_back(static_cast<double>(r.events) / static_cast<double>(r.tasks));
    note("P6 run %d: %llu tasks (%llu runs) in %.2f s: %.0f task lifecycles/s, %.1f us CPU each",
         run + 1, static_cast<unsigned long long>(r.tasks), static_cast<unsigned long long>(r.runs),
         r.seconds, rate.back(), cpu_us.back());
  }
  double value = median(rate);
  json_line()
      .str("id", "P6")
      .str("what",
           "orchestration overhead: flow-control task lifecycles (started -> completed, "
           "appended without fsync) per second of wall time; signal-triggered runs back to "
           "back on several campaigns")
      .num("value", value)
      .str("unit", "tasks/s")
      .str("target", ">= 20000 tasks/s")
      .boolean("met", value >= 20'000)
      .num("cpu_us_per_task", median(cpu_us), 1)
      .num("events_per_task", median(events_per_task), 2)
      .num("campaigns", c.p6_campaigns)
      .num("activities", activities)
      .num("runs_per_campaign", runs_each)
      .num("runs", c.runs)
      .num("loadavg_1m", bench::load_average(), 2)
      .print();
}

int usage() {
  std::fprintf(stderr,
               "usage: baton_bench_engine [--quick] [--runs N] [--dir DIR] [--p5-actors N]\n"
               "       [--p6-campaigns N] [--p6-branches N] [--p6-chain N] [--p6-runs N]\n"
               "       [--caf-policy stealing|sharing]\n"
               "       [P4|P5|P6]...\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--p5-child") {
    try {
      return p5_child(argv[2], std::stoi(argv[3]), argv[4]);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "baton_bench_engine (P5 child): %s\n", e.what());
      return 1;
    }
  }
  config c;
  if (const char* d = std::getenv("BATON_BENCH_DIR")) c.base = d;
  bench::command_line cl;
  if (!cl.parse(argc, argv,
                {"--runs", "--dir", "--p4-loads", "--p5-actors", "--p6-campaigns", "--p6-branches",
                 "--p6-chain", "--caf-policy", "--p6-runs"},
                {"--quick"}, {"P4", "P5", "P6"}))
    return usage();
  try {
    c.quick = cl.has("--quick");
    c.runs = cl.number("--runs", c.quick ? 1 : c.runs);
    c.base = cl.text("--dir", c.base);
    c.p4_loads = cl.number("--p4-loads", c.p4_loads);
    c.p5_actors = cl.number("--p5-actors", c.p5_actors);
    c.p6_campaigns = cl.number("--p6-campaigns", c.p6_campaigns);
    c.p6_branches = cl.number("--p6-branches", c.p6_branches);
    c.p6_chain = cl.number("--p6-chain", c.p6_chain);
    c.caf_policy = cl.text("--caf-policy", c.caf_policy);
    c.p6_runs = cl.number("--p6-runs", c.p6_runs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return usage();
  }
  auto ids = cl.figures();
  if (c.runs < 1 || c.p6_campaigns < 1 || c.p6_branches < 1 || c.p6_chain < 1 || c.p5_actors < 0 ||
      c.p4_loads < 0)
    return usage();
  if (ids.empty()) ids = {"P4", "P5", "P6"};
  spdlog::set_level(spdlog::level::err);
  try {
    std::filesystem::create_directories(c.base);
    for (auto& id : ids) {
      if (id == "P4") run_p4(c);
      if (id == "P5") run_p5(c);
      if (id == "P6") run_p6(c);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "baton_bench_engine: %s\n", e.what());
    return 1;
  }
  return 0;
}
