// Tampering done directly through RocksDB — edited, removed, reordered or re-hashed events,
// a damaged index — is found by verify() with the global sequence where it starts.
#include <catch2/catch.hpp>

#include <rocksdb/db.h>

#include "events/envelope_codec.hpp"
#include "events/hash.hpp"
#include "store/keys.hpp"
#include "store_fixture.hpp"

using namespace baton;
using namespace baton::testing;

namespace {

// Raw access to the store's column families, as an attacker with file access would have.
struct raw_db {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs;  // default log streams heads snapshots meta
  explicit raw_db(const std::string& dir) {
    std::vector<rocksdb::ColumnFamilyDescriptor> ds;
    for (auto* n : {"default", "log", "streams", "heads", "snapshots", "meta"})
      ds.emplace_back(n, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* raw = nullptr;
    auto s = rocksdb::DB::Open(rocksdb::Options(), dir, ds, &cfs, &raw);
    REQUIRE(s.ok());
    db.reset(raw);
  }
  ~raw_db() {
    for (auto* h : cfs) db->DestroyColumnFamilyHandle(h);
  }
  std::string get(int cf, const std::string& k) {
    std::string v;
    REQUIRE(db->Get(rocksdb::ReadOptions(), cfs[cf], k, &v).ok());
    return v;
  }
  void put(int cf, const std::string& k, const std::string& v) {
    REQUIRE(db->Put(rocksdb::WriteOptions(), cfs[cf], k, v).ok());
  }
  void del(int cf, const std::string& k) {
    REQUIRE(db->Delete(rocksdb::WriteOptions(), cfs[cf], k).ok());
  }
};

constexpr int LOG = 1, STREAMS = 2, META = 5;

std::string make_store(const temp_dir& d) {
  auto dir = d.str();
  auto s = open_store(dir);
  for (int i = 0; i < 10; ++i)
    REQUIRE(
        s->append(i % 2 ? "odd" : "even", any_version, {make_event("payload-" + std::to_string(i))})
            .ok());
  REQUIRE_FALSE(s->verify()->first_break.has_value());
  return dir;
}

verify_break verify_fails(const std::string& dir) {
  store_options ro;
  ro.open_mode = store_options::mode::read_only;
  auto s = open_store(dir, ro);
  auto rep = s->verify();
  REQUIRE(rep.ok());
  REQUIRE(rep->first_break.has_value());
  return *rep->first_break;
}

}  // namespace

TEST_CASE("a flipped byte in any stored event is found at its sequence") {
  temp_dir d;
  auto dir = make_store(d);
  std::string original;
  {
    raw_db raw(dir);
    original = raw.get(LOG, keys::log_key(6));
  }
  // Every byte position of one record, each tried on its own.
  for (std::size_t i = 0; i < original.size(); i += 7) {
    {
      raw_db raw(dir);
      auto v = original;
      v[i] = static_cast<char>(v[i] ^ 0x20);
      raw.put(LOG, keys::log_key(6), v);
    }
    auto b = verify_fails(dir);
    INFO("byte " << i << ": " << b.what);
    CHECK(b.global_seq == 6);
  }
}

TEST_CASE("a removed event is found, in the middle or at the end") {
  temp_dir d;
  auto dir = make_store(d);
  {
    raw_db raw(dir);
    raw.del(LOG, keys::log_key(4));
  }
  auto b = verify_fails(dir);
  CHECK(b.global_seq == 4);
  CHECK(b.what.find("missing") != std::string::npos);

  temp_dir d2;
  auto dir2 = make_store(d2);
  {
    raw_db raw(dir2);
    raw.del(LOG, keys::log_key(10));
    raw.del(STREAMS, keys::stream_key("odd", 5));
  }
  auto b2 = verify_fails(dir2);
  CHECK(b2.global_seq == 10);
}

TEST_CASE("reading a stream whose event was removed is an integrity error naming it") {
  temp_dir d;
  auto dir = make_store(d);  // "odd" holds #2, #4, #6, #8, #10
  {
    raw_db raw(dir);
    raw.del(LOG, keys::log_key(6));
  }
  store_options ro;
  ro.open_mode = store_options::mode::read_only;
  auto s = open_store(dir, ro);
  auto r = s->read_stream("odd");
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::integrity);
  CHECK(r.err().what == "index points to missing event #6");
  CHECK(s->read_stream("odd", 1, 2)->size() == 2);  // before the hole
  CHECK(s->read_stream("odd", 4)->size() == 2);     // after it
  CHECK(s->read_stream("even")->size() == 5);
}

TEST_CASE("reordered events are found") {
  temp_dir d;
  auto dir = make_store(d);
  {
    raw_db raw(dir);
    auto a = raw.get(LOG, keys::log_key(3)), b = raw.get(LOG, keys::log_key(4));
    raw.put(LOG, keys::log_key(3), b);
    raw.put(LOG, keys::log_key(4), a);
  }
  CHECK(verify_fails(dir).global_seq == 3);
}

TEST_CASE("an edit with a recomputed hash breaks the chain at the next event") {
  temp_dir d;
  auto dir = make_store(d);
  {
    raw_db raw(dir);
    auto e = decode_envelope(raw.get(LOG, keys::log_key(5))).value();
    e.actor = "mallory";
    e.hash = record_hash(e);
    raw.put(LOG, keys::log_key(5), encode_envelope(e));
  }
  auto b = verify_fails(dir);
  CHECK(b.global_seq == 6);
  CHECK(b.what.find("previous-hash") != std::string::npos);
}

TEST_CASE("a damaged stream index or chain head is found") {
  temp_dir d;
  auto dir = make_store(d);
  {
    raw_db raw(dir);
    raw.put(STREAMS, keys::stream_key("even", 2), keys::log_key(5));  // should be #3
  }
  auto b = verify_fails(dir);
  CHECK(b.stream == "even");

  // A range entry (one append of several events) that claims one event less than was written.
  temp_dir d3;
  auto dir3 = d3.str();
  {
    auto s = open_store(dir3);
    REQUIRE(
        s->append("batch", no_stream, {make_event("a"), make_event("b"), make_event("c")}).ok());
    REQUIRE_FALSE(s->verify()->first_break.has_value());
  }
  {
    raw_db raw(dir3);
    REQUIRE(raw.get(STREAMS, keys::stream_key("batch", 1)) == keys::index_value(1, 3));
    raw.put(STREAMS, keys::stream_key("batch", 1), keys::index_value(1, 2));
  }
  CHECK(verify_fails(dir3).stream == "batch");

  temp_dir d2;
  auto dir2 = make_store(d2);
  {
    raw_db raw(dir2);
    raw.del(META, std::string(keys::meta_chain_head));
  }
  CHECK(verify_fails(dir2).what.find("chain head") != std::string::npos);
}
