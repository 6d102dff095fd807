// Reading a channel activity's population for the channel runner: its rows in key order with
// their entity's columns, turned batch by batch into messages or exclusions. While the caller
// sends one batch, the reader already reads and renders the next on a second connection.
#pragma once

#include <cstdint>
#include <future>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "audience/backend.hpp"
#include "audience/worktable.hpp"
#include "channels/channel_activity.hpp"
#include "model/config.hpp"
#include "model/entity_schema.hpp"
#include "model/flow_activities.hpp"
#include "model/time.hpp"

namespace baton {

constexpr std::int64_t k_no_limit = std::numeric_limits<std::int64_t>::max();

// What one batch may take: at most `n` rows from row `from`, until `wave_end` eligible
// recipients have been handled in all; eligible recipients from `sendable_end` on are past the
// send window.
struct batch_limits {
  std::int64_t from = 0, n = 0, wave_end = k_no_limit, sendable_end = k_no_limit;
};

// Where a batch starts: the key of the row before it (none: `from` is used as an OFFSET, as for
// the first batch after a restart) and the eligible recipients handled before it.
struct read_start {
  std::optional<audience::value> after;
  std::int64_t seen = 0;
};

// The rows of one batch: the messages to send (with the row each came from) and the rows
// excluded, with why.
struct batch_rows {
  std::vector<channels::message> msgs;
  std::vector<std::string> keys;     // per message: its recipient key as text
  std::vector<std::int64_t> row;     // per message: its row within the batch
  std::vector<std::string> variant;  // per message: the experiment variant it carries ("" none)
  std::vector<std::pair<std::int64_t, const char*>> excluded;
  std::vector<audience::value> row_keys;  // every row's key, as the worktable types it
  std::int64_t taken = 0;
  std::int64_t seen_end = 0;              // eligible recipients handled up to the batch's end
  std::optional<duration_us> quiet_wait;  // the soonest window of the rows deferred (quiet_hours)
};

// What a send checks beyond consent and address (INTERFACES.md §9): tracking (nullptr = none),
// the suppression list (checked before consent) and the fatigue rules, counted from the
// deliveries table as of `now`.
struct send_checks {
  const channels::tracking_setup* tracking = nullptr;
  bool suppression = false;  // the suppression table exists
  std::vector<fatigue_rule> fatigue;
  std::string only_in;  // read only the rows whose key this table holds ("" = every row)
  // Experiments and control groups: the table of the rows drawn (row key, `grp`: a variant's
  // name or k_control_group). `test` reads only the variants' rows, each rendered with its
  // variant; otherwise the rows drawn are left out (the control group, and the test share
  // already sent).
  std::string groups;
  bool test = false;
};

inline constexpr const char* k_control_group = "#control";

class population_reader {
 public:
  // Reads `wt` (of `rows` rows) joined with entity `e` on `b`; `url` and `data_dir` open the
  // second connection for reading ahead (without it, every batch is read when asked for).
  population_reader(audience::backend& b, std::string url, std::string data_dir,
                    const audience::worktable& wt, const entity& e,
                    const channels::channel_activity& act, const channels::recipient_rules& rules,
                    const task_input& in, std::int64_t rows, std::int64_t batch,
                    send_checks checks = {});
  ~population_reader();  // waits for a read still in flight
  population_reader(const population_reader&) = delete;
  population_reader& operator=(const population_reader&) = delete;

  // How many rows pass the consent and address checks: what waves split.
  result<std::int64_t> count_eligible();
  // The batch `lim` allows from `start`. Then starts reading the batch after it, as if this
  // one will be sent whole; a call for anything else discards that read.
  result<batch_rows> next(const read_start& start, const batch_limits& lim);

 private:
  struct out_col {
    std::string name;
    column_type type = column_type::string;
    bool json = false;
    std::string sql;
  };
  std::string rows_sql(audience::backend& b, const std::vector<out_col>& cols, std::int64_t from,
                       std::int64_t n, bool after_key) const;
  result<batch_rows> read(audience::backend& b, const read_start& start,
                          const batch_limits& lim) const;
  struct candidate;
  result<std::vector<channels::exclusion_reason>> precheck(
      audience::backend& b, const std::vector<candidate>& rows) const;
  void read_ahead(const read_start& start, const batch_limits& lim);

  audience::backend& b_;
  std::string url_, data_dir_;
  const audience::worktable& wt_;
  const entity& e_;
  const channels::channel_activity& act_;
  const channels::recipient_rules& rules_;
  const task_input& in_;
  std::int64_t rows_, batch_;
  send_checks checks_;
  std::vector<out_col> cols_;
  std::unique_ptr<audience::backend> ahead_db_;
  bool ahead_failed_ = false;
  std::future<result<batch_rows>> ahead_;
  std::int64_t ahead_from_ = -1, ahead_seen_ = -1;
  batch_limits ahead_lim_;
};

}  // namespace baton
