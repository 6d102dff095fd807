#include "audience/activities.hpp"

#include "audience/activity_support.hpp"
#include "audience/schema.hpp"

namespace baton::audience {

namespace detail {

// task_input may carry the campaign's dimension itself (newer model); data_options wins if set.
template <class T>
std::string input_dimension(const T& in) {
  if constexpr (requires { in.dimension; })
    return in.dimension;
  else
    return {};
}

error activity_run::invalid(const std::string& where, const std::string& what) const {
  return make_error(errc::validation,
                    "/activities/" + in.act->id + (where.empty() ? "" : "/" + where), what);
}

result<worktable> activity_run::input(std::size_t i) {
  if (i >= in.inputs.size()) return invalid("", "this activity needs an inbound population");
  const auto& [source, pop] = in.inputs[i];
  auto wt = describe_worktable(b, pop.table);
  if (!wt)
    return make_error(
        wt.err().code, "/activities/" + in.act->id,
        "the population from `" + source + "` (table " + pop.table + ") is gone: " + wt.err().what);
  return wt;
}

result<worktable> activity_run::input_from(const std::string& source) {
  for (std::size_t i = 0; i < in.inputs.size(); ++i)
    if (in.inputs[i].first == source) return input(i);
  return invalid("", "`" + source + "` is not an inbound source of this activity");
}

result<worktable> activity_run::single_input() {
  if (in.inputs.empty()) return invalid("", "this activity needs an inbound population");
  return input(0);
}

status activity_run::create(worktable& wt, const std::string& output) {
  return create_worktable(b, owner, output, wt, in.now);
}

status activity_run::emit(const worktable& wt, const std::string& output) {
  auto pop = finish_worktable(b, wt, output);
  if (!pop) return pop.err();
  log(output + ": " + std::to_string(pop->count) + " rows" +
      (wt.dimension.empty() ? "" : " of " + wt.dimension));
  out.outputs.push_back(std::move(*pop));
  return ok_status();
}

status activity_run::emit_unless_empty(const worktable& wt, const std::string& output,
                                       const char* why) {
  auto n = query_int(b, "SELECT count(*) FROM " + quote_id(wt.table));
  if (!n) return n.err();
  if (*n > 0) return emit(wt, output);
  log(output + ": empty, not emitted (" + why + ")");
  return drop_worktable(b, wt.table);
}

worktable entity_worktable(const entity& e) {
  const column* k = e.find_column(e.key);
  return worktable{"", e.name, e.key, e.key, {{e.key, k ? k->type : column_type::integer, false}}};
}

const entity* find_dimension(const activity_run& r, const std::string& name, error& err) {
  const entity* e = r.schema.find_entity(name);
  if (!e)
    err = r.invalid("dimension", name.empty() ? "no dimension: the campaign's dimension is not set"
                                              : "unknown entity `" + name + "`");
  return e;
}

std::string select_columns(const std::vector<wt_column>& cols, const std::string& alias) {
  std::string s;
  for (const auto& c : cols) s += (s.empty() ? "" : ", ") + alias + "." + quote_id(c.name);
  return s;
}

std::string column_list(const std::vector<wt_column>& cols) {
  std::string s;
  for (const auto& c : cols) s += (s.empty() ? "" : ", ") + quote_id(c.name);
  return s;
}

status run(backend& b, const sql_builder& q) {
  auto r = exec(b, q);
  if (!r) return r.err();
  return ok_status();
}

status dispatch(activity_run& r) {
  switch (r.in.act->type) {
    case activity_type::build_audience:
      return build_audience(r);
    case activity_type::read_audience:
      return read_audience(r);
    case activity_type::incremental_query:
      return incremental_query(r);
    case activity_type::change_dimension:
      return change_dimension(r);
    case activity_type::combine:
      return combine(r);
    case activity_type::deduplication:
      return deduplication(r);
    case activity_type::enrichment:
      return enrichment(r);
    case activity_type::reconciliation:
      return reconciliation(r);
    case activity_type::split:
      return split(r);
    case activity_type::save_audience:
      return save_audience(r);
    case activity_type::load_file:
      return load_file(r);
    case activity_type::update_data:
      return update_data(r);
    default:
      return r.invalid(
          "", std::string("`") + to_string(r.in.act->type) + "` is not a data-plane activity");
  }
}

}  // namespace detail

bool is_data_activity(activity_type t) {
  switch (t) {
    case activity_type::build_audience:
    case activity_type::read_audience:
    case activity_type::incremental_query:
    case activity_type::change_dimension:
    case activity_type::combine:
    case activity_type::deduplication:
    case activity_type::enrichment:
    case activity_type::reconciliation:
    case activity_type::split:
    case activity_type::save_audience:
    case activity_type::load_file:
    case activity_type::update_data:
      return true;
    default:
      return false;
  }
}

result<task_outcome> run_data_activity(backend& b, const entity_schema& schema,
                                       const task_input& in, const data_options& opts) {
  if (!in.act) return make_error(errc::validation, "", "no activity to run");
  data_options effective = opts;
  if (effective.campaign_dimension.empty())
    effective.campaign_dimension = detail::input_dimension(in);
  detail::activity_run r{
      b, schema, in, effective, in.act->options, {in.campaign, in.run, in.act->id}, {}, {}, {}};
  r.env.vars = &in.vars;
  r.env.now = in.now;
  r.seed = in.campaign + "/" + std::to_string(in.run) + "/" + in.act->id + "/";
  for (const auto& [source, pop] : in.inputs) r.out.count_in += pop.count;
  auto st = with_transaction(b, [&]() -> status {
    if (auto s = ensure_internal_tables(b); !s) return s;
    if (auto s = drop_activity_worktables(b, r.owner); !s) return s;
    return detail::dispatch(r);
  });
  if (!st) return st.err();
  return std::move(r.out);
}

}  // namespace baton::audience
