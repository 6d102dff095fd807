// Selecting and showing events for operators: a filter over the envelope and payload (stream,
// campaign, type, actor, run, activity, time and sequence ranges) and a one-line rendering
// that fits a terminal. Used by `batonctl events` and `baton-replay`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "events/catalog.hpp"
#include "events/event.hpp"

namespace baton::cli {

struct event_filter {
  std::string stream, campaign, type, actor, activity;
  std::optional<std::uint32_t> run;
  std::optional<std::int64_t> since_us, until_us;  // [since, until]
  std::optional<std::uint64_t> since_seq, until_seq;
  // Envelope-only checks, cheap; `matches` adds the payload checks on the event's JSON.
  bool matches_envelope(const event& e, const event_catalog& c) const;
  bool matches(const event& e, const nlohmann::json& ej, const event_catalog& c) const;
  // The single stream to read when the filter names one (faster than a full scan).
  std::optional<std::string> only_stream() const;
};

// "12  2026-11-22T10:50:12Z  campaign/c-1a2b#3  task_completed  alice  run=1 activity=gold ..."
std::string format_event_line(const nlohmann::json& ej, std::size_t width);
std::string format_event_header(std::size_t width);
std::size_t terminal_width();

}  // namespace baton::cli
