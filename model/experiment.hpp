// Experiments and control groups of channel activities (INTERFACES.md §10): `variants` with
// `experiment` {testShare, wait, metric} and `controlGroup` {share} or {count}, read from a
// validated definition, and their validation with JSON pointers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/json_reader.hpp"
#include "model/time.hpp"

namespace baton {

// "P%" -> P (any decimal number), nullopt when the text is not of that form.
std::optional<double> parse_percent(const std::string& text);

// `controlGroup`: a share of the population ("10%", at most 50 %) or a count of rows.
struct control_spec {
  std::optional<double> share;        // percent
  std::optional<std::int64_t> count;  // rows
  // The rows held out of `population`: floor(share × population), or the count — never more
  // than half the population (a count is capped there).
  std::int64_t held_out(std::int64_t population) const;
};
std::optional<control_spec> read_control(const nlohmann::json& j);  // null/absent: nullopt

struct experiment_spec {
  double test_share = 0;  // percent, 0 < P < 100
  duration_us wait = 0;
  std::string metric = "opens";       // opens | clicks
  std::vector<std::string> variants;  // names, in order (the first wins a tie)
  // floor(test_share × population): the rows the variants share.
  std::int64_t test_rows(std::int64_t population) const;
};
// The experiment of a channel activity's options (nullopt without `variants`).
std::optional<experiment_spec> read_experiment(const nlohmann::json& options);

// Validation. `controlGroup` at r.at(key): exactly one of `share` ("P%", 0 < P <= 50) and
// `count` (a positive integer).
void check_control_group(const json_reader& r, const char* key);
// `variants` and `experiment` of a channel activity whose content members are `content`: 2 to 5
// variants, each a unique `name` and the content; then the activity's own content members, and
// `waves` and `quietHours`, are refused. Returns whether the activity has variants.
bool check_variants(const json_reader& r, const std::vector<const char*>& content, bool email);

}  // namespace baton
