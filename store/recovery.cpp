// Opening RocksDB so that no acknowledged event is dropped without a word. RocksDB's default
// (point-in-time) recovery stops at the first damaged WAL record and opens with the shorter log;
// absolute consistency refuses any damage, including the torn tail a crash mid-write leaves.
// So: absolute consistency first; when it refuses, the damage is located (wal_check.hpp) and
// the store opens past it only when it is a torn tail that cost no acknowledged event. Which
// events were acknowledged is the witness file DIR/baton.acked: the writer stores its durable
// head there after each WAL sync (a pwrite, no fsync: it survives a kill -9, and after a power
// loss it can only be behind, never ahead of the log).
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include <rocksdb/options.h>

#include "store/info_log.hpp"
#include "store/keys.hpp"
#include "store/store_impl.hpp"

namespace baton {

namespace {

const char* const cf_names[] = {"default", "log", "streams", "heads", "snapshots", "meta"};

rocksdb::Options base_options() {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.IncreaseParallelism(2);
  o.write_buffer_size = 64 << 20;
  o.max_write_buffer_number = 4;
  o.compression = rocksdb::kLZ4Compression;
  o.keep_log_file_num = 5;
  o.max_open_files = -1;  // required by secondary instances, cheap here
  // Column families flush together, so the WAL holds exactly what no SST file holds yet: a
  // point-in-time recovery past damage then gives a consistent prefix of every family (flushed
  // alone, a small family keeps old WAL files alive and damage there cannot be recovered past).
  o.atomic_flush = true;
  return o;
}

std::vector<rocksdb::ColumnFamilyDescriptor> descriptors(const rocksdb::Options& o) {
  std::vector<rocksdb::ColumnFamilyDescriptor> out;
  for (auto* n : cf_names) out.emplace_back(n, rocksdb::ColumnFamilyOptions(o));
  return out;
}

std::string witness_path(const std::string& dir) {
  return dir + "/baton.acked";
}

// The head recorded in the witness file; 0 when there is none or it cannot be read.
std::uint64_t read_acked(const std::string& dir) {
  int fd = ::open(witness_path(dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[16];
  auto n = ::pread(fd, buf, sizeof buf, 0);
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof buf)) return 0;
  std::string_view v(buf, sizeof buf);
  auto head = keys::get_be64(v), check = keys::get_be64(v, 8);
  return check == ~head ? head : 0;
}

struct opened {
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  void close() {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    handles.clear();
    delete db;
    db = nullptr;
  }
};

rocksdb::Status open_rocks(const event_store::impl& p, rocksdb::WALRecoveryMode mode,
                           bool read_only, opened& out) {
  auto o = base_options();
  if (p.opts.env) o.env = p.opts.env;
  o.wal_recovery_mode = mode;
  using m = store_options::mode;
  if (p.opts.open_mode == m::secondary)
    return rocksdb::DB::OpenAsSecondary(o, p.dir, p.opts.secondary_path, descriptors(o),
                                        &out.handles, &out.db);
  if (read_only)
    return rocksdb::DB::OpenForReadOnly(o, p.dir, descriptors(o), &out.handles, &out.db);
  // A writer's info log must not abort the process on a full disk (store/info_log.hpp).
  o.info_log = open_info_log(p.dir);
  return rocksdb::DB::Open(o, p.dir, descriptors(o), &out.handles, &out.db);
}

// The head a point-in-time recovery gives, found read-only (nothing is written).
result<std::uint64_t> point_in_time_head(const event_store::impl& p) {
  opened probe;
  auto s = open_rocks(p, rocksdb::WALRecoveryMode::kPointInTimeRecovery, true, probe);
  if (!s.ok()) return from_rocks(s, p.dir).err();
  std::unique_ptr<rocksdb::Iterator> it(
      probe.db->NewIterator(rocksdb::ReadOptions(), probe.handles[1]));
  it->SeekToLast();
  std::uint64_t head =
      it->Valid() ? keys::get_be64(std::string_view(it->key().data(), it->key().size())) : 0;
  it.reset();
  probe.close();
  return head;
}

std::string salvage_hint(std::uint64_t keep) {
  return " Nothing was changed. `baton-replay salvage` keeps events #1..#" + std::to_string(keep) +
         ", sets the damaged files aside and records what it dropped (docs/operations.md, "
         "\"A damaged log\").";
}

error refusal(const wal_damage* d, std::uint64_t keep, std::uint64_t acked,
              const rocksdb::Status& s, const std::string& dir) {
  if (!d) return make_error(errc::integrity, dir, s.ToString() + "." + salvage_hint(keep));
  std::string what =
      "offset " + std::to_string(d->offset) + ": " + d->what + ": the write-ahead log is damaged";
  if (acked > keep)
    what += "; events #" + std::to_string(keep + 1) + "..#" + std::to_string(acked) +
            " were acknowledged and cannot be read past it.";
  else
    what += ", and intact records follow the damage.";
  return make_error(errc::integrity, d->file, what + salvage_hint(keep));
}

status copy_wal_files(const std::string& dir, const std::string& target) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(target, ec);
  if (ec) return make_error(errc::failed, target, "cannot create: " + ec.message());
  for (auto& f : wal_files(dir)) {
    fs::copy_file(f, fs::path(target) / fs::path(f).filename(),
                  fs::copy_options::overwrite_existing, ec);
    if (ec) return make_error(errc::failed, f, "cannot copy aside: " + ec.message());
  }
  return ok_status();
}

}  // namespace

status event_store::impl::open_database() {
  using R = store_options::recovery;
  using m = store_options::mode;
  recovered.acknowledged = read_acked(dir);  // before the open: a live writer only adds
  bool read_only = opts.open_mode != m::read_write;
  auto take = [&](opened& o) -> status {
    db.reset(o.db);
    handles = std::move(o.handles);
    return ok_status();
  };
  rocksdb::WALRecoveryMode first = rocksdb::WALRecoveryMode::kAbsoluteConsistency;
  if (opts.open_mode == m::secondary) first = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  if (opts.wal_recovery == R::skip_damaged)
    first = rocksdb::WALRecoveryMode::kSkipAnyCorruptedRecords;
  opened db_open;
  auto s = open_rocks(*this, first, read_only, db_open);
  if (s.ok()) return take(db_open);
  if (!s.IsCorruption() || first != rocksdb::WALRecoveryMode::kAbsoluteConsistency)
    return from_rocks(s, dir);
  auto damage = find_wal_damage(dir);
  // Without damage in the WAL, something else is corrupt — unless a live writer was caught
  // mid-record by this reader (it completed since).
  if (!damage && !read_only) return from_rocks(s, dir);
  auto head = point_in_time_head(*this);
  if (!head) return head.err();
  bool torn_tail = (!damage || damage->tail) && *head >= recovered.acknowledged;
  if (!torn_tail && opts.wal_recovery != R::salvage)
    return refusal(damage ? &*damage : nullptr, *head, recovered.acknowledged, s, dir);
  if (opts.wal_recovery == R::salvage && !read_only && !opts.salvage_copy_dir.empty()) {
    if (auto st = copy_wal_files(dir, opts.salvage_copy_dir); !st) return st;
    recovered.copied_to = opts.salvage_copy_dir;
  }
  recovered.damage = damage;
  opened past_damage;
  auto s2 =
      open_rocks(*this, rocksdb::WALRecoveryMode::kPointInTimeRecovery, read_only, past_damage);
  if (!s2.ok()) return from_rocks(s2, dir);
  return take(past_damage);
}

status event_store::impl::check_head() {
  using R = store_options::recovery;
  recovered.recovered = next_global - 1;
  // A writer refuses to append after a shorter history; readers open, and verify() says it.
  if (opts.open_mode == store_options::mode::read_write && opts.wal_recovery == R::strict &&
      recovered.recovered < recovered.acknowledged)
    return make_error(errc::integrity, dir,
                      "the log ends at #" + std::to_string(recovered.recovered) +
                          " but events up to #" + std::to_string(recovered.acknowledged) +
                          " were acknowledged: a write-ahead log file is missing or damaged." +
                          salvage_hint(recovered.recovered));
  if (opts.open_mode != store_options::mode::read_write) return ok_status();
  acked_fd = ::open(witness_path(dir).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (acked_fd < 0)
    return make_error(errc::unavailable, witness_path(dir),
                      std::string("cannot open: ") + std::strerror(errno));
  acked_written = recovered.acknowledged;
  // After a salvage (or a store whose head file was behind) the head file states the log as it is.
  if (recovered.recovered != recovered.acknowledged) record_acked(recovered.recovered);
  return ok_status();
}

void event_store::impl::record_acked(std::uint64_t head) {
  if (acked_fd < 0 || head == acked_written) return;
  std::string v;
  keys::put_be64(v, head);
  keys::put_be64(v, ~head);
  if (::pwrite(acked_fd, v.data(), v.size(), 0) == static_cast<ssize_t>(v.size()))
    acked_written = head;
}

// At a clean close every committed event becomes durable and acknowledged, and the head file is
// synced, so that even a power loss later finds it current.
void event_store::impl::close_witness() {
  if (acked_fd < 0) return;
  if (db && !write_failed && committed_global > acked_written && db->SyncWAL().ok())
    record_acked(committed_global);
  ::fdatasync(acked_fd);
  ::close(acked_fd);
  acked_fd = -1;
}

}  // namespace baton
