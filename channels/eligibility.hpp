// Who may receive a message: consent for marketing sends, and an address that passes a sanity
// check for the channel. A recipient is either eligible (with the normalised address) or
// excluded for one of the stable reasons that reports count.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "events/result.hpp"
#include "model/entity_schema.hpp"

namespace baton::channels {

// Exclusion reasons; to_string gives the stable text used in reports and events.
enum class exclusion_reason {
  no_consent,           // "no consent": marketing send, consent column not true (or no column)
  no_address,           // "no address": the address column is null or blank
  invalid_address,      // "invalid address": fails the channel's sanity check
  outside_send_window,  // "outside send window": cannot be sent within the 12 h window
  suppressed,           // "suppressed": on the suppression list (checked before consent)
  fatigue,              // "fatigue": the recipient had enough marketing messages lately
  quiet_hours,          // "quiet_hours": outside the recipient's window; deferred, not dropped
};
const char* to_string(exclusion_reason r);
std::optional<exclusion_reason> exclusion_reason_from_string(std::string_view s);

enum class category { marketing, transactional };
const char* to_string(category c);
std::optional<category> category_from_string(std::string_view s);

// The normalised address, or nullopt when `raw` is not plausible for the channel:
// - email: trimmed; no spaces/controls/<>,;; exactly one '@'; a non-empty local part; a domain
//   with a dot, no empty labels, letters/digits/'-' only; at most 254 characters.
// - sms: trimmed, separators (space . - ( ) /) removed; an optional leading '+' then 7 to 15
//   digits (E.164 allows 15), not starting with 0 after '+'.
// - push: trimmed; non-empty, at most 4096 characters, no whitespace or control characters.
// Blank input is nullopt here too; check_recipient tells "no address" from "invalid address".
std::optional<std::string> normalise_address(baton::channel ch, std::string_view raw);

// Where a channel finds the address and consent of a recipient row.
struct recipient_rules {
  baton::channel channel = baton::channel::email;
  channels::category category = category::marketing;
  std::string address_column;
  std::string consent_column;  // "" = the entity has none (every marketing row is excluded)
};

// The rules for rows of `e` (errc::validation when `e` has no address column for `ch`).
result<recipient_rules> rules_for(const entity& e, baton::channel ch, channels::category c);

struct eligibility {
  bool eligible = false;
  exclusion_reason reason = exclusion_reason::no_address;  // when not eligible
  std::string address;                                     // normalised, when eligible
};

// Checks one row (a JSON object of column -> value). Consent is true for JSON true, a non-zero
// number, or the text true/yes/1/t/y (any case); anything else, null or absent is no consent.
// Consent is checked first, then the address.
eligibility check_recipient(const recipient_rules& rules, const nlohmann::json& row);

// A row's key value as text: strings as they are, numbers in JSON form ("" for null).
std::string key_text(const nlohmann::json& v);

}  // namespace baton::channels
