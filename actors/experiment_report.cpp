#include "actors/experiment_report.hpp"

#include "audience/backend.hpp"
#include "audience/deliveries.hpp"
#include "model/experiment.hpp"

namespace baton {

result<std::map<std::string, std::vector<ev::variant_figures>>> variant_report(
    const std::string& data_url, const std::string& data_dir, const campaign_state& s) {
  std::map<std::string, std::vector<ev::variant_figures>> out;
  if (!s.def) return out;
  std::vector<std::pair<std::string, experiment_spec>> experiments;
  for (auto& a : s.def->activities)
    if (is_channel(a.type))
      if (auto ex = read_experiment(a.options)) experiments.emplace_back(a.id, *ex);
  if (experiments.empty()) return out;
  auto b = audience::open_backend(data_url, data_dir);
  if (!b) return b.err();
  auto there = audience::delivery_tables_exist(*b.value());
  if (!there) return there.err();
  if (*there)
    if (auto e = audience::ensure_delivery_tables(*b.value()); !e) return e.err();
  for (auto& [id, ex] : experiments) {
    std::map<std::string, audience::variant_tally> tallies;
    if (*there) {
      auto t = audience::variant_tallies(*b.value(), s.id, id, 0);
      if (!t) return t.err();
      tallies = std::move(t.value());
    }
    auto& row = out[id];
    for (auto& name : ex.variants) {
      audience::variant_tally t;
      if (auto it = tallies.find(name); it != tallies.end()) t = it->second;
      row.push_back({name, t.sent, t.opens, t.unique_opens, t.clicks, t.unique_clicks});
    }
  }
  return out;
}

}  // namespace baton
