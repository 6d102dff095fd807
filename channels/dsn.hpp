// Reading the mail that comes back (PRODUCT.md §8.2, INTERFACES.md §9 `bounces ingest`):
// RFC 3464 delivery status notifications (hard 5.x.x / soft 4.x.x), RFC 5965 feedback-loop
// reports (complaints) and mails to the unsubscribe mailbox (LOCAL+TOKEN@DOMAIN). Parsed with
// GMime (Debian libgmime-3.0); any input gives a report — garbage is `unmatched`, never a crash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/result.hpp"

#include "channels/tracking_token.hpp"

namespace baton::channels {

enum class dsn_class { hard, soft, complaint, unsubscribe, unmatched };
const char* to_string(dsn_class c);  // "hard", "soft", "complaint", "unsubscribe", "unmatched"

struct dsn_report {
  dsn_class kind = dsn_class::unmatched;
  // Baton's message id: the X-Baton-Message-Id of the returned headers, else the left part of
  // their Message-ID when it is 32 hex digits, else (unsubscribe mails) the token's; "" = none.
  std::string message_id;
  std::string original_message_id;  // the returned Message-ID without <>, "" when absent
  // The address that failed: Original-Recipient, else Final-Recipient (the type prefix such as
  // "rfc822;" removed); complaints: Original-Rcpt-To; else the returned To; unsubscribe: From.
  std::string recipient;
  std::string status;                // "5.1.1"; complaints: the Feedback-Type ("abuse")
  std::string action;                // "failed", "delayed" (DSNs)
  std::string diagnostic;            // the Diagnostic-Code, unfolded
  std::optional<std::int64_t> date;  // the report's Date, microseconds since the epoch (UTC)
  // The report's own Message-ID, else "sha256:" + hex of its bytes: the same mail read twice
  // has the same report_id (how `bounces ingest` counts a duplicate).
  std::string report_id;
  std::string unsubscribe_token;  // unsubscribe: the TOKEN of LOCAL+TOKEN@DOMAIN
  std::string reason;             // unmatched: why, in words
};

struct dsn_options {
  std::string unsubscribe_mailto;        // config `tracking.unsubscribeMailto` ("" = none)
  const token_signer* signer = nullptr;  // verifies unsubscribe tokens (nullptr: not checked)
};

// Classifies one mail (the bytes of an .eml or maildir file). A DSN's class comes from the
// Status of its recipient groups: a 5.x.x one makes it hard, else a 4.x.x one soft (failed or
// delayed); 2.x.x (delivered, relayed) is unmatched. A feedback report is a complaint (unless
// its Feedback-Type is not-spam). A DSN or report without a message id in its returned headers,
// and mails of no known kind, are unmatched. Input over 32 MiB is unmatched unread.
dsn_report parse_dsn(std::string_view raw, const dsn_options& options = {});

// The mail files of PATH, sorted: the file itself; or a directory's regular files and those of
// its new/ and cur/ (a maildir; tmp/ holds mails still being written and is skipped).
// errc::not_found when PATH does not exist, errc::failed when it cannot be read.
result<std::vector<std::string>> mail_files(const std::string& path);

}  // namespace baton::channels
