// The targeting and data-management activities (PRODUCT.md §2, INTERFACES.md §4.1) as one entry
// point over a backend: each reads its inbound worktables, writes one worktable per output and
// reports counts and fingerprints. Re-running the same (campaign, run, activity) replaces its
// worktables and gives the same outcome (random choices are seeded by campaign, run, activity).
#pragma once

#include <cstdint>
#include <string>

#include "audience/backend.hpp"
#include "model/flow_activities.hpp"

namespace baton::audience {

struct data_options {
  // The campaign's targeting dimension: the default `dimension` of build_audience and
  // incremental_query ("" = task_input's `dimension`, when the model provides one).
  std::string campaign_dimension;
  // load_file reads only files under this directory ("" = load_file is refused).
  std::string import_dir;
  std::uint64_t max_file_bytes = 50ull << 20;  // load_file guardrail (PRODUCT.md §5)
};

// build_audience, read_audience, incremental_query, change_dimension, combine, deduplication,
// enrichment, reconciliation, split, save_audience, load_file, update_data.
bool is_data_activity(activity_type t);

// Runs `in.act` (one of the above) in one transaction. Errors: errc::validation for options or
// inputs that do not fit the data (unknown fields, type mismatches, a bad file), errc::not_found
// for a missing saved audience, worktable or file, errc::failed for database failures and for
// load_file over maxErrors. save_audience in a test run saves nothing and passes its input on.
result<task_outcome> run_data_activity(backend& b, const entity_schema& schema,
                                       const task_input& in, const data_options& opts);

}  // namespace baton::audience
