// baton_bench_store: figures P1 (batched append without fsync), P2 (durable group-committed
// append, 64 writers and one) and P3 (warm full-log verify), each against its baseline measured
// in the same run (raw RocksDB, an fdatasync loop). See docs/benchmarks.md; run via bench/run.
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "bench/bench_util.hpp"
#include "bench/durable_append.hpp"
#include "events/envelope_codec.hpp"
#include "store/event_store.hpp"

using namespace baton;
using namespace baton::bench;

namespace {

struct config {
  bool quick = false;
  int runs = 3;
  std::filesystem::path base = "/tmp";
  int p1_callers = 1;
};

rocksdb::Options rocks_options() {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.IncreaseParallelism(2);
  o.write_buffer_size = 64 << 20;
  o.max_write_buffer_number = 4;
  o.compression = rocksdb::kLZ4Compression;
  o.keep_log_file_num = 5;
  o.max_open_files = -1;
  return o;
}

struct raw_db {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::ColumnFamilyHandle* log() const { return handles[1]; }

  raw_db(const std::string& dir, bool read_only) {
    auto o = rocks_options();
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (auto* n : cf_names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions(o));
    rocksdb::DB* raw = nullptr;
    auto s = read_only ? rocksdb::DB::OpenForReadOnly(o, dir, cfs, &handles, &raw)
                       : rocksdb::DB::Open(o, dir, cfs, &handles, &raw);
    if (!s.ok()) fail("rocksdb open " + dir + ": " + s.ToString());
    db.reset(raw);
  }
  ~raw_db() {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    db->Close();
  }
  void flush_all() {
    rocksdb::FlushOptions fo;
    fo.wait = true;
    auto s = db->Flush(fo, handles);
    if (!s.ok()) fail("rocksdb flush: " + s.ToString());
  }
};

std::string be64(std::uint64_t v) {
  std::string k(8, '\0');
  for (int i = 0; i < 8; ++i) k[i] = static_cast<char>(v >> (8 * (7 - i)));
  return k;
}

// --- P1: batched append, WAL on, no fsync ----------------------------------------------------

struct p1_sizes {
  std::uint64_t events;
  int batch = 100;
  int streams = 4;
};

double p1_store_once(const config& c, const event_shape& shape, const p1_sizes& z) {
  temp_dir d(c.base, "p1");
  auto store = open_store(d.str("store"));
  std::uint64_t calls = z.events / z.batch;
  append_options nosync;
  nosync.sync = false;
  std::atomic<bool> failed{false};
  auto caller = [&](int who) {
    std::vector<std::string> names;
    for (int s = who; s < z.streams; s += c.p1_callers) names.push_back(stream_name(s));
    std::uint64_t mine = 0;
    for (std::uint64_t call = who; call < calls; call += c.p1_callers, ++mine) {
      std::vector<event> batch;
      batch.reserve(z.batch);
      for (int k = 0; k < z.batch; ++k) batch.push_back(shape.make(call * z.batch + k));
      auto r = store->append(names[mine % names.size()], any_version, std::move(batch), nosync);
      if (!r) {
        note("P1 append failed: %s", r.err().message().c_str());
        failed = true;
        return;
      }
    }
  };
  auto t0 = steady::now();
  if (c.p1_callers == 1) {
    caller(0);
  } else {
    std::vector<std::thread> ts;
    for (int i = 0; i < c.p1_callers; ++i) ts.emplace_back(caller, i);
    for (auto& t : ts) t.join();
  }
  double secs = seconds_since(t0);
  if (failed) fail("P1 append failed");
  if (store->last_global_seq() != calls * z.batch) fail("P1: wrong number of events stored");
  return static_cast<double>(calls * z.batch) / secs;
}

// The baseline: WriteBatches of `batch` values of the envelope's size into the log column
// family. With `same_keys`, each batch also carries what the store adds to it (one stream index
// entry per append — its range, store/keys.hpp — the stream head, the chain head): RocksDB's own
// cost of the store's layout.
double p1_raw_once(const config& c, const event_shape& shape, const p1_sizes& z, bool same_keys) {
  temp_dir d(c.base, "p1raw");
  raw_db r(d.str("raw"), false);
  std::vector<std::string> names;
  std::vector<std::uint64_t> versions(z.streams, 0);
  for (int s = 0; s < z.streams; ++s) names.push_back(stream_name(s) + '\0');
  // A pool of real encoded envelopes, so the values compress like the store's.
  std::vector<std::string> pool;
  for (std::uint64_t i = 1; i <= 1024; ++i)
    pool.push_back(encode_envelope(event_shape::stamped(shape.proto, shape.payload_bytes, i)));
  rocksdb::WriteOptions wo;
  wo.sync = false;
  std::uint64_t calls = z.events / z.batch, seq = 0;
  auto t0 = steady::now();
  for (std::uint64_t call = 0; call < calls; ++call) {
    rocksdb::WriteBatch b;
    auto stream = call % z.streams;
    if (same_keys)
      b.Put(r.handles[2], names[stream] + be64(versions[stream] + 1),
            be64(seq + 1) + be64(static_cast<std::uint64_t>(z.batch)));
    for (int k = 0; k < z.batch; ++k) {
      ++seq;
      ++versions[stream];
      b.Put(r.log(), be64(seq), pool[seq % pool.size()]);
    }
    if (same_keys) {
      b.Put(r.handles[3], names[stream], be64(versions[stream]) + be64(seq));
      b.Put(r.handles[5], "chain_head", be64(seq) + std::string(32, 'h'));
    }
    auto s = r.db->Write(wo, &b);
    if (!s.ok()) fail("raw write: " + s.ToString());
  }
  return static_cast<double>(seq) / seconds_since(t0);
}

void run_p1(const config& c, const event_shape& shape) {
  p1_sizes z{c.quick ? 200'000u : 1'000'000u};
  std::vector<double> store_rates, raw_rates, layout_rates;
  for (int run = 0; run < c.runs; ++run) {
    store_rates.push_back(p1_store_once(c, shape, z));
    raw_rates.push_back(p1_raw_once(c, shape, z, false));
    layout_rates.push_back(p1_raw_once(c, shape, z, true));
    note("P1 run %d: store %.0f events/s, raw %.0f values/s, raw with the store's keys %.0f/s",
         run + 1, store_rates.back(), raw_rates.back(), layout_rates.back());
  }
  double v = median(store_rates), b = median(raw_rates),
         ratio = median_ratio(store_rates, raw_rates);
  json_line()
      .str("id", "P1")
      .str("what", "append, WAL on, no fsync, batches of 100 events per append call")
      .num("value", v)
      .str("unit", "events/s")
      .str("baseline", "raw rocksdb WriteBatch")
      .num("baseline_value", b)
      .num("ratio", ratio, 2)
      .str("target", ">= 0.5 and >= 300000 events/s")
      .boolean("met", ratio >= 0.5 && v >= 300'000)
      .num("raw_same_keys_value", median(layout_rates))
      .num("ratio_vs_same_keys", median_ratio(store_rates, layout_rates), 2)
      .num("events", static_cast<double>(z.events))
      .num("event_bytes", static_cast<double>(shape.envelope_bytes))
      .num("streams", z.streams)
      .num("callers", c.p1_callers)
      .num("runs", c.runs)
      .num("loadavg_1m", bench::load_average(), 2)
      .print();
}

// --- P2: durable append, group commit --------------------------------------------------------

// 4 KiB pwrite + fdatasync in a loop, for `secs`: overwriting a preallocated file (the device's
// flush rate) or appending to a new one (a flush plus the file size, as a WAL does).
double fsync_rate(const temp_dir& d, double secs, bool append) {
  auto path = d.str(append ? "fsync-append" : "fsync-overwrite");
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("open " + path);
  std::vector<char> page(4096, 'x');
  constexpr off_t span = 1 << 20;
  if (!append) {
    for (off_t off = 0; off < span; off += 4096)
      if (::pwrite(fd, page.data(), page.size(), off) != 4096) fail("pwrite " + path);
    ::fsync(fd);
  }
  std::uint64_t n = 0;
  off_t off = 0;
  auto t0 = steady::now();
  while (seconds_since(t0) < secs) {
    if (::pwrite(fd, page.data(), page.size(), off) != 4096) fail("pwrite " + path);
    if (::fdatasync(fd) != 0) fail("fdatasync " + path);
    off += 4096;
    if (!append && off >= span) off = 0;
    ++n;
  }
  double rate = static_cast<double>(n) / seconds_since(t0);
  ::close(fd);
  return rate;
}

// The same load without 64 blocked threads: 64 writers that each keep one append_async in
// flight and issue the next from its completion (as the engine's writer actor does). Shows what
// group commit itself sustains once thread wake-ups are out of the way.
p2_result p2_async_once(const config& c, const event_shape& shape, int writers, double secs) {
  temp_dir d(c.base, "p2async");
  auto store = open_store(d.str("store"));
  struct writer_state {
    std::string stream;
    std::uint64_t count = 0;
    steady::time_point issued;
    std::vector<double> lat;
  };
  std::vector<writer_state> ws(writers);
  std::mutex mu;
  std::condition_variable cv;
  int finished = 0;
  std::atomic<bool> failed{false};
  auto deadline = steady::now() +
                  std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(secs));
  append_options durable;
  std::function<void(int)> issue = [&](int w) {
    auto& x = ws[w];
    x.issued = steady::now();
    std::vector<append_request> req(1);
    req[0].stream = x.stream;
    req[0].events.push_back(shape.make(x.count));
    store->append_async(std::move(req), durable, [&, w](result<append_result> r) {
      auto& x = ws[w];
      auto now = steady::now();
      if (!r) failed = true;
      x.lat.push_back(std::chrono::duration<double, std::milli>(now - x.issued).count());
      ++x.count;
      if (now < deadline && r) {
        issue(w);
      } else {
        std::lock_guard<std::mutex> g(mu);
        ++finished;
        cv.notify_all();
      }
    });
  };
  auto t0 = steady::now();
  double c0 = bench::cpu_seconds();
  for (int w = 0; w < writers; ++w) {
    ws[w].stream = stream_name(w);
    ws[w].lat.reserve(static_cast<std::size_t>(secs * 20'000));
    issue(w);
  }
  {
    std::unique_lock<std::mutex> g(mu);
    cv.wait(g, [&] { return finished == writers; });
  }
  double elapsed = seconds_since(t0);
  double cpu = bench::cpu_seconds() - c0;
  if (failed) fail("P2 async append failed");
  p2_result out;
  std::uint64_t total = 0;
  std::vector<double> all;
  for (auto& x : ws) {
    total += x.count;
    all.insert(all.end(), x.lat.begin(), x.lat.end());
  }
  out.events_per_s = static_cast<double>(total) / elapsed;
  out.cpu_us = cpu * 1e6 / static_cast<double>(total);
  out.p50_ms = percentile(all, 50);
  out.p99_ms = percentile(all, 99);
  return out;
}

void run_p2(const config& c, const event_shape& shape) {
  double fsync_secs = c.quick ? 0.5 : 2, multi_secs = c.quick ? 1.5 : 5,
         single_secs = c.quick ? 1 : 3;
  std::vector<double> over, app, rate, p50, p99, single, single_p50, arate, ap99, cpu, acpu;
  for (int run = 0; run < c.runs; ++run) {
    {
      temp_dir d(c.base, "fsync");
      over.push_back(fsync_rate(d, fsync_secs, false));
      app.push_back(fsync_rate(d, fsync_secs, true));
    }
    auto m = p2_store_once(c.base, shape, 64, multi_secs);
    rate.push_back(m.events_per_s);
    p50.push_back(m.p50_ms);
    p99.push_back(m.p99_ms);
    auto s = p2_store_once(c.base, shape, 1, single_secs);
    single.push_back(s.events_per_s);
    single_p50.push_back(s.p50_ms);
    auto as = p2_async_once(c, shape, 64, multi_secs);
    arate.push_back(as.events_per_s);
    cpu.push_back(m.cpu_us);
    acpu.push_back(as.cpu_us);
    ap99.push_back(as.p99_ms);
    note(
        "P2 run %d: fsync %.0f/s (appending %.0f/s); 64 writers %.0f events/s p50 %.2f ms "
        "p99 %.2f ms; single writer %.0f/s; 64 async writers %.0f events/s p99 %.2f ms",
        run + 1, over.back(), app.back(), m.events_per_s, m.p50_ms, m.p99_ms, s.events_per_s,
        as.events_per_s, as.p99_ms);
  }
  const char* fsync_baseline = "fsync loop: 4 KiB pwrite+fdatasync in a preallocated file";
  double f = median(over), a = median(app), v = median(rate), r = median_ratio(rate, over),
         q99 = median(p99);
  json_line()
      .str("id", "P2")
      .str("what", "durable append (sync), group commit, 64 writer threads, 1 event per call")
      .num("value", v)
      .str("unit", "events/s")
      .str("baseline", fsync_baseline)
      .num("baseline_value", f)
      .num("ratio", r, 2)
      .str("target", ">= 100000 events/s and p99 <= 5 ms (Redis peer: P9)")
      .boolean("met", v >= 100'000 && q99 <= 5)
      .num("p50_ms", median(p50), 3)
      .num("p99_ms", q99, 3)
      .num("fsync_append_per_s", a)
      .num("cpu_us_per_event", median(cpu), 2)
      .num("async_writers_value", median(arate))
      .num("async_writers_cpu_us_per_event", median(acpu), 2)
      .num("async_writers_p99_ms", median(ap99), 3)
      .num("writers", 64)
      .num("seconds", multi_secs, 1)
      .num("runs", c.runs)
      .num("loadavg_1m", bench::load_average(), 2)
      .print();
  double sv = median(single), sr = median_ratio(single, over);
  json_line()
      .str("id", "P2.single")
      .str("what", "durable append (sync), one writer thread, 1 event per call")
      .num("value", sv)
      .str("unit", "events/s")
      .str("baseline", fsync_baseline)
      .num("baseline_value", f)
      .num("ratio", sr, 2)
      .str("target", ">= 0.8")
      .boolean("met", sr >= 0.8)
      .num("p50_ms", median(single_p50), 3)
      .num("fsync_append_per_s", a)
      .num("ratio_vs_append", median_ratio(single, app), 2)
      .num("seconds", single_secs, 1)
      .num("runs", c.runs)
      .num("loadavg_1m", bench::load_average(), 2)
      .print();
}

// --- P3: full-log verify, warm ----------------------------------------------------------------

double time_verify(const event_store& s, std::uint64_t expect_events, double* cpu_us = nullptr) {
  auto t0 = steady::now();
  double c0 = bench::cpu_seconds();
  auto rep = s.verify();
  double secs = seconds_since(t0);
  if (cpu_us) *cpu_us = (bench::cpu_seconds() - c0) * 1e6 / static_cast<double>(expect_events);
  if (!rep) fail("verify: " + rep.err().message());
  if (rep->first_break) fail("verify found a break: " + rep->first_break->what);
  if (rep->events != expect_events) fail("verify counted the wrong number of events");
  return static_cast<double>(rep->events) / secs;
}

std::atomic<std::uint64_t> scan_sink{0};

double time_raw_scan(const raw_db& r, std::uint64_t expect_events, double* cpu_us = nullptr) {
  rocksdb::ReadOptions ro;  // as verify() reads the log
  ro.fill_cache = false;
  ro.readahead_size = 4 << 20;
  auto t0 = steady::now();
  double c0 = bench::cpu_seconds();
  std::unique_ptr<rocksdb::Iterator> it(r.db->NewIterator(ro, r.log()));
  std::uint64_t n = 0, sum = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
    auto k = it->key();
    auto v = it->value();
    sum += static_cast<unsigned char>(k.data()[k.size() - 1]);
    for (std::size_t at = 0; at + 8 <= v.size(); at += 8) {
      std::uint64_t w;
      std::memcpy(&w, v.data() + at, 8);
      sum ^= w;
    }
  }
  double secs = seconds_since(t0);
  if (cpu_us) *cpu_us = (bench::cpu_seconds() - c0) * 1e6 / static_cast<double>(expect_events);
  if (!it->status().ok()) fail("raw scan: " + it->status().ToString());
  if (n != expect_events) fail("raw scan counted the wrong number of events");
  scan_sink.store(sum, std::memory_order_relaxed);  // keeps the loop from being optimised away
  return static_cast<double>(n) / secs;
}

void run_p3(const config& c, const event_shape& shape) {
  const std::uint64_t events = c.quick ? 200'000 : 1'000'000;
  const int streams = 100, batch = 100;
  temp_dir d(c.base, "p3");
  auto dir = d.str("store");
  {
    auto store = open_store(dir);
    append_options nosync;
    nosync.sync = false;
    for (std::uint64_t call = 0; call < events / batch; ++call) {
      std::vector<event> b;
      for (int k = 0; k < batch; ++k) b.push_back(shape.make(call * batch + k));
      auto r = store->append(stream_name(static_cast<int>(call % streams)), any_version,
                             std::move(b), nosync);
      if (!r) fail("P3 build: " + r.err().message());
    }
  }
  raw_db(dir, false).flush_all();  // the log as a running engine leaves it: in SST files
  store_options ro;
  ro.open_mode = store_options::mode::read_only;
  auto store = open_store(dir, ro);
  raw_db raw(dir, true);
  time_verify(*store, events);  // warm-up: page cache, table readers
  time_raw_scan(raw, events);
  std::vector<double> v, b, vcpu, bcpu;
  for (int run = 0; run < c.runs; ++run) {
    double vc = 0, bc = 0;
    v.push_back(time_verify(*store, events, &vc));
    b.push_back(time_raw_scan(raw, events, &bc));
    vcpu.push_back(vc);
    bcpu.push_back(bc);
    note(
        "P3 run %d: verify %.0f events/s (%.3f us CPU each), raw iteration %.0f events/s "
        "(%.3f us CPU each)",
        run + 1, v.back(), vc, b.back(), bc);
  }
  double value = median(v), base = median(b), ratio = median_ratio(v, b);
  json_line()
      .str("id", "P3")
      .str("what", "full-log replay warm: event_store::verify() over the whole log")
      .num("value", value)
      .str("unit", "events/s")
      .str("baseline", "raw rocksdb iteration of the log column family")
      .num("baseline_value", base)
      .num("ratio", ratio, 2)
      .str("target", ">= 0.5 and >= 1000000 events/s")
      .boolean("met", ratio >= 0.5 && value >= 1'000'000)
      .num("cpu_us_per_event", median(vcpu), 3)
      .num("baseline_cpu_us_per_event", median(bcpu), 3)
      .num("events", static_cast<double>(events))
      .num("event_bytes", static_cast<double>(shape.envelope_bytes))
      .num("streams", streams)
      .num("runs", c.runs)
      .num("loadavg_1m", bench::load_average(), 2)
      .print();
}

int usage() {
  std::fprintf(stderr,
               "usage: baton_bench_store [--quick] [--runs N] [--dir DIR] [--p1-callers N] "
               "[P1|P2|P3]...\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  config c;
  if (const char* d = std::getenv("BATON_BENCH_DIR")) c.base = d;
  bench::command_line cl;
  if (!cl.parse(argc, argv, {"--runs", "--dir", "--p1-callers"}, {"--quick"}, {"P1", "P2", "P3"}))
    return usage();
  try {
    c.quick = cl.has("--quick");
    c.runs = cl.number("--runs", c.quick ? 1 : c.runs);
    c.base = cl.text("--dir", c.base);
    c.p1_callers = cl.number("--p1-callers", c.p1_callers);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return usage();
  }
  auto ids = cl.figures();
  if (c.runs < 1 || c.p1_callers < 1) return usage();
  if (ids.empty()) ids = {"P1", "P2", "P3"};
  try {
    std::filesystem::create_directories(c.base);
    event_shape shape;
    for (auto& id : ids) {
      if (id == "P1") run_p1(c, shape);
      if (id == "P2") run_p2(c, shape);
      if (id == "P3") run_p3(c, shape);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "baton_bench_store: %s\n", e.what());
    return 1;
  }
  return 0;
}
