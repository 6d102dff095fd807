// event_store::verify: one pass over the log checks that global sequences run 1..N without a
// gap, every record decodes, carries its own key's sequence, hashes to its stored hash and
// links to the previous record's hash, and that stream sequences run 1..n per stream. A second
// pass checks the stream index and heads against what the log said. Two threads share the work:
// a helper reads the index, then both decode and hash log records read ahead in batches, while
// the calling thread alone runs the checks that depend on order, so the first break is the
// same one a single reader would find.
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "events/envelope_codec.hpp"
#include "events/hash.hpp"
#include "store/keys.hpp"
#include "store/store_impl.hpp"

namespace baton {

namespace {

struct stream_tally {
  std::uint64_t count = 0;
  std::uint64_t last_global = 0;
  std::uint64_t mix = 0;  // order-sensitive mix of (stream seq, global seq) pairs
};

std::uint64_t mix_in(std::uint64_t acc, std::uint64_t seq, std::uint64_t global) {
  std::uint64_t x = acc ^ (seq * 0x9E3779B97F4A7C15ull) ^ (global + 0x632BE59BD9B4E019ull);
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ull;
  return x ^ (x >> 29);
}

verify_break at(std::uint64_t g, const event* e, std::string what) {
  verify_break b;
  b.global_seq = g;
  if (e) {
    b.stream = e->stream;
    b.stream_seq = e->stream_seq;
  }
  b.what = std::move(what);
  return b;
}

// One record of the log as read, and what can be checked of it on its own: it decodes, hashes
// to its stored hash, and re-encodes to the same bytes. Either thread fills these; the checks
// that depend on order (sequences, the chain, the per-stream tallies) stay on one thread.
struct log_record {
  std::string key, value;
  event e;
  bool decoded = false, hash_ok = false, canonical = false;
  std::string decode_error;

  void check_alone(std::vector<std::uint64_t>& scratch) {
    hash_ok = canonical = false;
    auto st = decode_envelope_into(value, e, scratch);
    decoded = st.ok();
    if (!decoded) {
      decode_error = st.err().what;
      return;
    }
    hash_ok = record_hash(e) == e.hash;
    canonical = encode_envelope(e) == value;
  }
};

// A run of consecutive records. Both threads claim chunks of it until none are left.
struct record_batch {
  static constexpr std::size_t capacity = 1024, chunk = 16;
  std::vector<log_record> recs{capacity};
  std::size_t size = 0;  // written only while no helper holds the batch
  std::atomic<std::size_t> next{0}, done{0};

  void work(std::vector<std::uint64_t>& scratch) {
    for (;;) {
      auto from = next.fetch_add(chunk, std::memory_order_relaxed);
      if (from >= size) return;
      auto to = std::min(size, from + chunk);
      for (auto i = from; i < to; ++i) recs[i].check_alone(scratch);
      done.fetch_add(to - from, std::memory_order_release);
    }
  }
  bool finished() const { return done.load(std::memory_order_acquire) >= size; }
};

// Pass 2's reading half: the stream index as it is, gathered per stream, and the first
// malformed entry, if any. Compared with pass 1's tallies afterwards (check_index).
struct index_scan {
  std::map<std::string, stream_tally> index;
  std::optional<verify_break> bad;
};

void scan_index(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* streams, index_scan& out,
                const std::atomic<bool>& cancel) {
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), streams));
  std::string current;  // entries come sorted by stream: look each stream up once
  stream_tally* t = nullptr;
  for (it->SeekToFirst(); it->Valid() && !cancel.load(std::memory_order_relaxed); it->Next()) {
    std::string_view k(it->key().data(), it->key().size());
    std::string_view v(it->value().data(), it->value().size());
    auto range = keys::parse_index_value(v);
    if (k.size() < 9 || k[k.size() - 9] != '\0' || !range) {
      out.bad = at(0, nullptr, "malformed stream index entry");
      return;
    }
    auto stream = k.substr(0, k.size() - 9);
    if (!t || stream != current) {
      current.assign(stream);
      t = &out.index[current];
    }
    auto seq = keys::get_be64(k, k.size() - 8);
    if (seq != t->count + 1) {
      out.bad = at(range->first_global, nullptr,
                   "stream index of " + current + " skips from " + std::to_string(t->count) +
                       " to " + std::to_string(seq));
      return;
    }
    for (std::uint64_t i = 0; i < range->count; ++i) {
      ++t->count;
      t->last_global = range->first_global + i;
      t->mix = mix_in(t->mix, seq + i, t->last_global);
    }
  }
}

// The second thread of a verify: reads the stream index first, then helps check log records.
class helper {
 public:
  helper(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* streams, index_scan& idx)
      : thread_([this, &db, streams, &idx] { run(db, streams, idx); }) {}
  ~helper() {
    {
      std::lock_guard<std::mutex> g(mu_);
      stopping_ = true;
    }
    cancel_index_ = true;  // the index is needed only if the log had no break
    cv_.notify_all();
    thread_.join();
  }
  // Hands `b` (filled, nothing claimed yet) to the helper.
  void post(record_batch* b) {
    {
      std::lock_guard<std::mutex> g(mu_);
      posted_ = b;
    }
    cv_.notify_all();
  }
  // Waits until the helper holds neither `b` nor a claim on it, so it can be refilled.
  void release(record_batch* b) {
    std::unique_lock<std::mutex> g(mu_);
    if (posted_ == b) posted_ = nullptr;
    cv_.wait(g, [&] { return working_ != b; });
  }
  void wait_for_index() {
    std::unique_lock<std::mutex> g(mu_);
    cv_.wait(g, [&] { return index_done_; });
  }

 private:
  void run(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* streams, index_scan& idx) {
    scan_index(db, streams, idx, cancel_index_);
    std::vector<std::uint64_t> scratch;
    std::unique_lock<std::mutex> g(mu_);
    index_done_ = true;
    cv_.notify_all();
    for (;;) {
      cv_.wait(g, [&] { return stopping_ || posted_; });
      if (!posted_) return;
      working_ = posted_;
      posted_ = nullptr;
      g.unlock();
      working_->work(scratch);
      g.lock();
      working_ = nullptr;
      cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  record_batch* posted_ = nullptr;   // under mu_
  record_batch* working_ = nullptr;  // under mu_ (the helper reads its own copy unlocked)
  bool stopping_ = false, index_done_ = false;
  std::atomic<bool> cancel_index_{false};
  std::thread thread_;
};

// Pass 1: the log itself, read ahead in batches that both threads check record by record while
// this thread runs the order-dependent checks. Returns the first break, if any.
std::optional<verify_break> check_log(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* log,
                                      helper& help,
                                      std::unordered_map<std::string, stream_tally>& tallies,
                                      verify_report& rep) {
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(ro, log));
  it->SeekToFirst();
  auto fill = [&](record_batch& b) {
    help.release(&b);
    b.size = 0;
    for (; b.size < record_batch::capacity && it->Valid(); it->Next(), ++b.size) {
      auto& r = b.recs[b.size];
      r.key.assign(it->key().data(), it->key().size());
      r.value.assign(it->value().data(), it->value().size());
    }
    b.next.store(0, std::memory_order_relaxed);
    b.done.store(0, std::memory_order_relaxed);
    return b.size > 0;
  };
  std::vector<std::uint64_t> scratch;
  event_hash prev{};
  std::uint64_t expect = 1;
  // The order-dependent checks, record by record, exactly as a one-pass reader would do them.
  auto check_in_order = [&](log_record& r) -> std::optional<verify_break> {
    std::string_view key(r.key);
    if (key.size() != 8)
      return at(expect, nullptr, "log key of " + std::to_string(key.size()) + " bytes");
    auto g = keys::get_be64(key);
    if (g != expect)
      return at(expect, nullptr,
                g > expect ? "event #" + std::to_string(expect) + " is missing (next is #" +
                                 std::to_string(g) + ")"
                           : "log out of order at #" + std::to_string(g));
    if (!r.decoded) return at(g, nullptr, r.decode_error);
    auto& e = r.e;
    if (e.global_seq != g)
      return at(g, &e, "record says global sequence " + std::to_string(e.global_seq));
    if (e.prev_hash != prev)
      return at(g, &e, "previous-hash link does not match event #" + std::to_string(g - 1));
    if (!r.hash_ok) return at(g, &e, "record does not match its hash (edited)");
    if (!r.canonical) return at(g, &e, "record is not in canonical form (bytes changed)");
    auto& t = tallies[e.stream];
    if (e.stream_seq != t.count + 1)
      return at(g, &e,
                "stream sequence " + std::to_string(e.stream_seq) + " follows " +
                    std::to_string(t.count));
    ++t.count;
    t.last_global = g;
    t.mix = mix_in(t.mix, e.stream_seq, g);
    prev = e.hash;
    rep.events = g;
    rep.head_seq = g;
    rep.head_hash = e.hash;
    ++expect;
    return std::nullopt;
  };
  record_batch batches[2];
  struct let_go {  // however this returns, the helper must be done with both batches
    helper& h;
    record_batch* b;
    ~let_go() {
      h.release(&b[0]);
      h.release(&b[1]);
    }
  } guard{help, batches};
  record_batch *cur = &batches[0], *ahead = &batches[1];
  bool more = fill(*cur);
  if (more) help.post(cur);
  while (more) {
    more = fill(*ahead);  // read on while the helper checks `cur`
    cur->work(scratch);
    while (!cur->finished()) std::this_thread::yield();
    if (more) help.post(ahead);
    for (std::size_t i = 0; i < cur->size; ++i)
      if (auto b = check_in_order(cur->recs[i])) return b;
    std::swap(cur, ahead);
  }
  if (!it->status().ok()) return at(expect, nullptr, it->status().ToString());
  return std::nullopt;
}

// Pass 2: the stream index, the heads and the chain head against the tallies of pass 1.
std::optional<verify_break> check_index(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* heads,
                                        rocksdb::ColumnFamilyHandle* meta, index_scan& scanned,
                                        std::unordered_map<std::string, stream_tally>& tallies,
                                        const verify_report& rep) {
  if (scanned.bad) return scanned.bad;
  auto& index = scanned.index;
  std::string chain;
  auto s = db.Get(rocksdb::ReadOptions(), meta, std::string(keys::meta_chain_head), &chain);
  if (rep.head_seq > 0) {
    std::string expect = keys::log_key(rep.head_seq);
    expect.append(reinterpret_cast<const char*>(rep.head_hash.data()), rep.head_hash.size());
    if (!s.ok() || chain != expect)
      return at(rep.head_seq +
                    (s.ok() && chain.size() >= 8 && keys::get_be64(chain) > rep.head_seq ? 1 : 0),
                nullptr,
                s.ok() && chain.size() >= 8 && keys::get_be64(chain) > rep.head_seq
                    ? "the log ends at #" + std::to_string(rep.head_seq) +
                          " but its recorded head is #" + std::to_string(keys::get_be64(chain)) +
                          " (events removed)"
                    : "recorded chain head does not match the last event");
  } else if (s.ok()) {
    return at(1, nullptr, "the log is empty but a chain head is recorded (events removed)");
  }
  for (auto& [stream, t] : tallies) {
    auto i = index.find(stream);
    if (i == index.end() || i->second.count != t.count || i->second.mix != t.mix) {
      verify_break b = at(t.last_global, nullptr, "stream index disagrees with the log");
      b.stream = stream;
      return b;
    }
    std::string head;
    auto s = db.Get(rocksdb::ReadOptions(), heads, stream, &head);
    if (!s.ok() || head != keys::head_value(t.count, t.last_global)) {
      verify_break b = at(t.last_global, nullptr, "stream head disagrees with the log");
      b.stream = stream;
      return b;
    }
  }
  if (index.size() != tallies.size())
    return at(0, nullptr, "stream index names streams the log does not have");
  return std::nullopt;
}

}  // namespace

result<verify_report> event_store::verify() const {
  verify_report rep;
  std::unordered_map<std::string, stream_tally> tallies;
  index_scan scanned;
  {
    helper help(*impl_->db, impl_->streams, scanned);
    rep.first_break = check_log(*impl_->db, impl_->log, help, tallies, rep);
    if (!rep.first_break) help.wait_for_index();
  }
  if (!rep.first_break)
    rep.first_break = check_index(*impl_->db, impl_->heads, impl_->meta, scanned, tallies, rep);
  auto acked = impl_->recovered.acknowledged;
  if (!rep.first_break && rep.head_seq < acked &&
      impl_->opts.wal_recovery != store_options::recovery::salvage)
    rep.first_break = at(rep.head_seq + 1, nullptr,
                         "the log ends at #" + std::to_string(rep.head_seq) +
                             " but events up to #" + std::to_string(acked) +
                             " were acknowledged (baton.acked): a write-ahead log file is missing "
                             "or events were removed");
  rep.streams = tallies.size();
  return rep;
}

}  // namespace baton
