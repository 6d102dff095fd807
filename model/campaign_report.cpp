// The delivery report of a campaign, folded from its tasks' delivery progress and feedback.
#include <cmath>

#include "model/campaign_view.hpp"

namespace baton {

namespace {

using nlohmann::json;

struct figures {
  std::uint64_t people = 0, sent = 0, failed = 0, excluded = 0, in_doubt = 0, repeated = 0;
  std::uint64_t control = 0;  // held out by a control group
  std::map<std::string, std::uint64_t> exclusions;
};

figures delivery_figures(const campaign_state& s, const std::string& id) {
  figures f;
  for (auto& r : s.runs) {
    if (r.test) continue;
    auto* t = r.task(id);
    if (!t || t->status == task_status::pending || t->status == task_status::skipped) continue;
    f.people += t->count_in;
    if (!t->progress) continue;
    f.sent += t->progress->sent;
    f.failed += t->progress->failed;
    f.in_doubt += t->progress->in_doubt;
    f.repeated += t->progress->repeated;
    for (auto& [reason, n] : t->progress->exclusions) {
      auto count = std::stoull(n);
      if (reason == "control") {  // held out: reported as `control`, not as excluded
        f.control += count;
        continue;
      }
      f.exclusions[reason] += count;
      f.excluded += count;
    }
  }
  return f;
}

json activity_report(const campaign_state& s, const activity& a,
                     const std::map<std::string, std::vector<ev::variant_figures>>& variants) {
  auto f = delivery_figures(s, a.id);
  feedback_tally none;
  auto it = s.feedback.find(a.id);
  const feedback_tally& fb = it == s.feedback.end() ? none : it->second;
  auto total = [&](const char* e) { return fb.total.count(e) ? fb.total.at(e) : 0; };
  auto unique = [&](const char* e) -> std::uint64_t {
    return fb.unique.count(e) ? fb.unique.at(e).size() : 0;
  };
  auto delivered = unique("delivered");
  auto base = delivered > 0 ? delivered : f.sent;
  double ctr =
      base > 0 ? 100.0 * static_cast<double>(unique("clicked")) / static_cast<double>(base) : 0.0;
  json out = {{"activity", a.id},
              {"channel", to_string(a.type)},
              {"people", f.people},
              {"targeted", f.people - std::min(f.people, f.excluded + f.control)},
              {"sent", f.sent},
              {"control", f.control},
              {"inDoubt", f.in_doubt},
              {"repeated", f.repeated},
              {"delivered", delivered},
              {"bounced", unique("bounced")},
              {"softBounced", unique("soft_bounced")},
              {"complaints", unique("complained")},
              {"errors", f.failed},
              {"excluded", f.excluded},
              {"exclusions", f.exclusions},
              {"opens", total("opened")},
              {"uniqueOpens", unique("opened")},
              {"clicks", total("clicked")},
              {"uniqueClicks", unique("clicked")},
              {"ctr", std::round(ctr * 100.0) / 100.0},
              {"unsubscribes", unique("unsubscribed")}};
  // Treated vs control, for lift: the people sent to with their engagement, beside the people
  // held out (their outcome is read with a `feedback` filter on event held_out).
  if (f.control > 0)
    out["lift"] = {{"treated",
                    {{"people", f.sent},
                     {"uniqueOpens", unique("opened")},
                     {"uniqueClicks", unique("clicked")},
                     {"unsubscribes", unique("unsubscribed")}}},
                   {"control", {{"people", f.control}}}};
  if (auto it = variants.find(a.id); it != variants.end()) {
    json vs = json::array();
    for (auto& v : it->second)
      vs.push_back({{"name", v.name},
                    {"sent", v.sent},
                    {"opens", v.opens},
                    {"uniqueOpens", v.unique_opens},
                    {"clicks", v.clicks},
                    {"uniqueClicks", v.unique_clicks}});
    out["variants"] = std::move(vs);
  }
  return out;
}

}  // namespace

json campaign_report(const campaign_state& s, const std::string& activity,
                     const std::map<std::string, std::vector<ev::variant_figures>>& variants) {
  json rows = json::array();
  json totals = json::object();
  if (!s.def) return {{"campaign", s.id}, {"activities", rows}};
  for (auto& a : s.def->activities) {
    if (!is_channel(a.type) || (!activity.empty() && a.id != activity)) continue;
    auto r = activity_report(s, a, variants);
    for (auto& [k, v] : r.items())
      if (v.is_number_unsigned())
        totals[k] = totals.value(k, std::uint64_t{0}) + v.get<std::uint64_t>();
    rows.push_back(r);
  }
  auto sent = totals.value("delivered", std::uint64_t{0}) > 0
                  ? totals.value("delivered", std::uint64_t{0})
                  : totals.value("sent", std::uint64_t{0});
  totals["ctr"] =
      sent > 0 ? std::round(10000.0 *
                            static_cast<double>(totals.value("uniqueClicks", std::uint64_t{0})) /
                            static_cast<double>(sent)) /
                     100.0
               : 0.0;
  return {{"campaign", s.id}, {"name", s.def->name}, {"activities", rows}, {"total", totals}};
}

}  // namespace baton
