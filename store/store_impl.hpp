// Private to store/: the RocksDB handles and the group-commit writer state behind event_store.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <rocksdb/db.h>

#include "store/dir_lock.hpp"
#include "store/event_store.hpp"

namespace baton {

status from_rocks(const rocksdb::Status& s, const std::string& where);

struct pending_append {
  std::vector<append_request> requests;
  append_options opts;
  std::function<void(result<append_result>)> done;
};

struct event_store::impl {
  std::string dir;
  store_options opts;
  system_clock default_clock;
  const clock* time_source = nullptr;
  std::optional<dir_lock> lock;
  recovery_report recovered;
  int acked_fd = -1;                // read_write: DIR/baton.acked, the durable acknowledged head
  std::uint64_t acked_written = 0;  // what it holds
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // owned; destroyed before db
  rocksdb::ColumnFamilyHandle *log = nullptr, *streams = nullptr, *heads = nullptr,
                              *snapshots = nullptr, *meta = nullptr;

  // Writer state (touched only by the writer thread, except the queue under `queue_mu`).
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<pending_append> queue;
  bool stopping = false;
  std::thread writer;
  std::unordered_map<std::string, std::pair<std::uint64_t, std::uint64_t>> head_cache;
  std::uint64_t next_global = 1;
  std::optional<error> write_failed;  // the error of a failed write: RocksDB is not used again
  event_hash chain_hash{};

  // Published progress for readers and tailers.
  mutable std::mutex tail_mu;
  mutable std::condition_variable tail_cv;
  std::uint64_t committed_global = 0;  // under tail_mu

  ~impl();
  // Opens RocksDB as opts say, meeting a damaged WAL as opts.wal_recovery says (recovery.cpp).
  status open_database();
  // After the head is known: the acknowledged-head check, and the witness file for writers.
  status check_head();
  // Records `head` as durable and acknowledged (after its WAL sync), for the next open to check.
  void record_acked(std::uint64_t head);
  void close_witness();
  void start_writer();
  void stop_writer();
  void writer_loop();
  void commit_group(std::vector<pending_append>& group);
  // A stream's {version, last global}; {0, 0} when never written. Failed reads are not cached.
  result<std::pair<std::uint64_t, std::uint64_t>> head_of(const std::string& stream);
  result<std::optional<append_result>> seen_command(const std::string& id) const;
  result<std::string> get(rocksdb::ColumnFamilyHandle* cf, std::string_view key) const;
};

std::string encode_append_result(const append_result& r);
std::optional<append_result> decode_append_result(std::string_view bytes);

}  // namespace baton
