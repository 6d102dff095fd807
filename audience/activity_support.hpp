// Internal to the activity functions (audience/act_*.cpp): the state of one activity run and
// the helpers they share. Not a public API: the engine uses audience/activities.hpp.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audience/activities.hpp"
#include "audience/filter.hpp"
#include "audience/worktable.hpp"

namespace baton::audience::detail {

using nlohmann::json;

struct activity_run {
  backend& b;
  const entity_schema& schema;
  const task_input& in;
  const data_options& opts;
  const json& o;  // the activity's options
  wt_owner owner;
  filter_env env;
  std::string seed;  // for random choices: campaign/run/activity
  task_outcome out;

  // The worktable of inbound population `i`, and of the population from `source` (an id).
  result<worktable> input(std::size_t i);
  result<worktable> input_from(const std::string& source);
  // The only inbound population (errc::validation when there is none).
  result<worktable> single_input();
  // Creates the worktable of `output` with `wt`'s dimension, keys and columns.
  status create(worktable& wt, const std::string& output);
  // Counts and fingerprints `wt` and adds it to the outcome's outputs.
  status emit(const worktable& wt, const std::string& output);
  // Like emit, but an empty table is dropped and not emitted (the branch stops).
  status emit_unless_empty(const worktable& wt, const std::string& output, const char* why);
  void log(std::string line) { out.logs.push_back(std::move(line)); }
  error invalid(const std::string& where, const std::string& what) const;
};

// A worktable holding only the key of entity `e`.
worktable entity_worktable(const entity& e);
const entity* find_dimension(const activity_run& r, const std::string& name, error& err);
// "alias.c1, alias.c2, ..." and "c1, c2, ..." for the columns of a worktable.
std::string select_columns(const std::vector<wt_column>& cols, const std::string& alias);
std::string column_list(const std::vector<wt_column>& cols);
// Runs a built statement.
status run(backend& b, const sql_builder& q);

// Saved audiences.
struct saved_audience {
  std::string name, table;
  worktable wt;  // columns and keys of the saved rows (table = the audience's table)
};
result<saved_audience> find_audience(backend& b, const std::string& name);

// One function per activity.
status build_audience(activity_run& r);
status read_audience(activity_run& r);
status incremental_query(activity_run& r);
status change_dimension(activity_run& r);
status save_audience(activity_run& r);
status combine(activity_run& r);
status deduplication(activity_run& r);
status enrichment(activity_run& r);
status split(activity_run& r);
status reconciliation(activity_run& r);
status load_file(activity_run& r);
status update_data(activity_run& r);

}  // namespace baton::audience::detail
