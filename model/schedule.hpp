// Campaign schedules: as soon as possible, once at an instant, recurring by cron expression in a
// time zone (DST-correct) within an optional validity window, triggered by a signal, or by the
// API one recipient at a time (`campaign trigger`).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/result.hpp"
#include "model/problem.hpp"
#include "model/time.hpp"

namespace baton {

// A parsed cron expression: 5 fields "minute hour day-of-month month day-of-week".
// Fields take *, lists (1,5), ranges (1-5), steps (*/15, 0-30/10), month names JAN-DEC and
// day names SUN-SAT (0 and 7 are Sunday). Day-of-month and day-of-week combine as in Vixie cron:
// when both are restricted, a day matches if either matches.
class cron_expression {
 public:
  static result<cron_expression> parse(std::string_view text);  // errc::validation with a reason
  const std::string& text() const { return text_; }
  // The first instant strictly after `after` at which the expression fires, evaluated on the wall
  // clock of `zone` (an IANA name such as "Europe/Paris"). A wall time skipped by a DST change
  // fires at the first instant after the gap; a repeated wall time fires once (the first).
  // nullopt when there is none within 5 years or the zone is unknown.
  std::optional<time_us> next_after(time_us after, const std::string& zone) const;

 private:
  std::string text_;
  std::uint64_t minutes_ = 0;  // bit i: minute i matches
  std::uint32_t hours_ = 0;
  std::uint32_t days_ = 0;     // bit d (1..31)
  std::uint16_t months_ = 0;   // bit m (1..12)
  std::uint8_t weekdays_ = 0;  // bit w (0..6, Sunday = 0)
  bool dom_star_ = true, dow_star_ = true;
  friend struct cron_access;
};

struct schedule {
  enum class kind { asap, at, cron, signal, api };
  kind k = kind::asap;
  time_us at = 0;                       // kind::at
  std::optional<cron_expression> cron;  // kind::cron
  std::string timezone = "UTC";         // kind::cron
  std::optional<time_us> from, until;   // kind::cron validity window [from, until)
};

// Parses the "schedule" member of a campaign (INTERFACES.md §4): absent/null -> asap,
// {"at": TIME}, {"cron": EXPR, "timezone", "from", "until"}, {"signal": true}, {"api": true}.
// Every problem is appended to `out` with its pointer under `pointer` (e.g. "/schedule/cron");
// a cron that can fire more often than every `min_interval` (default 15 min) is a warning.
// Returns the schedule when there was no error.
std::optional<schedule> parse_schedule(const nlohmann::json* j, const std::string& pointer,
                                       problems& out,
                                       duration_us min_interval = 15 * us_per_minute);

// The next `n` run times strictly after `now` (asap: none — it runs on start/publish; at: the
// instant if still in the future, else none; signal, api: none). Cron runs respect the window; a
// `from` in the past rolls to the next valid slot.
std::vector<time_us> next_runs(const schedule& s, time_us now, int n);

// The preview of PRODUCT.md §1 ("next N run times"): the instants of next_runs, each also on the
// wall clock of the schedule's zone (UTC but for cron), and, when there is none, why.
struct schedule_preview {
  std::string timezone;            // the zone of `local`: the cron's, else "UTC"
  std::vector<time_us> next;       // next_runs(s, now, n)
  std::vector<std::string> local;  // the same instants as "2026-03-29T09:00:00+02:00"
  std::string note;                // "" when `next` is not empty
};
schedule_preview preview_schedule(const schedule& s, time_us now, int n);

// `t` on the wall clock of `zone` with its UTC offset: "2026-10-25T02:30:00+01:00" ("" for an
// unknown zone).
std::string format_local_time(time_us t, const std::string& zone);

// The shortest gap between two consecutive firings of a cron expression over a year of slots
// starting at `from` (used for the "more often than every 15 minutes" guardrail).
duration_us shortest_interval(const cron_expression& c, const std::string& zone, time_us from);

}  // namespace baton
