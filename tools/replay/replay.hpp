// What baton-replay does, as a library (so tests can call it): verify the whole log with the
// engine's own fold, rebuild a campaign at any point, diff two points, tell its history, export
// the log as JSON lines and import it into an empty store. Everything reads the log only.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "model/campaign_state.hpp"
#include "store/event_store.hpp"

namespace baton::replay {

struct anchor {
  std::uint64_t seq = 0;
  event_hash hash{};
};
result<anchor> parse_anchor(const std::string& text);  // "SEQ:HEX"
std::string format_anchor(const anchor& a);

// Anchors kept beside the log in DATA_DIR/anchors.jsonl (one JSON object a line: seq, hash,
// time, by): `baton-replay anchor` and `salvage` append one; verify checks the newest, so a log
// that lost events or was rewritten since fails even when no anchor is given on the command line.
struct recorded_anchor {
  anchor at;
  std::string time, by;  // ISO-8601 UTC; "anchor" or "salvage"
};
std::string anchors_path(const std::string& data_dir);
status record_anchor(const std::string& data_dir, const recorded_anchor& a);
// The last anchor of the file; nullopt when there is none; errc::integrity when a line is not one.
result<std::optional<recorded_anchor>> newest_anchor(const std::string& data_dir);

struct verify_outcome {
  verify_report store;                      // sequences, hashes, chain, index
  std::uint64_t campaigns = 0;              // campaign streams folded
  std::uint64_t snapshots_checked = 0;      // snapshots compared with the fold
  std::optional<verify_break> first_break;  // the store's, or the fold's, or the anchor's
};
// The store's checks, then every event through the catalog and the engine's apply(), comparing
// each campaign's fold with the engine's latest snapshot of it; with an anchor, also that the
// event at anchor.seq still has anchor.hash.
// With a recorded anchor too: the log must reach it with the same hash.
result<verify_outcome> verify_all(const event_store& store, const std::optional<anchor>& a,
                                  const std::optional<recorded_anchor>& recorded = std::nullopt);

// `baton-replay salvage`: a log whose WAL is damaged (or lost) opens strictly no more. Salvage
// keeps the intact prefix, copies the damaged WAL files and the events it drops that are still
// readable (dropped.jsonl) into DATA_DIR/salvaged-TIME/, records a store_salvaged event and a new
// anchor. Needs the data dir (errc::unavailable while an engine holds it).
struct salvage_outcome {
  bool needed = false;  // false: the log opened intact, nothing was done
  std::uint64_t head_before = 0, head_after = 0, readable_dropped = 0;
  std::optional<wal_damage> damage;
  std::string kept_in;
  std::uint64_t event_seq = 0;  // the store_salvaged event
  anchor new_anchor;
};
result<salvage_outcome> salvage(const std::string& data_dir, const std::string& actor);

// A point in the log: events with time <= at, or global sequence <= seq (neither: the end).
struct point {
  std::optional<time_us> at;
  std::optional<std::uint64_t> seq;
};
result<campaign_state> state_at(const event_store& store, const std::string& id, const point& p);

// What changed between two states of a campaign: status, definition, runs, task counts.
nlohmann::json diff_states(const campaign_state& before, const campaign_state& after);
// The events of a campaign strictly after `from` and up to `to`.
result<std::vector<event>> events_between(const event_store& store, const std::string& id,
                                          const point& from, const point& to);
// One line per event: time, identity, command id, event type and what it says.
result<std::string> timeline(const event_store& store, const std::string& id);
// The same history for machines: each event as `batonctl events --json` shows it, plus "text",
// its line of the human timeline.
result<std::vector<nlohmann::json>> timeline_json(const event_store& store, const std::string& id);

// Every event (envelope + payload JSON + the exact payload bytes in base64) as JSON lines.
status export_jsonl(const event_store& store, const std::string& campaign, std::ostream& out);
// The events after global sequence `after`, as export_jsonl writes them (what a log that skips
// damaged records still holds past a salvage's cut).
struct exported_range {
  std::uint64_t count = 0, last = 0;
};
result<exported_range> export_after(const event_store& store, std::uint64_t after,
                                    std::ostream& out);
// Appends an export to an empty store exactly as it was (same sequences, times and hashes).
result<std::uint64_t> import_jsonl(event_store& store, std::istream& in);

}  // namespace baton::replay
