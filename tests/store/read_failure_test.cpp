// Reads that fail are errors, never "not there" (issue 10, item 4). A column family's table file
// is damaged on disk (its first data block: RocksDB's checksum refuses it), then the store is
// opened and used as the engine would: a head, a command id, the list of streams and the end of
// the log that cannot be read each give an error, and nothing is written on a wrong belief.
// A write the open makes is checked too: RocksDB over a file system whose WAL writes fail.
#include <catch2/catch.hpp>

#include <atomic>

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include "store_fixture.hpp"
#include "support/table_damage.hpp"

using namespace baton;
using namespace baton::testing;

namespace {

// The process's file system, except that appends to WAL files fail while `fail_wal_writes` is
// set, as they do on a full disk (RocksDB's own NoSpace error).
class failing_fs : public rocksdb::FileSystemWrapper {
 public:
  std::atomic<bool> fail_wal_writes{false};
  failing_fs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "failing_fs"; }
  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* out,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(name, o, out, dbg);
    if (s.ok() && name.ends_with(".log")) *out = std::make_unique<wal_file>(std::move(*out), this);
    return s;
  }

 private:
  struct wal_file : rocksdb::FSWritableFileOwnerWrapper {
    failing_fs* fs;
    wal_file(std::unique_ptr<rocksdb::FSWritableFile>&& f, failing_fs* owner)
        : FSWritableFileOwnerWrapper(std::move(f)), fs(owner) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      if (fs->fail_wal_writes) return rocksdb::IOStatus::NoSpace("injected");
      return FSWritableFileOwnerWrapper::Append(data, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& v,
                             rocksdb::IODebugContext* dbg) override {
      if (fs->fail_wal_writes) return rocksdb::IOStatus::NoSpace("injected");
      return FSWritableFileOwnerWrapper::Append(data, o, v, dbg);
    }
  };
};

std::string store_with(const temp_dir& d, const std::string& command_id = "") {
  auto dir = d.str();
  auto s = open_store(dir);
  append_options o;
  o.command_id = command_id;
  REQUIRE(s->append("campaign/a", no_stream, make_events(3, "a"), o).ok());
  REQUIRE(s->append("campaign/b", no_stream, make_events(2, "b")).ok());
  return dir;
}

}  // namespace

TEST_CASE("a stream head that cannot be read fails the append instead of forking the stream",
          "[store][read-failure]") {
  temp_dir d;
  auto dir = store_with(d);
  damage_family(dir, "heads");
  auto s = open_store(dir);
  // The stream has 3 events: an append "at no_stream" must not pass on a head read as {0, 0}.
  auto r = s->append("campaign/a", no_stream, make_events(1, "fork"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::integrity);
  CHECK(r.err().what.find("head") != std::string::npos);
  // The failed read was not remembered as "new stream": the next try fails the same way.
  auto again = s->append("campaign/a", any_version, make_events(1, "fork"));
  REQUIRE_FALSE(again.ok());
  CHECK(again.err().code == errc::integrity);
  CHECK(s->last_global_seq() == 5);
  auto v = s->stream_version("campaign/a");
  REQUIRE_FALSE(v.ok());
  CHECK(v.err().code == errc::integrity);
  auto events = s->read_stream("campaign/a");  // the log itself is intact
  REQUIRE(events.ok());
  CHECK(events->size() == 3);
}

TEST_CASE("a command id whose record cannot be read is an error, never a second run",
          "[store][read-failure]") {
  temp_dir d;
  auto dir = store_with(d, "cmd-1");
  damage_family(dir, "meta");
  auto s = open_store(dir);
  append_options o;
  o.command_id = "cmd-1";
  auto r = s->append("campaign/a", any_version, make_events(1, "again"), o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::integrity);
  CHECK(r.err().where == "command cmd-1");
  CHECK(s->last_global_seq() == 5);  // not run again
  auto seen = s->command_result("cmd-1");
  REQUIRE_FALSE(seen.ok());
  CHECK(seen.err().code == errc::integrity);
}

TEST_CASE("a stream list that cannot be read is an error, not a shorter list",
          "[store][read-failure]") {
  temp_dir d;
  auto dir = store_with(d);
  {
    auto s = open_store(dir);
    auto all = s->streams("campaign/");
    REQUIRE(all.ok());
    CHECK(all->size() == 2);
  }
  damage_family(dir, "heads");
  auto s = open_store(dir);
  auto listed = s->streams("campaign/");
  REQUIRE_FALSE(listed.ok());
  CHECK(listed.err().code == errc::integrity);
  CHECK(listed.err().what.find("cannot list the streams") != std::string::npos);
}

TEST_CASE("a writer refuses a log whose end cannot be read instead of starting it again",
          "[store][read-failure]") {
  temp_dir d;
  auto dir = store_with(d);
  damage_family(dir, "log");
  // As a store written before the acknowledged-head file existed: only the log tells its end.
  std::filesystem::remove(std::filesystem::path(dir) / "baton.acked");
  auto s = event_store::open(dir);
  REQUIRE_FALSE(s.ok());
  CHECK(s.err().code == errc::integrity);
  CHECK(s.err().what.find("cannot read the end of the log") != std::string::npos);
}

TEST_CASE("unknown streams and command ids are values, not errors", "[store][read-failure]") {
  temp_dir d;
  auto s = open_store(d.str());
  auto v = s->stream_version("campaign/none");
  REQUIRE(v.ok());
  CHECK(v.value() == 0);
  auto c = s->command_result("never");
  REQUIRE(c.ok());
  CHECK_FALSE(c->has_value());
  auto l = s->streams("campaign/");
  REQUIRE(l.ok());
  CHECK(l->empty());
}

TEST_CASE("a store whose first write fails refuses the open", "[store][read-failure]") {
  temp_dir d;
  auto dir = store_with(d);
  // Kept for the life of the process: a store refused this way leaves RocksDB as a crash would.
  static auto fs = std::make_shared<failing_fs>();
  static auto env = rocksdb::NewCompositeEnv(fs);
  fs->fail_wal_writes = true;
  store_options o;
  o.env = env.get();
  auto s = event_store::open(dir, o);
  REQUIRE_FALSE(s.ok());
  CHECK(s.err().code == errc::unavailable);
  CHECK(s.err().what.find("cannot write to the store") != std::string::npos);
}

TEST_CASE("a stream index that cannot be read is an error, not a shorter stream",
          "[store][read-failure]") {
  temp_dir d;
  auto dir = store_with(d);
  damage_family(dir, "streams");
  auto s = open_store(dir);
  for (std::uint64_t from : {1, 3, 4}) {  // 4: past the end, as a load after a snapshot reads
    auto r = s->read_stream("campaign/a", from);
    INFO("from " << from);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == errc::integrity);
  }
}
