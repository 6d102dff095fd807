// Worktables: the tables that carry a population along a transition, one per (campaign, run,
// activity, output), holding a row key (the dimension's key, or `_line` for file rows) and the
// columns added upstream. A registry table records each one's columns so the next activity, the
// channels and retention know what it holds. Fingerprints hash the content (order-independent)
// and are the same on SQLite and PostgreSQL for the same rows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audience/backend.hpp"
#include "events/campaign_events.hpp"
#include "model/time.hpp"

namespace baton::audience {

struct wt_column {
  std::string name;
  column_type type = column_type::string;
  bool json = false;  // a JSON document stored as text (collected lines)
  bool operator==(const wt_column&) const = default;
};

// A stored cell as templates see it: typed by the column (floats in one format,
// model/number.hpp), a JSON column parsed (kept as text when it does not parse), null as null.
nlohmann::json cell_json(const value& raw, column_type type, bool json);

struct worktable {
  std::string table;
  std::string dimension;           // entity name; "" for file rows
  std::string row_key;             // unique per row: the dimension's key, or "_line"
  std::string dim_key;             // the column holding the dimension's key ("" without dimension)
  std::vector<wt_column> columns;  // every column, the row key first

  const wt_column* find(std::string_view name) const;
  nlohmann::json columns_json() const;
  static std::vector<wt_column> columns_from_json(const nlohmann::json& j);
};

// Who a worktable belongs to.
struct wt_owner {
  std::string campaign;
  std::uint32_t run = 0;
  std::string activity;
};

// "wt_<campaign>_r<run>_<activity>_<output>_<hash>", sanitised to [a-z0-9_], at most 63 bytes.
std::string worktable_name(const wt_owner& o, const std::string& output);

// The registered worktable `table` (errc::not_found when it is not registered).
result<worktable> describe_worktable(backend& b, const std::string& table);

// Creates `wt` (its `table` is set from the owner and output), replacing a table of that name,
// and registers it.
status create_worktable(backend& b, const wt_owner& o, const std::string& output, worktable& wt,
                        time_us now);
// Drops every worktable of (campaign, run, activity): a re-run starts clean.
status drop_activity_worktables(backend& b, const wt_owner& o);
// Drops every worktable of a run (retention); returns how many were dropped.
result<std::uint64_t> drop_run_worktables(backend& b, const std::string& campaign,
                                          std::uint32_t run);
// Retention (config `retention.logsDays`): drops every worktable of runs 1..`last_run` of the
// campaign (runs end in order); returns how many were dropped. Nothing to drop costs one query.
result<std::uint64_t> drop_worktables_up_to(backend& b, const std::string& campaign,
                                            std::uint32_t last_run);
status drop_worktable(backend& b, const std::string& table);

// The content hash of a table with these columns: 32 hex digits.
result<std::string> fingerprint(backend& b, const std::string& table,
                                const std::vector<wt_column>& columns);
// Counts and fingerprints a worktable into the population an output carries.
result<ev::population> finish_worktable(backend& b, const worktable& wt, const std::string& output);

}  // namespace baton::audience
