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

struct verify_outcome {
  verify_report store;                      // sequences, hashes, chain, index
  std::uint64_t campaigns = 0;              // campaign streams folded
  std::uint64_t snapshots_checked = 0;      // snapshots compared with the fold
  std::optional<verify_break> first_break;  // the store's, or the fold's, or the anchor's
};
// The store's checks, then every event through the catalog and the engine's apply(), comparing
// each campaign's fold with the engine's latest snapshot of it; with an anchor, also that the
// event at anchor.seq still has anchor.hash.
result<verify_outcome> verify_all(const event_store& store, const std::optional<anchor>& a);

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
// Appends an export to an empty store exactly as it was (same sequences, times and hashes).
result<std::uint64_t> import_jsonl(event_store& store, std::istream& in);

}  // namespace baton::replay
