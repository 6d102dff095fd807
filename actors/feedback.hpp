// Feedback rows (message_id,event,time) matched to the messages the engine sent: each known
// message gives the campaign, run and activity it belongs to; unknown ids and bad rows are
// rejected with their line number. Matched rows are also recorded in the data plane, where the
// `feedback` filter (retargeting) reads them. Blocking: it queries the data plane.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/engine.hpp"

namespace baton {

struct feedback_batch {
  // id -> [{line, run, activity, message_id, ...}]
  std::map<std::string, nlohmann::json> by_campaign;
  nlohmann::json rejected = nlohmann::json::array();  // [{line, reason}]
  std::uint64_t rows = 0;                             // data rows read (header excluded)
  std::uint64_t accepted = 0;                         // rows matched to a sent message
};

result<feedback_batch> match_feedback(const engine_options& o, const std::string& csv);

}  // namespace baton
