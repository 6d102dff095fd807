// The event store: an append-only log of events in RocksDB, indexed per stream, hash-chained.
// Appends are atomic (one WriteBatch, several streams at once), checked against the expected
// stream version, idempotent per command id, and group-committed: concurrent appends share one
// write and one WAL sync, and each caller gets its result only once its events are durable.
// Reads, tailing, snapshots, verification and checkpoints work alongside; tools can open the
// same directory read-only or as a RocksDB secondary while the engine writes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/clock.hpp"
#include "events/event.hpp"
#include "events/result.hpp"
#include "store/wal_check.hpp"

namespace rocksdb {
class Env;
}

namespace baton {

inline constexpr std::uint64_t any_version = std::numeric_limits<std::uint64_t>::max();
inline constexpr std::uint64_t no_stream = 0;  // expected version of a stream not yet written

struct store_options {
  enum class mode { read_write, read_only, secondary };
  mode open_mode = mode::read_write;
  std::string secondary_path;  // secondary mode: a private directory for the secondary's files
  // How a damaged write-ahead log is met on open (docs/operations.md, "A damaged log"):
  //  strict: a torn tail of unacknowledged writes (what a crash mid-write leaves) is dropped; any
  //    other damage, or a log shorter than the acknowledged head the last writer recorded, refuses
  //    with errc::integrity naming the WAL file and offset, and changes nothing.
  //  salvage: keep the intact prefix and drop the rest (baton-replay salvage); in read_write mode
  //    the damaged WAL files are first copied into `salvage_copy_dir` (when set).
  //  skip_damaged (read_only): every intact record, damaged ones skipped — a log with holes, only
  //    to see what a salvage drops.
  enum class recovery { strict, salvage, skip_damaged };
  recovery wal_recovery = recovery::strict;
  std::string salvage_copy_dir;
  // Called once, on the writer thread, when RocksDB fails a write (a full disk, an I/O error):
  // the callers of that group get the error, and RocksDB refuses every later write. Engines
  // stop on it (docs/operations.md, "A full disk").
  std::function<void(const error&)> on_write_failure;
  const clock* time_source = nullptr;   // default: the system clock
  std::size_t max_group_events = 8192;  // at most this many events per group commit
  // RocksDB's environment (its file system); default: the process's. Tests put a file system
  // that fails on demand here, to see failed reads and writes met as errors.
  rocksdb::Env* env = nullptr;
};

struct append_request {
  std::string stream;                            // any bytes but NUL
  std::uint64_t expected_version = any_version;  // the stream's current version, or no_stream
  std::vector<event> events;  // caller sets type, version, payload and identity fields
};

struct append_options {
  bool sync = true;        // durable: the WAL is fsynced before the result is given
  std::string command_id;  // non-empty: a repeated id returns the first result, writes nothing
  // Import (baton-replay import): one event, kept exactly as exported — its sequences, time and
  // hash must be the next ones of this log, else errc::integrity and nothing is written.
  bool preserve = false;
};

struct appended_range {
  std::string stream;
  std::uint64_t first_seq = 0, last_seq = 0;        // stream sequences assigned
  std::uint64_t first_global = 0, last_global = 0;  // global sequences assigned
};

struct append_result {
  std::vector<appended_range> ranges;  // one per request, in request order
  bool duplicate = false;              // true when the command id had been seen before
  time_us time = 0;                    // the time stamped on the events (not kept for duplicates)
};

struct stream_head {
  std::string stream;
  std::uint64_t version = 0;      // number of events in the stream
  std::uint64_t last_global = 0;  // global sequence of its last event
};

struct snapshot {
  std::string stream;
  std::uint64_t version = 0;     // stream version folded into the state
  std::uint64_t global_seq = 0;  // global sequence of the last folded event
  std::uint16_t format = 1;      // the state encoding's own version
  std::string state;
};

// What an open found: the acknowledged head the last writer recorded beside the log, the head it
// opened with, and the WAL damage it went past (a torn tail, or anything in salvage mode).
struct recovery_report {
  std::uint64_t acknowledged = 0;  // 0 when unknown (a store not yet written by this version)
  std::uint64_t recovered = 0;
  std::optional<wal_damage> damage;
  std::string copied_to;  // salvage: where the damaged WAL files were copied
};

struct verify_break {
  std::uint64_t global_seq = 0;  // where the first break was found
  std::string stream;            // its stream, when the record could be read
  std::uint64_t stream_seq = 0;
  std::string what;
};

struct verify_report {
  std::uint64_t events = 0;
  std::uint64_t streams = 0;
  std::uint64_t head_seq = 0;
  event_hash head_hash{};
  std::optional<verify_break> first_break;  // empty: the log is intact
};

class event_store {
 public:
  // Opens (creating if needed, in read_write mode) the store in `dir`. A read_write open takes
  // an exclusive lock on `dir`: errc::unavailable naming the holder's pid when it is taken.
  // A damaged log: see store_options::recovery.
  static result<std::unique_ptr<event_store>> open(const std::string& dir, store_options opts = {});
  ~event_store();  // finishes the writes in flight, then closes
  event_store(const event_store&) = delete;
  event_store& operator=(const event_store&) = delete;

  // --- appending (read_write only) ---
  result<append_result> append(std::string stream, std::uint64_t expected_version,
                               std::vector<event> events, append_options opts = {});
  // All requests commit together or not at all (errc::conflict names the stream that failed).
  result<append_result> append(std::vector<append_request> requests, append_options opts = {});
  // Non-blocking: `done` runs on the store's writer thread once the batch is durable (or failed).
  void append_async(std::vector<append_request> requests, append_options opts,
                    std::function<void(result<append_result>)> done);

  // --- reading (events come back as stored: upcast them with the event catalog) ---
  result<std::vector<event>> read_stream(std::string_view stream, std::uint64_t from = 1,
                                         std::uint64_t to = any_version) const;
  result<std::vector<event>> read_all(std::uint64_t from_global, std::size_t limit) const;
  // Calls visit for each event from `from_global` on until it returns false or the log ends.
  status scan(std::uint64_t from_global, const std::function<bool(const event&)>& visit) const;
  // Reads keep "not there" apart from "could not read": a stream never written has version 0
  // and an unknown command id has no result, while a failed read (I/O, corruption) is an error.
  std::uint64_t last_global_seq() const;
  result<std::uint64_t> stream_version(std::string_view stream) const;
  // The result of the append made with this command id, if there was one (duplicate = true).
  result<std::optional<append_result>> command_result(std::string_view command_id) const;
  // Streams whose name starts with `prefix`, in name order.
  result<std::vector<stream_head>> streams(std::string_view prefix = {}) const;

  // --- tailing ---
  // Events after `after_global`, waiting up to `timeout` for at least one (no busy polling in
  // the writing process; a secondary catches up with the primary every 50 ms while waiting).
  result<std::vector<event>> wait_for(std::uint64_t after_global, std::size_t max,
                                      std::chrono::milliseconds timeout) const;

  // --- snapshots ---
  status put_snapshot(const snapshot& s);
  result<std::optional<snapshot>> get_snapshot(std::string_view stream) const;

  // --- operations ---
  status catch_up();  // secondary: read what the primary wrote since; no-op otherwise
  // Walks the whole log: sequences, per-record hash, the chain, the stream index and heads.
  result<verify_report> verify() const;
  // A consistent copy of the store in `target_dir` (must not exist), via RocksDB Checkpoint.
  status checkpoint(const std::string& target_dir) const;
  const std::string& dir() const;
  const recovery_report& recovery() const;

  struct impl;

 private:
  explicit event_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace baton
