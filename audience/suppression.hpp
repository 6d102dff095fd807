// The suppression list and the bounce history behind it, in the data plane (INTERFACES.md §9):
//   baton_suppression(channel, address, reason, source, created_at, PK(channel, address, reason))
//   baton_bounces(report_id PK, channel, address, class, message_id, at, source)
// One hard bounce, N soft bounces within D days (from each report's date), a complaint or an
// unsubscribe suppress an address on a channel; `unsubscribe` entries apply to marketing only,
// every other reason to every category. Addresses are kept normalised (suppression_address).
// No function begins or commits a transaction: the caller may be inside its own.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "audience/backend.hpp"
#include "events/clock.hpp"
#include "model/config.hpp"
#include "model/problem.hpp"

namespace baton::audience {

// Reasons recorded by Baton; operators may add entries with other reasons (they apply to every
// category, like `manual`).
inline constexpr const char* k_reason_hard = "hard_bounce";
inline constexpr const char* k_reason_soft = "soft_bounce";
inline constexpr const char* k_reason_complaint = "complaint";
inline constexpr const char* k_reason_unsubscribe = "unsubscribe";
inline constexpr const char* k_reason_manual = "manual";

struct suppression_entry {
  std::string channel;     // email, sms, push
  std::string address;     // normalised
  std::string reason;      // k_reason_* or an operator's word
  std::string source;      // what made it: "dsn:<report id>", "webhook:NAME", "import", "user:NAME"
  std::string created_at;  // ISO-8601 UTC (model/time.hpp format_time)
  bool operator==(const suppression_entry&) const = default;
};

// Creates both tables when missing (idempotent).
status ensure_suppression_tables(backend& b);

// The form an address is kept and compared in: trimmed; email in lowercase; sms without the
// separators space . - ( ) /. "" when blank.
std::string suppression_address(std::string_view channel, std::string_view address);

// Checks an entry typed by a person (add, import): channel email/sms/push, a non-blank address,
// a reason of 1-64 characters without control characters. errc::validation saying which.
status check_entry(const suppression_entry& e);

// Adds an entry (the address normalised); true when it is new, false when (channel, address,
// reason) was already there (the first entry's source and date are kept).
result<bool> add_suppression(backend& b, suppression_entry e);

// Removes every entry of (channel, address); returns how many.
result<std::uint64_t> remove_suppression(backend& b, std::string_view channel,
                                         std::string_view address);

// Entries ordered by channel, address, reason; all channels when `channel` is "".
result<std::vector<suppression_entry>> list_suppressions(backend& b,
                                                         const std::string& channel = "");

// The addresses among `addresses` (normalised, as eligibility gives them) that may not get a
// message of this category on `channel`. One query per 500 addresses.
result<std::set<std::string>> suppressed_among(backend& b, const std::string& channel,
                                               bool marketing,
                                               const std::vector<std::string>& addresses);

// The CSV of `export` (header address,channel,reason; RFC 4180 quoting where needed).
std::string suppression_csv(const std::vector<suppression_entry>& entries);

struct suppression_import {
  std::uint64_t added = 0, already = 0;
  problems rejected;  // pointer "line N": why the row was not taken
};
// Reads the file `path` as suppression_csv writes it (columns in any order; `reason` optional:
// `manual`) and adds each row with `source` and `created_at`. errc::not_found when the file
// cannot be opened, errc::validation when it lacks a column or is not CSV.
result<suppression_import> import_suppression_csv(backend& b, const std::string& path,
                                                  const std::string& source,
                                                  const std::string& created_at);

// One bounce, complaint or unsubscribe of an address, from a DSN, a mail or a webhook.
struct bounce_event {
  std::string report_id;  // unique per report: a second one with this id changes nothing
  std::string channel = "email";
  std::string address;     // required
  std::string kind;        // "hard", "soft", "complaint", "unsubscribe"
  std::string message_id;  // the message it is about ("" when unknown)
  time_us at = 0;          // the report's Date (its arrival when it has none)
  std::string source;      // the suppression entry's source when this one suppresses
};

struct bounce_outcome {
  bool duplicate = false;  // report_id seen before: nothing recorded
  std::string suppressed;  // the reason of the suppression entry this event added, "" = none
};

// Records the event and applies `rules`: hard bounces suppress after rules.hard of them; soft
// after rules.soft within rules.soft_days days up to the event's date; a complaint and an
// unsubscribe at once. errc::validation for an unknown kind or a blank address.
result<bounce_outcome> record_bounce(backend& b, const bounce_event& e,
                                     const suppress_rules& rules);

}  // namespace baton::audience
