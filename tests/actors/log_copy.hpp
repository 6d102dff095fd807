// Crashes at exact points, for in-process recovery tests: a copy of an event log without the
// events a predicate selects, as if the engine had died before appending them.
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

#include "store/event_store.hpp"

namespace baton::testing {

// Copies the log of `from` into a new store in `dir` without the events `drop` selects.
// Consecutive events of one stream, command id and time are appended together, with the same
// command id, so a repeated command is recognised.
inline void copy_log(const event_store& from, const std::string& dir,
                     const std::function<bool(const event&)>& drop) {
  auto opened = event_store::open(dir);
  REQUIRE(opened.ok());
  auto& to = *opened.value();
  std::vector<event> group;
  auto flush = [&] {
    if (group.empty()) return;
    std::vector<event> fresh;
    for (auto& e : group) {
      event n;
      n.type = e.type;
      n.version = e.version;
      n.actor = e.actor;
      n.command_id = e.command_id;
      n.correlation_id = e.correlation_id;
      n.causation_id = e.causation_id;
      n.payload = e.payload;
      fresh.push_back(std::move(n));
    }
    append_options o;
    o.sync = false;
    o.command_id = group.front().command_id;
    REQUIRE(to.append(group.front().stream, any_version, std::move(fresh), o).ok());
    group.clear();
  };
  auto st = from.scan(1, [&](const event& e) {
    if (drop(e)) return true;
    auto& g = group;
    if (!g.empty() && (g.front().stream != e.stream || g.front().command_id != e.command_id ||
                       g.front().time != e.time))
      flush();
    group.push_back(e);
    return true;
  });
  REQUIRE(st.ok());
  flush();
}

}  // namespace baton::testing
