// Deliveries and their feedback, kept in the data plane so that filters can retarget on them
// (INTERFACES.md §4 `feedback`, PRODUCT.md §3 "received campaign X but did not click"):
//   baton_deliveries(message_id PK, campaign, run, activity, channel, recipient, dimension,
//                    sent_at, category, variant)   one row per message sent; recipient = the
//                    entity key as text; category marketing|transactional (NULL: recorded before
//                    it was); variant: the experiment variant it carried (NULL/"" = none)
//   baton_feedback(message_id, event, at, PK(message_id, event, at))   delivered, opened, ...
//   baton_held_out(campaign, run, activity, dimension, recipient, PK(all))   the recipients a
//                    control group held out (the `feedback` filter's event `held_out`)
// The engine records what it sends (record_deliveries, inside its own transaction if it likes)
// and what the connectors report back (find_delivery + record_feedback). All values are bound
// parameters; times are text (canonical ISO-8601 UTC is recommended).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "audience/backend.hpp"
#include "events/clock.hpp"

namespace baton::audience {

struct delivery_row {
  std::string message_id, campaign;
  std::uint32_t run = 0;
  std::string activity, channel, recipient, dimension;
  std::string category = "marketing";  // marketing or transactional: fatigue counts marketing
};

// Creates the tables and their indexes when missing, and adds the `category` and `variant` columns
// to a deliveries table made before it existed (idempotent; no transaction of its own). Call it
// once before record_*/find_delivery on a backend (e.g. when the engine opens it).
status ensure_delivery_tables(backend& b);

// Records sent messages; a message_id already recorded is left alone. Returns how many rows
// were new. Does NOT begin/commit: the caller may be inside its own transaction.
// `variants`: per row, the experiment variant it carried ("" or absent: none).
result<std::uint64_t> record_deliveries(backend& b, const std::vector<delivery_row>& rows,
                                        const std::string& sent_at,
                                        const std::vector<std::string>& variants = {});

// Records the recipients (entity keys as text, as deliveries record them) that a control group of
// (campaign, run, activity) held out; repeats are left alone. Does NOT begin/commit.
status record_held_out(backend& b, const std::string& campaign, std::uint32_t run,
                       const std::string& activity, const std::string& dimension,
                       const std::vector<std::string>& recipients);
// True once baton_held_out exists (a data plane of an older engine may lack it).
result<bool> held_out_table_exists(backend& b);

struct delivery_ref {
  std::string campaign;
  std::uint32_t run = 0;
  std::string activity, channel, recipient;
  std::string dimension;  // the entity the recipient key belongs to
};

// The delivery of a message_id, or nullopt when it was never recorded.
result<std::optional<delivery_ref>> find_delivery(backend& b, const std::string& message_id);

// Records one feedback event of a message (idempotent per (message_id, event, at)).
status record_feedback(backend& b, const std::string& message_id, const std::string& event,
                       const std::string& at);

// Feedback events of messages, with one prepared statement (a batch of tracking hits).
struct feedback_row {
  std::string message_id, event, at;
};
status record_feedback(backend& b, const std::vector<feedback_row>& rows);

// An experiment's figures per variant (INTERFACES.md §10): messages sent, opens and unique
// opens, clicks and unique clicks (from baton_feedback) of `activity` of `campaign`, in run `run`
// (0 = every run). Variants without a message are absent.
struct variant_tally {
  std::uint64_t sent = 0, opens = 0, unique_opens = 0, clicks = 0, unique_clicks = 0;
};
result<std::map<std::string, variant_tally>> variant_tallies(backend& b,
                                                             const std::string& campaign,
                                                             const std::string& activity,
                                                             std::uint32_t run);

// True when both tables exist (filters on feedback match nothing otherwise).
result<bool> delivery_tables_exist(backend& b);

// Fatigue (deliverability.fatigue): how many marketing messages each of `recipients` (entity
// keys of `dimension`) was sent on `channel` (email, sms, push) since `since`, across all
// campaigns; recipients without any are absent. Rows from before the category column count as
// marketing. One query per 500 recipients; `since` is taken to the whole second.
result<std::map<std::string, std::int64_t>> marketing_sent_since(
    backend& b, const std::string& dimension, const std::string& channel, time_us since,
    const std::vector<std::string>& recipients);

// The index marketing_sent_since reads (dimension, recipient, channel, sent_at). Not made by
// ensure_delivery_tables (it costs every send a little): the engine makes it when fatigue rules
// are configured. Idempotent.
status ensure_fatigue_index(backend& b);

}  // namespace baton::audience
