// What the store benchmarks append (P1-P3, P9): ~256-byte events whose payload differs from
// one to the next, and P2's durable load (64 or 1 writer threads, one synchronous append per
// call) whose figure P9 sets against the PostgreSQL and Redis peers.
#pragma once

#include <atomic>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.hpp"
#include "events/envelope_codec.hpp"
#include "store/event_store.hpp"

namespace baton::bench {

[[noreturn]] inline void fail(const std::string& what) {
  throw std::runtime_error(what);
}

// --- the events every figure appends -------------------------------------------------------

constexpr std::size_t target_envelope_bytes = 256;  // "≈250-byte events", whole 8-byte words

inline std::string stream_name(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "bench/s-%04d", i);
  return buf;
}

// The envelope fields the caller sets; the payload is sized so that the encoded envelope
// (what the store writes to the log) is target_envelope_bytes long.
struct event_shape {
  event proto;
  std::size_t payload_bytes = 0;
  std::size_t envelope_bytes = 0;

  event_shape() {
    proto.type = 7;
    proto.version = 1;
    proto.actor = "bench";
    proto.correlation_id = "run-0001";
    event sample = stamped(proto, 0, 1);
    auto base = encode_envelope(sample).size();
    payload_bytes = target_envelope_bytes - base;
    sample = stamped(proto, payload_bytes, 1);
    envelope_bytes = encode_envelope(sample).size();
    proto.payload = payload(1, payload_bytes);
  }
  // What the store would store: the stream and sequences assigned, hashes filled.
  static event stamped(event e, std::size_t payload_bytes, std::uint64_t i) {
    e.stream = stream_name(0);
    e.stream_seq = e.global_seq = i;
    e.time = 1'767'225'600'000'000;
    e.payload = payload(i, payload_bytes);
    for (std::size_t k = 0; k < 32; ++k) {
      e.prev_hash[k] = static_cast<std::uint8_t>(i * 31 + k * 7);
      e.hash[k] = static_cast<std::uint8_t>(i * 17 + k * 13 + 1);
    }
    return e;
  }
  // Payload bytes that differ from event to event (a counter, then a fixed pattern).
  static std::string payload(std::uint64_t i, std::size_t n) {
    std::string p(n, '\0');
    for (std::size_t k = 0; k < n; ++k) p[k] = static_cast<char>('a' + (k * 7 + i) % 26);
    std::memcpy(p.data(), &i, std::min<std::size_t>(8, n));
    return p;
  }
  event make(std::uint64_t i) const {
    event e = proto;
    std::memcpy(e.payload.data(), &i, std::min<std::size_t>(8, e.payload.size()));
    return e;
  }
};

inline std::unique_ptr<event_store> open_store(const std::string& dir, store_options o = {}) {
  auto s = event_store::open(dir, o);
  if (!s) fail("cannot open store " + dir + ": " + s.err().message());
  return std::move(s.value());
}

// --- raw RocksDB, opened with the same options and column families as the store ------------

const char* const cf_names[] = {"default", "log", "streams", "heads", "snapshots", "meta"};

// A copy of store/event_store.cpp's base_options(), so the baselines run on equal terms.
struct p2_result {
  double events_per_s = 0, p50_ms = 0, p99_ms = 0;
  double cpu_us = 0;  // process CPU time per event: ~2 cores' worth means CPU-bound
};

inline p2_result p2_store_once(const std::filesystem::path& base, const event_shape& shape,
                               int writers, double secs) {
  temp_dir d(base, "p2");
  auto store = open_store(d.str("store"));
  std::vector<std::vector<double>> lat(writers);
  std::vector<std::uint64_t> counts(writers, 0);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false}, failed{false};
  steady::time_point deadline;
  auto writer = [&](int w) {
    auto name = stream_name(w);
    append_options durable;  // sync = true
    lat[w].reserve(static_cast<std::size_t>(secs * 20'000));
    ++ready;
    while (!go.load()) std::this_thread::yield();
    for (std::uint64_t i = 0;; ++i) {
      auto t = steady::now();
      if (t >= deadline) break;
      std::vector<event> one;
      one.push_back(shape.make(i));
      auto r = store->append(name, any_version, std::move(one), durable);
      if (!r) {
        note("P2 append failed: %s", r.err().message().c_str());
        failed = true;
        return;
      }
      lat[w].push_back(std::chrono::duration<double, std::milli>(steady::now() - t).count());
      ++counts[w];
    }
  };
  std::vector<std::thread> ts;
  for (int w = 0; w < writers; ++w) ts.emplace_back(writer, w);
  while (ready.load() < writers) std::this_thread::yield();
  auto t0 = steady::now();
  double c0 = cpu_seconds();
  deadline = t0 + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(secs));
  go = true;
  for (auto& t : ts) t.join();
  double elapsed = seconds_since(t0);
  double cpu = cpu_seconds() - c0;
  if (failed) fail("P2 append failed");
  p2_result out;
  std::uint64_t total = 0;
  std::vector<double> all;
  for (int w = 0; w < writers; ++w) {
    total += counts[w];
    all.insert(all.end(), lat[w].begin(), lat[w].end());
  }
  out.events_per_s = static_cast<double>(total) / elapsed;
  out.cpu_us = cpu * 1e6 / static_cast<double>(total);
  out.p50_ms = percentile(all, 50);
  out.p99_ms = percentile(all, 99);
  return out;
}

}  // namespace baton::bench
