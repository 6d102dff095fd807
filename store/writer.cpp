// The group-commit writer: one thread drains the queue of appends, checks each against the
// stream heads and command ids, assigns sequences and hashes, and commits the whole group in
// one WriteBatch with at most one WAL sync. Callers hear back only after that write returns.
#include <future>

#include <rocksdb/write_batch.h>

#include "events/envelope_codec.hpp"
#include "events/hash.hpp"
#include "store/keys.hpp"
#include "store/store_impl.hpp"

namespace baton {

namespace {

// What one group changes, applied to the writer's caches only if the write succeeds.
struct group_state {
  std::unordered_map<std::string, std::pair<std::uint64_t, std::uint64_t>> heads;
  std::unordered_map<std::string, append_result> commands;
  std::uint64_t next_global = 0;
  event_hash chain{};
};

status check_request(const append_request& r) {
  if (r.stream.empty()) return make_error(errc::validation, "", "stream name is empty");
  if (r.stream.find('\0') != std::string::npos)
    return make_error(errc::validation, r.stream, "stream name contains a NUL byte");
  if (r.events.empty()) return make_error(errc::validation, r.stream, "no events to append");
  return ok_status();
}

}  // namespace

void event_store::impl::start_writer() {
  writer = std::thread([this] { writer_loop(); });
}

void event_store::impl::stop_writer() {
  {
    std::lock_guard<std::mutex> g(queue_mu);
    stopping = true;
  }
  queue_cv.notify_all();
  if (writer.joinable()) writer.join();
}

void event_store::impl::writer_loop() {
  for (;;) {
    std::vector<pending_append> group;
    {
      std::unique_lock<std::mutex> g(queue_mu);
      queue_cv.wait(g, [&] { return stopping || !queue.empty(); });
      if (queue.empty()) return;  // stopping, and everything queued has been written
      std::size_t n_events = 0;
      while (!queue.empty() && (group.empty() || n_events < opts.max_group_events)) {
        for (auto& r : queue.front().requests) n_events += r.events.size();
        group.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    commit_group(group);
  }
}

result<std::pair<std::uint64_t, std::uint64_t>> event_store::impl::head_of(
    const std::string& stream) {
  auto it = head_cache.find(stream);
  if (it != head_cache.end()) return it->second;
  std::pair<std::uint64_t, std::uint64_t> h{0, 0};
  auto v = get(heads, stream);
  if (v) {
    if (v->size() < 16) return make_error(errc::integrity, stream, "malformed stream head");
    h = {keys::get_be64(*v), keys::get_be64(*v, 8)};
  } else if (v.err().code != errc::not_found) {
    // Not cached: a head read as {0, 0} would let an append at no_stream fork the stream.
    return make_error(v.err().code, stream, "cannot read the stream's head: " + v.err().what);
  }
  head_cache.emplace(stream, h);
  return h;
}

result<std::optional<append_result>> event_store::impl::seen_command(const std::string& id) const {
  auto v = get(meta, keys::meta_command(id));
  if (!v) {
    if (v.err().code == errc::not_found) return std::optional<append_result>{};
    // Not "never seen": the command may have been carried out, and must not run twice.
    return make_error(v.err().code, "command " + id,
                      "cannot read whether it was carried out: " + v.err().what);
  }
  auto r = decode_append_result(*v);
  if (!r) return make_error(errc::integrity, "command " + id, "its stored result is malformed");
  r->duplicate = true;
  return r;
}

namespace {

// A stream's head as this group sees it: its own staged appends first, then the store.
result<std::pair<std::uint64_t, std::uint64_t>> head_in_group(event_store::impl& s, group_state& g,
                                                              const std::string& stream) {
  if (auto it = g.heads.find(stream); it != g.heads.end()) return it->second;
  return s.head_of(stream);
}

// An imported event must continue this log exactly: next sequences, same chain, same hash.
status check_preserved(event_store::impl& s, group_state& g, const pending_append& p) {
  if (p.requests.size() != 1 || p.requests[0].events.size() != 1)
    return make_error(errc::validation, "", "an import appends one event at a time");
  const auto& r = p.requests[0];
  event e = r.events[0];
  auto where = "event #" + std::to_string(e.global_seq);
  auto head = head_in_group(s, g, r.stream);
  if (!head) return head.err();
  if (e.stream != r.stream || e.global_seq != g.next_global || e.stream_seq != head->first + 1)
    return make_error(errc::integrity, where,
                      "does not follow the log (expected #" + std::to_string(g.next_global) + ", " +
                          r.stream + "#" + std::to_string(head->first + 1) + ")");
  if (e.prev_hash != g.chain)
    return make_error(errc::integrity, where, "does not link to the previous event's hash");
  auto claimed = e.hash;
  if (record_hash(e) != claimed)
    return make_error(errc::integrity, where, "its hash does not match its content (altered)");
  return ok_status();
}

// Adds one pending append to the batch, or returns why it cannot be written (nothing of it is
// then staged). A head or command id that cannot be read is an error, never "new".
result<append_result> stage(event_store::impl& s, group_state& g, pending_append& p,
                            rocksdb::WriteBatch& batch) {
  if (!p.opts.command_id.empty()) {
    if (auto it = g.commands.find(p.opts.command_id); it != g.commands.end()) {
      auto r = it->second;
      r.duplicate = true;
      return r;
    }
    auto seen = s.seen_command(p.opts.command_id);
    if (!seen) return seen.err();
    if (*seen) return **seen;
  }
  // Check every request first so a conflict leaves nothing staged.
  std::unordered_map<std::string, std::pair<std::uint64_t, std::uint64_t>> before;
  std::unordered_map<std::string, std::uint64_t> versions;
  for (auto& r : p.requests) {
    if (auto st = check_request(r); !st) return st.err();
    if (!before.count(r.stream)) {
      auto head = head_in_group(s, g, r.stream);
      if (!head) return head.err();
      before.emplace(r.stream, *head);
    }
    auto found = versions.find(r.stream);
    std::uint64_t current = found != versions.end() ? found->second : before[r.stream].first;
    if (r.expected_version != any_version && r.expected_version != current)
      return make_error(errc::conflict, r.stream,
                        "expected version " + std::to_string(r.expected_version) +
                            " but the stream is at " + std::to_string(current));
    versions[r.stream] = current + r.events.size();
  }
  if (p.opts.preserve) {
    if (auto st = check_preserved(s, g, p); !st) return st.err();
  }
  // A refused Put (a key or value over RocksDB's limits) takes back this append's part only.
  batch.SetSavePoint();
  auto undo_next = g.next_global;
  auto undo_chain = g.chain;
  std::unordered_map<std::string, std::optional<std::pair<std::uint64_t, std::uint64_t>>> undo;
  for (auto& [stream, head] : before) {
    auto it = g.heads.find(stream);
    undo[stream] = it == g.heads.end() ? std::nullopt : std::optional(it->second);
  }
  rocksdb::Status put;
  auto refuse = [&](const std::string& where) -> error {
    (void)batch.RollbackToSavePoint();
    g.next_global = undo_next;
    g.chain = undo_chain;
    for (auto& [stream, h] : undo) {
      if (h)
        g.heads[stream] = *h;
      else
        g.heads.erase(stream);
    }
    auto st = from_rocks(put, where);
    return make_error(st.err().code, where, "cannot stage the write: " + st.err().what);
  };
  append_result out;
  auto now = p.opts.preserve ? p.requests[0].events[0].time : s.time_source->now();
  out.time = now;
  for (auto& r : p.requests) {
    auto head = g.heads.count(r.stream) ? g.heads[r.stream] : before[r.stream];
    appended_range range{r.stream, head.first + 1, head.first + r.events.size(), g.next_global,
                         g.next_global + r.events.size() - 1};
    for (auto& e : r.events) {
      e.stream = r.stream;
      e.stream_seq = ++head.first;
      e.global_seq = g.next_global++;
      e.time = now;
      if (e.command_id.empty()) e.command_id = p.opts.command_id;
      e.prev_hash = g.chain;
      e.hash = record_hash(e);  // for an import, check_preserved has shown it equals the export
      g.chain = e.hash;
      head.second = e.global_seq;
      put = batch.Put(s.log, keys::log_key(e.global_seq), encode_envelope(e));
      if (!put.ok()) return refuse(r.stream);
    }
    put = batch.Put(s.streams, keys::stream_key(r.stream, range.first_seq),
                    keys::index_value(range.first_global, r.events.size()));
    if (!put.ok()) return refuse(r.stream);
    g.heads[r.stream] = head;
    out.ranges.push_back(std::move(range));
  }
  if (!p.opts.command_id.empty()) {
    put = batch.Put(s.meta, keys::meta_command(p.opts.command_id), encode_append_result(out));
    if (!put.ok()) return refuse("command " + p.opts.command_id);
    g.commands[p.opts.command_id] = out;
  }
  return out;
}

}  // namespace

void event_store::impl::commit_group(std::vector<pending_append>& group) {
  group_state g;
  g.next_global = next_global;
  g.chain = chain_hash;
  rocksdb::WriteBatch batch;
  bool sync = false;
  std::vector<result<append_result>> results;
  results.reserve(group.size());
  for (auto& p : group) {
    results.push_back(stage(*this, g, p, batch));
    if (results.back().ok() && !results.back()->duplicate) sync = sync || p.opts.sync;
  }
  if (g.next_global != next_global && write_failed) {  // RocksDB is not asked again (below)
    for (auto& r : results)
      if (r.ok() && !r->duplicate) r = *write_failed;
  } else if (g.next_global != next_global) {
    rocksdb::Status staged;
    for (auto& [stream, head] : g.heads)
      if (staged.ok()) staged = batch.Put(heads, stream, keys::head_value(head.first, head.second));
    std::string chain_head = keys::log_key(g.next_global - 1);
    chain_head.append(reinterpret_cast<const char*>(g.chain.data()), g.chain.size());
    if (staged.ok()) staged = batch.Put(meta, std::string(keys::meta_chain_head), chain_head);
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    // Nothing is written when the heads could not be staged (the batch would break the index).
    auto st = from_rocks(staged.ok() ? db->Write(wo, &batch) : staged, dir);
    if (!st) {
      st = make_error(st.err().code, dir,
                      "the event store cannot write: " + st.err().what +
                          " (nothing of this write was acknowledged)");
      for (auto& r : results)
        if (r.ok() && !r->duplicate) r = st.err();
      // After a failed WAL write RocksDB refuses further writes, and Debian's build asserts when
      // its WAL writer is used again: later appends fail here with the same error.
      write_failed = st.err();
      if (opts.on_write_failure) opts.on_write_failure(st.err());
    } else {
      next_global = g.next_global;
      chain_hash = g.chain;
      if (sync) record_acked(next_global - 1);  // durable now, and acknowledged right below
      for (auto& [stream, head] : g.heads) head_cache[stream] = head;
      {
        std::lock_guard<std::mutex> l(tail_mu);
        committed_global = next_global - 1;
      }
      tail_cv.notify_all();
    }
  }
  for (std::size_t i = 0; i < group.size(); ++i) group[i].done(std::move(results[i]));
}

void event_store::append_async(std::vector<append_request> requests, append_options opts,
                               std::function<void(result<append_result>)> done) {
  if (!impl_->writer.joinable()) {
    done(make_error(errc::refused, impl_->dir, "store is open read-only"));
    return;
  }
  {
    std::lock_guard<std::mutex> g(impl_->queue_mu);
    if (!impl_->stopping) {
      impl_->queue.push_back({std::move(requests), std::move(opts), std::move(done)});
      impl_->queue_cv.notify_one();
      return;
    }
  }
  done(make_error(errc::unavailable, impl_->dir, "store is closing"));
}

result<append_result> event_store::append(std::vector<append_request> requests,
                                          append_options opts) {
  std::promise<result<append_result>> promise;
  auto future = promise.get_future();
  append_async(std::move(requests), std::move(opts),
               [&promise](result<append_result> r) { promise.set_value(std::move(r)); });
  return future.get();
}

result<append_result> event_store::append(std::string stream, std::uint64_t expected_version,
                                          std::vector<event> events, append_options opts) {
  std::vector<append_request> one;
  one.push_back({std::move(stream), expected_version, std::move(events)});
  return append(std::move(one), std::move(opts));
}

std::string encode_append_result(const append_result& r) {
  std::string out;
  keys::put_be64(out, r.ranges.size());
  for (auto& x : r.ranges) {
    keys::put_be64(out, x.stream.size());
    out += x.stream;
    for (auto v : {x.first_seq, x.last_seq, x.first_global, x.last_global}) keys::put_be64(out, v);
  }
  return out;
}

std::optional<append_result> decode_append_result(std::string_view b) {
  append_result r;
  std::size_t at = 0;
  auto u64 = [&](std::uint64_t& v) {
    if (at + 8 > b.size()) return false;
    v = keys::get_be64(b, at);
    at += 8;
    return true;
  };
  std::uint64_t n = 0, len = 0;
  if (!u64(n)) return std::nullopt;
  for (std::uint64_t i = 0; i < n; ++i) {
    appended_range x;
    if (!u64(len) || at + len > b.size()) return std::nullopt;
    x.stream.assign(b.substr(at, len));
    at += len;
    if (!u64(x.first_seq) || !u64(x.last_seq) || !u64(x.first_global) || !u64(x.last_global))
      return std::nullopt;
    r.ranges.push_back(std::move(x));
  }
  return r;
}

}  // namespace baton
