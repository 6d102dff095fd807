#include <algorithm>
#include <filesystem>

#include <rocksdb/options.h>
#include <rocksdb/utilities/checkpoint.h>

#include "events/envelope.capnp.h"
#include "events/envelope_codec.hpp"
#include "events/payload.hpp"
#include "store/keys.hpp"
#include "store/store_impl.hpp"

namespace baton {

status from_rocks(const rocksdb::Status& s, const std::string& where) {
  if (s.ok()) return ok_status();
  errc code = errc::failed;
  if (s.IsCorruption())
    code = errc::integrity;
  else if (s.IsNotFound() || s.IsPathNotFound())
    code = errc::not_found;
  else if (s.IsBusy() || s.IsTryAgain() || s.IsIOError())
    code = errc::unavailable;
  return make_error(code, where, s.ToString());
}

event_store::impl::~impl() {
  stop_writer();
  close_witness();
  if (db && write_failed) {
    // Closing would flush the failed WAL writer (an assertion in Debian's RocksDB): leave the
    // files as a crash would; the next open recovers them (a torn tail is dropped).
    (void)db.release();
    return;
  }
  if (db) {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    handles.clear();
    db->Close();
  }
}

event_store::event_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
event_store::~event_store() = default;
const std::string& event_store::dir() const {
  return impl_->dir;
}
const recovery_report& event_store::recovery() const {
  return impl_->recovered;
}

result<std::unique_ptr<event_store>> event_store::open(const std::string& dir, store_options opts) {
  auto p = std::make_unique<impl>();
  p->dir = dir;
  p->opts = opts;
  p->time_source = opts.time_source ? opts.time_source : &p->default_clock;
  using mode = store_options::mode;
  if (opts.open_mode == mode::read_write) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return make_error(errc::unavailable, dir, "cannot create directory: " + ec.message());
    auto lock = dir_lock::acquire(dir);
    if (!lock) return lock.err();
    p->lock.emplace(std::move(lock.value()));
  } else {
    if (!std::filesystem::exists(dir + "/CURRENT"))
      return make_error(errc::not_found, dir, "no event store here");
    if (opts.open_mode == mode::secondary) {
      std::error_code ec;
      std::filesystem::create_directories(opts.secondary_path, ec);
    }
  }
  if (auto st = p->open_database(); !st) return st.err();
  p->log = p->handles[1];
  p->streams = p->handles[2];
  p->heads = p->handles[3];
  p->snapshots = p->handles[4];
  p->meta = p->handles[5];

  // Where the chain stands: the last record of the log.
  std::unique_ptr<rocksdb::Iterator> it(p->db->NewIterator(rocksdb::ReadOptions(), p->log));
  it->SeekToLast();
  if (it->Valid()) {
    auto e = decode_envelope(std::string_view(it->value().data(), it->value().size()));
    if (e) {
      p->next_global = e->global_seq + 1;
      p->chain_hash = e->hash;
    } else if (opts.open_mode == mode::read_write) {
      return make_error(errc::integrity, dir, "last event is unreadable: " + e.err().what);
    } else {  // readers still open it, so that verify can say what is wrong
      p->next_global = keys::get_be64(std::string_view(it->key().data(), it->key().size())) + 1;
    }
  } else if (!it->status().ok()) {
    // The end of the log could not be read: a writer would start the chain again at #1 over it.
    auto st = from_rocks(it->status(), dir);
    return make_error(st.err().code, dir, "cannot read the end of the log: " + st.err().what);
  }
  it.reset();
  p->committed_global = p->next_global - 1;
  if (auto st = p->check_head(); !st) return st.err();
  if (opts.open_mode == mode::read_write) {
    // The first write of an open: a store that cannot take it is refused here, not at the first
    // append (a full disk, a read-only file system, RocksDB in a failed state).
    auto put = from_rocks(
        p->db->Put(rocksdb::WriteOptions(), p->meta, std::string(keys::meta_format), "1"), dir);
    if (!put) {
      // RocksDB refuses writes after a failed WAL write, and closing it would use that writer
      // again (impl's destructor): leave the files as a crash would.
      p->write_failed =
          make_error(put.err().code, dir, "cannot write to the store: " + put.err().what);
      return *p->write_failed;
    }
    p->start_writer();
  }
  return std::unique_ptr<event_store>(new event_store(std::move(p)));
}

result<std::string> event_store::impl::get(rocksdb::ColumnFamilyHandle* cf,
                                           std::string_view key) const {
  std::string value;
  auto s = db->Get(rocksdb::ReadOptions(), cf, rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return make_error(errc::not_found, std::string(key), "not found");
  if (!s.ok()) return from_rocks(s, dir).err();
  return value;
}

result<std::vector<event>> event_store::read_stream(std::string_view stream, std::uint64_t from,
                                                    std::uint64_t to) const {
  std::vector<event> out;
  auto prefix = keys::stream_prefix(stream);
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->streams));
  std::vector<std::uint64_t> globals;
  from = std::max<std::uint64_t>(from, 1);
  auto in_stream = [&] {
    if (!it->Valid()) return false;
    auto k = it->key();
    return k.size() == prefix.size() + 8 && k.starts_with(prefix);
  };
  // The entry whose range holds `from` starts at or before it.
  it->SeekForPrev(keys::stream_key(stream, from));
  // Checked before the Seek below, which starts afresh: past the last key it may not read the
  // damaged block at all, and the stream would look shorter than it is.
  if (!it->status().ok()) return from_rocks(it->status(), std::string(stream)).err();
  if (!in_stream()) it->Seek(keys::stream_key(stream, from));
  for (; in_stream(); it->Next()) {
    auto first =
        keys::get_be64(std::string_view(it->key().data(), it->key().size()), prefix.size());
    if (first > to) break;
    auto r = keys::parse_index_value(std::string_view(it->value().data(), it->value().size()));
    if (!r) return make_error(errc::integrity, std::string(stream), "malformed stream index entry");
    for (std::uint64_t i = 0; i < r->count && first + i <= to; ++i)
      if (first + i >= from) globals.push_back(r->first_global + i);
  }
  if (!it->status().ok()) return from_rocks(it->status(), std::string(stream)).err();
  if (globals.empty()) return out;
  // One pass over the log in key order: a stream's events are mostly near each other (whole
  // appended ranges are contiguous), so stepping forward beats a lookup per event.
  std::unique_ptr<rocksdb::Iterator> log(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->log));
  out.reserve(globals.size());
  std::vector<std::uint64_t> scratch;  // the aligned copy each decode needs, reused
  log->Seek(keys::log_key(globals.front()));
  for (auto g : globals) {
    for (int steps = 0; log->Valid() && steps < 16; ++steps) {
      auto at = keys::get_be64(std::string_view(log->key().data(), log->key().size()));
      if (at >= g) break;
      log->Next();
    }
    if (log->Valid() && keys::get_be64(std::string_view(log->key().data(), log->key().size())) < g)
      log->Seek(keys::log_key(g));
    if (!log->Valid() ||
        keys::get_be64(std::string_view(log->key().data(), log->key().size())) != g) {
      if (!log->status().ok()) return from_rocks(log->status(), std::string(stream)).err();
      return make_error(errc::integrity, std::string(stream),
                        "index points to missing event #" + std::to_string(g));
    }
    auto& e = out.emplace_back();
    auto st = decode_envelope_into(std::string_view(log->value().data(), log->value().size()), e,
                                   scratch);
    if (!st) return make_error(errc::integrity, "event #" + std::to_string(g), st.err().what);
  }
  return out;
}

status event_store::scan(std::uint64_t from_global,
                         const std::function<bool(const event&)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->log));
  for (it->Seek(keys::log_key(from_global)); it->Valid(); it->Next()) {
    auto e = decode_envelope(std::string_view(it->value().data(), it->value().size()));
    if (!e) {
      auto g = keys::get_be64(std::string_view(it->key().data(), it->key().size()));
      return make_error(errc::integrity, "event #" + std::to_string(g), e.err().what);
    }
    if (!visit(e.value())) break;
  }
  if (!it->status().ok()) return from_rocks(it->status(), impl_->dir);
  return ok_status();
}

result<std::vector<event>> event_store::read_all(std::uint64_t from_global,
                                                 std::size_t limit) const {
  std::vector<event> out;
  if (limit == 0) return out;
  auto st = scan(from_global, [&](const event& e) {
    out.push_back(e);
    return out.size() < limit;
  });
  if (!st) return st.err();
  return out;
}

result<std::uint64_t> event_store::stream_version(std::string_view stream) const {
  auto v = impl_->get(impl_->heads, stream);
  if (!v) {
    if (v.err().code == errc::not_found) return std::uint64_t{0};
    return make_error(v.err().code, std::string(stream),
                      "cannot read the stream's head: " + v.err().what);
  }
  if (v->size() < 16)
    return make_error(errc::integrity, std::string(stream), "malformed stream head");
  return keys::get_be64(*v);
}

result<std::optional<append_result>> event_store::command_result(
    std::string_view command_id) const {
  return impl_->seen_command(std::string(command_id));
}

std::uint64_t event_store::last_global_seq() const {
  std::lock_guard<std::mutex> g(impl_->tail_mu);
  return impl_->committed_global;
}

result<std::vector<stream_head>> event_store::streams(std::string_view prefix) const {
  std::vector<stream_head> out;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->heads));
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid(); it->Next()) {
    if (!it->key().starts_with(rocksdb::Slice(prefix.data(), prefix.size()))) break;
    std::string_view v(it->value().data(), it->value().size());
    if (v.size() < 16)
      return make_error(errc::integrity, it->key().ToString(), "malformed stream head");
    out.push_back({it->key().ToString(), keys::get_be64(v), keys::get_be64(v, 8)});
  }
  // An iterator that stops on an error looks like the end: without this check a damaged or
  // unreadable index would list fewer streams (and recovery would skip campaigns).
  if (!it->status().ok()) {
    auto st = from_rocks(it->status(), impl_->dir);
    return make_error(st.err().code, impl_->dir, "cannot list the streams: " + st.err().what);
  }
  return out;
}

status event_store::put_snapshot(const snapshot& s) {
  if (!impl_->writer.joinable())
    return make_error(errc::refused, impl_->dir, "store is open read-only");
  auto bytes = build_payload<capnp_schema::Snapshot>([&](capnp_schema::Snapshot::Builder b) {
    b.setStream(s.stream);
    b.setVersion(s.version);
    b.setGlobalSeq(s.global_seq);
    b.setFormat(s.format);
    b.setState(kj::arrayPtr(reinterpret_cast<const kj::byte*>(s.state.data()), s.state.size()));
  });
  return from_rocks(impl_->db->Put(rocksdb::WriteOptions(), impl_->snapshots, s.stream, bytes),
                    s.stream);
}

result<std::optional<snapshot>> event_store::get_snapshot(std::string_view stream) const {
  auto v = impl_->get(impl_->snapshots, stream);
  if (!v) {
    if (v.err().code == errc::not_found) return std::optional<snapshot>{};
    return v.err();
  }
  auto s = read_payload<capnp_schema::Snapshot, snapshot>(*v, [](auto r) {
    snapshot out;
    out.stream = to_std(r.getStream());
    out.version = r.getVersion();
    out.global_seq = r.getGlobalSeq();
    out.format = r.getFormat();
    auto d = r.getState();
    out.state.assign(reinterpret_cast<const char*>(d.begin()), d.size());
    return out;
  });
  if (!s) return make_error(errc::integrity, "snapshot " + std::string(stream), s.err().what);
  return std::optional<snapshot>(std::move(s.value()));
}

status event_store::catch_up() {
  if (impl_->opts.open_mode != store_options::mode::secondary) return ok_status();
  auto st = from_rocks(impl_->db->TryCatchUpWithPrimary(), impl_->dir);
  if (!st) return st;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->log));
  it->SeekToLast();
  if (it->Valid()) {
    std::lock_guard<std::mutex> g(impl_->tail_mu);
    impl_->committed_global = keys::get_be64(std::string_view(it->key().data(), it->key().size()));
  }
  return ok_status();
}

result<std::vector<event>> event_store::wait_for(std::uint64_t after_global, std::size_t max,
                                                 std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool secondary = impl_->opts.open_mode == store_options::mode::secondary;
  for (;;) {
    {
      std::unique_lock<std::mutex> g(impl_->tail_mu);
      auto step =
          secondary
              ? std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(50))
              : deadline;
      impl_->tail_cv.wait_until(g, step, [&] { return impl_->committed_global > after_global; });
      if (impl_->committed_global > after_global) break;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::vector<event>{};
    if (secondary) {
      auto st = const_cast<event_store*>(this)->catch_up();
      if (!st) return st.err();
    }
  }
  return read_all(after_global + 1, max);
}

status event_store::checkpoint(const std::string& target_dir) const {
  rocksdb::Checkpoint* cp = nullptr;
  auto s = rocksdb::Checkpoint::Create(impl_->db.get(), &cp);
  if (!s.ok()) return from_rocks(s, impl_->dir);
  std::unique_ptr<rocksdb::Checkpoint> owned(cp);
  return from_rocks(owned->CreateCheckpoint(target_dir), target_dir);
}

}  // namespace baton
