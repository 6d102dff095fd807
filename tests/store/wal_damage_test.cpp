// A damaged write-ahead log never costs an acknowledged event without a word: opening refuses
// (errc::integrity naming the WAL file and offset) and changes nothing; a torn tail of writes
// that were never acknowledged — what a crash mid-write leaves — is dropped; salvage mode keeps
// the intact prefix and sets the damaged files aside. The events live only in the WAL here, as
// they do after a kill -9 of a writer that had not yet flushed a memtable.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "crash_util.hpp"
#include "store_fixture.hpp"

using namespace baton;
using namespace baton::testing;
namespace fs = std::filesystem;

namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

void flip(const std::string& path, std::size_t at) {
  auto d = read_bytes(path);
  REQUIRE(at < d.size());
  d[at] = static_cast<char>(d[at] ^ 0x20);
  write_bytes(path, d);
}

std::string only_wal(const std::string& dir) {
  auto files = wal_files(dir);
  REQUIRE(files.size() == 1);
  return files.front();
}

// Where the WAL's records start (its 32 KiB block framing: 7-byte headers, zero trailers).
std::vector<std::size_t> record_offsets(const std::string& d) {
  std::vector<std::size_t> out;
  for (std::size_t at = 0; at + 7 <= d.size();) {
    std::size_t left = 32768 - at % 32768;
    if (left < 7) {
      at += left;
      continue;
    }
    std::size_t len = static_cast<unsigned char>(d[at + 4]) |
                      (static_cast<std::size_t>(static_cast<unsigned char>(d[at + 5])) << 8);
    if (d[at + 6] == 0 && len == 0) break;
    out.push_back(at);
    at += 7 + len;
  }
  return out;
}

result<std::unique_ptr<event_store>> open_as(const std::string& dir, store_options::mode m) {
  store_options o;
  o.open_mode = m;
  return event_store::open(dir, o);
}

// A store whose events are all in the WAL: 60 synced appends, then a clean close (which syncs
// the WAL and the acknowledged head; RocksDB does not flush the memtable on close).
std::string closed_store(const temp_dir& d) {
  auto dir = d.str();
  auto s = open_store(dir);
  for (int i = 0; i < 60; ++i)
    REQUIRE(s->append("s" + std::to_string(i % 3), any_version,
                      {make_event(std::string(300, static_cast<char>('a' + i % 26)))})
                .ok());
  return dir;
}

void check_refused(const std::string& dir, const std::string& wal, const std::string& words) {
  auto before = read_bytes(wal);
  for (auto m : {store_options::mode::read_write, store_options::mode::read_only}) {
    auto s = open_as(dir, m);
    REQUIRE_FALSE(s.ok());
    INFO(s.err().message());
    CHECK(s.err().code == errc::integrity);
    CHECK(s.err().where == wal);
    CHECK(s.err().what.rfind("offset ", 0) == 0);
    CHECK(s.err().what.find(words) != std::string::npos);
    CHECK(s.err().what.find("baton-replay salvage") != std::string::npos);
  }
  CHECK(read_bytes(wal) == before);  // a refused open changed nothing
}

}  // namespace

TEST_CASE("a flipped byte in the WAL after a kill -9 refuses the open, naming file and offset",
          "[wal]") {
  temp_dir d;
  auto dir = d.str();
  auto acks = run_and_kill(dir, 11, 400);
  REQUIRE(acks.size() > 20);
  auto wal = only_wal(dir);
  auto size = fs::file_size(wal);
  std::mt19937 rng(20261205);
  for (int trial = 0; trial < 10; ++trial) {
    temp_dir c;
    auto copy = c.str();
    fs::copy(dir, copy, fs::copy_options::recursive);
    auto copy_wal = copy + "/" + fs::path(wal).filename().string();
    std::size_t at = 0;
    do at = rng() % (size * 9 / 10);  // not the last records: they may not be acknowledged
    while (at % 32768 >= 32768 - 7);  // nor a block's zero trailer, which holds nothing
    flip(copy_wal, at);
    INFO("trial " << trial << ": byte " << at << " of " << size);
    check_refused(copy, copy_wal, "the write-ahead log is damaged");
    auto s = open_as(copy, store_options::mode::read_write);
    REQUIRE_FALSE(s.ok());
    auto offset = std::stoull(s.err().what.substr(7));
    CHECK(offset <= at);
    CHECK(at - offset < 32768);
  }
}

TEST_CASE("a torn record after the last acknowledged one is dropped, everything acked stays",
          "[wal]") {
  temp_dir d;
  auto dir = d.str();
  auto acks = run_and_kill(dir, 12, 300);
  REQUIRE_FALSE(acks.empty());
  auto wal = only_wal(dir);
  // What a kill in the middle of write() leaves: the start of one more record.
  auto data = read_bytes(wal);
  std::string torn("\x12\x34\x56\x78\xe8\x03\x01", 7);  // CRC, length 1000, full record
  torn += std::string(120, 'x');
  write_bytes(wal, data + torn);
  auto s = open_store(dir);
  auto& rec = s->recovery();
  REQUIRE(rec.damage.has_value());
  CHECK(rec.damage->tail);
  CHECK(rec.damage->offset == data.size());
  CHECK(rec.recovered >= rec.acknowledged);
  auto rep = s->verify();
  REQUIRE(rep.ok());
  CHECK_FALSE(rep->first_break.has_value());
  for (auto& a : acks) {
    auto got = s->read_all(a.first, a.last - a.first + 1);
    REQUIRE(got.ok());
    CHECK(got->size() == a.last - a.first + 1);
  }
  s.reset();
  CHECK_FALSE(open_store(dir)->recovery().damage.has_value());  // the tail is gone for good
}

TEST_CASE("the last acknowledged record cut short is refused, not taken for a torn tail", "[wal]") {
  temp_dir d;
  auto dir = closed_store(d);
  auto wal = only_wal(dir);
  auto data = read_bytes(wal);
  write_bytes(wal, data.substr(0, data.size() - 10));
  check_refused(dir, wal, "events #60..#60 were acknowledged");
}

TEST_CASE("a damaged length in the last block is refused (tolerant recovery would drop events)",
          "[wal]") {
  temp_dir d;
  auto dir = closed_store(d);
  auto wal = only_wal(dir);
  auto data = read_bytes(wal);
  auto recs = record_offsets(data);
  REQUIRE(recs.size() > 10);
  auto at = recs[recs.size() - 4];
  flip(wal, at + 5);  // the high byte of its length: it now runs past the end of the file
  check_refused(dir, wal, "were acknowledged");
}

TEST_CASE("a lost WAL file: a writer refuses, verify names what was acknowledged", "[wal]") {
  temp_dir d;
  auto dir = closed_store(d);
  fs::remove(only_wal(dir));
  auto w = open_as(dir, store_options::mode::read_write);
  REQUIRE_FALSE(w.ok());
  CHECK(w.err().code == errc::integrity);
  CHECK(w.err().what.find("events up to #60 were acknowledged") != std::string::npos);
  auto r = open_as(dir, store_options::mode::read_only);
  REQUIRE(r.ok());
  auto rep = r.value()->verify();
  REQUIRE(rep.ok());
  REQUIRE(rep->first_break.has_value());
  CHECK(rep->first_break->what.find("were acknowledged") != std::string::npos);
}

TEST_CASE("salvage mode keeps the intact prefix and sets the damaged WAL aside", "[wal]") {
  temp_dir d;
  auto dir = d.str();
  auto acks = run_and_kill(dir, 13, 400);
  REQUIRE(acks.size() > 20);
  auto wal = only_wal(dir);
  auto size = fs::file_size(wal);
  flip(wal, size / 2 + 100);
  auto original = read_bytes(wal);
  store_options o;
  o.wal_recovery = store_options::recovery::salvage;
  o.salvage_copy_dir = d.str("aside");
  auto s = open_store(dir, o);
  auto rec = s->recovery();
  REQUIRE(rec.damage.has_value());
  CHECK(rec.damage->what == "checksum mismatch");
  CHECK(rec.recovered < rec.acknowledged);
  CHECK(rec.recovered > 0);
  std::uint64_t acked = 0;
  for (auto& a : acks) acked = std::max(acked, a.last);
  CHECK(rec.acknowledged >= acked);
  CHECK(rec.copied_to == o.salvage_copy_dir);
  CHECK(read_bytes(o.salvage_copy_dir + "/" + fs::path(wal).filename().string()) == original);
  auto rep = s->verify();
  REQUIRE(rep.ok());
  CHECK_FALSE(rep->first_break.has_value());
  CHECK(rep->head_seq == rec.recovered);
  REQUIRE(s->append("after", no_stream, {make_event("x")}).ok());
  s.reset();
  // The salvaged store is a store like any other: it opens strictly, with the new head.
  auto again = open_store(dir);
  CHECK(again->last_global_seq() == rec.recovered + 1);
  CHECK(again->recovery().acknowledged == rec.recovered + 1);
  CHECK_FALSE(again->verify()->first_break.has_value());
}
