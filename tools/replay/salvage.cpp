// `baton-replay salvage`: a damaged log kept to its intact prefix, with everything it drops set
// aside and the drop itself recorded as an event (docs/operations.md, "A damaged log").
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "events/store_events.hpp"
#include "model/time.hpp"
#include "tools/replay/replay.hpp"

namespace baton::replay {

namespace {

store_options with(store_options::mode m, store_options::recovery r) {
  store_options o;
  o.open_mode = m;
  o.wal_recovery = r;
  return o;
}

// "2026-12-05T10:15:00.123456Z" -> "20261205T101500Z": a directory name that sorts by time.
std::string compact_time(time_us t) {
  std::string out;
  for (char c : format_time(t).substr(0, 19))
    if (c != '-' && c != ':') out += c;
  return out + "Z";
}

// The events still readable past the intact prefix (damaged records skipped), into `path`.
exported_range save_dropped(const std::string& events_dir, std::uint64_t after,
                            const std::string& path) {
  auto s = event_store::open(
      events_dir, with(store_options::mode::read_only, store_options::recovery::skip_damaged));
  if (!s) return {};
  std::ofstream out(path);
  auto r = export_after(*s.value(), after, out);
  return r ? r.value() : exported_range{};
}

}  // namespace

result<salvage_outcome> salvage(const std::string& data_dir, const std::string& actor) {
  namespace fs = std::filesystem;
  auto events_dir = data_dir + "/events";
  salvage_outcome out;
  {  // Nothing to do when the log opens strictly and is as long as what was acknowledged.
    auto s = event_store::open(
        events_dir, with(store_options::mode::read_only, store_options::recovery::strict));
    if (s && s.value()->recovery().recovered >= s.value()->recovery().acknowledged) {
      out.head_after = out.head_before = s.value()->recovery().recovered;
      return out;
    }
    if (!s && s.err().code != errc::integrity) return s.err();
  }
  out.needed = true;
  std::uint64_t keep = 0;
  {
    auto s = event_store::open(
        events_dir, with(store_options::mode::read_only, store_options::recovery::salvage));
    if (!s) return s.err();
    keep = s.value()->recovery().recovered;
  }
  auto now = system_clock().now();
  out.kept_in = data_dir + "/salvaged-" + compact_time(now);
  std::error_code ec;
  fs::create_directories(out.kept_in, ec);
  if (ec) return make_error(errc::failed, out.kept_in, "cannot create: " + ec.message());
  auto dropped = save_dropped(events_dir, keep, out.kept_in + "/dropped.jsonl");
  out.readable_dropped = dropped.count;

  auto o = with(store_options::mode::read_write, store_options::recovery::salvage);
  o.salvage_copy_dir = out.kept_in;
  auto opened = event_store::open(events_dir, o);
  if (!opened) return opened.err();
  auto& store = *opened.value();
  const auto& rec = store.recovery();
  out.head_after = rec.recovered;
  out.head_before = std::max({rec.acknowledged, dropped.last, rec.recovered});
  out.damage = rec.damage;
  auto rep = store.verify();
  if (!rep) return rep.err();
  if (rep->first_break)
    return make_error(errc::integrity, "event #" + std::to_string(rep->first_break->global_seq),
                      "the part of the log kept is itself broken: " + rep->first_break->what +
                          " (restore a backup)");

  ev::store_salvaged fact{
      out.head_before, out.head_after,      out.head_before - out.head_after, "", 0, "",
      out.kept_in,     out.readable_dropped};
  if (out.damage) {
    fact.file = out.damage->file;
    fact.offset = out.damage->offset;
    fact.damage = out.damage->what;
  } else {
    fact.damage = "the log ends before the acknowledged head (a write-ahead log file was lost)";
  }
  auto e = ev::to_event(fact);
  e.actor = actor;
  e.causation_id = "salvage";
  auto appended = store.append(ev::store_stream, any_version, {e});
  if (!appended) return appended.err();
  out.event_seq = appended->ranges.front().last_global;
  auto head = store.verify();
  if (!head) return head.err();
  out.new_anchor = {head->head_seq, head->head_hash};
  if (auto st = record_anchor(data_dir, {out.new_anchor, format_time(now), "salvage"}); !st)
    return st.err();
  return out;
}

}  // namespace baton::replay
