// event_store::verify: one pass over the log checks that global sequences run 1..N without a
// gap, every record decodes, carries its own key's sequence, hashes to its stored hash and
// links to the previous record's hash, and that stream sequences run 1..n per stream. A second
// pass checks the stream index and heads against what the log said.
#include <map>
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

// Pass 1: the log itself. Returns the first break, if any.
std::optional<verify_break> check_log(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* log,
                                      std::unordered_map<std::string, stream_tally>& tallies,
                                      verify_report& rep) {
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(ro, log));
  std::vector<std::uint64_t> scratch;
  event e;
  event_hash prev{};
  std::uint64_t expect = 1;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expect) {
    std::string_view key(it->key().data(), it->key().size());
    if (key.size() != 8)
      return at(expect, nullptr, "log key of " + std::to_string(key.size()) + " bytes");
    auto g = keys::get_be64(key);
    if (g != expect)
      return at(expect, nullptr,
                g > expect ? "event #" + std::to_string(expect) + " is missing (next is #" +
                                 std::to_string(g) + ")"
                           : "log out of order at #" + std::to_string(g));
    if (auto st = decode_envelope_into(std::string_view(it->value().data(), it->value().size()), e,
                                       scratch);
        !st)
      return at(g, nullptr, st.err().what);
    if (e.global_seq != g)
      return at(g, &e, "record says global sequence " + std::to_string(e.global_seq));
    if (e.prev_hash != prev)
      return at(g, &e, "previous-hash link does not match event #" + std::to_string(g - 1));
    if (record_hash(e) != e.hash) return at(g, &e, "record does not match its hash (edited)");
    if (encode_envelope(e) != std::string_view(it->value().data(), it->value().size()))
      return at(g, &e, "record is not in canonical form (bytes changed)");
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
  }
  if (!it->status().ok()) return at(expect, nullptr, it->status().ToString());
  return std::nullopt;
}

// Pass 2: the stream index, the heads and the chain head against the tallies of pass 1.
std::optional<verify_break> check_index(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* streams,
                                        rocksdb::ColumnFamilyHandle* heads,
                                        rocksdb::ColumnFamilyHandle* meta,
                                        std::unordered_map<std::string, stream_tally>& tallies,
                                        const verify_report& rep) {
  std::map<std::string, stream_tally> index;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), streams));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view k(it->key().data(), it->key().size());
    std::string_view v(it->value().data(), it->value().size());
    if (k.size() < 9 || k[k.size() - 9] != '\0' || v.size() != 8)
      return at(0, nullptr, "malformed stream index entry");
    std::string stream(k.substr(0, k.size() - 9));
    auto seq = keys::get_be64(k, k.size() - 8);
    auto& t = index[stream];
    if (seq != t.count + 1)
      return at(keys::get_be64(v), nullptr,
                "stream index of " + stream + " skips from " + std::to_string(t.count) + " to " +
                    std::to_string(seq));
    ++t.count;
    t.last_global = keys::get_be64(v);
    t.mix = mix_in(t.mix, seq, t.last_global);
  }
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
  rep.first_break = check_log(*impl_->db, impl_->log, tallies, rep);
  if (!rep.first_break)
    rep.first_break =
        check_index(*impl_->db, impl_->streams, impl_->heads, impl_->meta, tallies, rep);
  rep.streams = tallies.size();
  return rep;
}

}  // namespace baton
