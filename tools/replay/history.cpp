// Time travel over one campaign's stream: its state at a point, what changed between two
// points, and a readable history of who did what.
#include <algorithm>
#include <sstream>

#include "events/catalog.hpp"
#include "events/security_events.hpp"
#include "model/campaign_view.hpp"
#include "model/event_json.hpp"
#include "tools/replay/replay.hpp"

namespace baton::replay {

namespace {

bool within(const event& e, const point& p) {
  if (p.at && e.time > *p.at) return false;
  if (p.seq && e.global_seq > *p.seq) return false;
  return true;
}

result<std::vector<event>> campaign_events(const event_store& store, const std::string& id) {
  auto es = store.read_stream("campaign/" + id);
  if (!es) return es.err();
  if (es->empty()) return make_error(errc::not_found, id, "no such campaign in the log");
  const auto& catalog = baton_event_catalog();
  for (auto& e : es.value()) {
    auto up = catalog.upcast(e);
    if (!up) return up.err();
    e = std::move(up.value());
  }
  return es;
}

}  // namespace

result<campaign_state> state_at(const event_store& store, const std::string& id, const point& p) {
  auto es = campaign_events(store, id);
  if (!es) return es.err();
  campaign_state s;
  for (auto& e : es.value()) {
    if (!within(e, p)) break;  // a stream's events are in time and sequence order
    if (auto st = apply(s, e); !st) return st.err();
  }
  if (!s.exists())
    return make_error(errc::not_found, id, "the campaign did not exist yet at that point");
  return s;
}

result<std::vector<event>> events_between(const event_store& store, const std::string& id,
                                          const point& from, const point& to) {
  auto es = campaign_events(store, id);
  if (!es) return es.err();
  std::vector<event> out;
  for (auto& e : es.value())
    if (!within(e, from) && within(e, to)) out.push_back(e);
  return out;
}

nlohmann::json diff_states(const campaign_state& a, const campaign_state& b) {
  nlohmann::json d = nlohmann::json::object();
  if (a.status != b.status)
    d["status"] = {{"from", to_string(a.status)}, {"to", to_string(b.status)}};
  if (a.definition_json != b.definition_json) d["definition"] = {{"changed", true}};
  if (a.def_version != b.def_version)
    d["version"] = {{"from", a.def_version}, {"to", b.def_version}};
  if (a.next_run != b.next_run)
    d["nextRun"] = {{"from", a.next_run ? format_time(a.next_run) : ""},
                    {"to", b.next_run ? format_time(b.next_run) : ""}};
  auto err = [](const campaign_state& s) {
    return s.error ? nlohmann::json{{"activity", s.error->activity}, {"message", s.error->message}}
                   : nlohmann::json(nullptr);
  };
  if (err(a) != err(b)) d["error"] = {{"from", err(a)}, {"to", err(b)}};
  nlohmann::json runs = nlohmann::json::array();
  for (std::size_t i = 0; i < b.runs.size(); ++i) {
    const run_state& rb = b.runs[i];
    const run_state* ra = i < a.runs.size() ? &a.runs[i] : nullptr;
    nlohmann::json r = {{"run", rb.number}};
    if (!ra) r["new"] = true;
    if (!ra || ra->status != rb.status)
      r["status"] = {{"from", ra ? ra->status : ""}, {"to", rb.status}};
    nlohmann::json tasks = nlohmann::json::array();
    for (auto& [id, tb] : rb.tasks) {
      const task_state* ta = ra ? ra->task(id) : nullptr;
      bool changed = !ta || ta->status != tb.status || ta->count_in != tb.count_in ||
                     !(ta->outputs == tb.outputs);
      if (!changed) continue;
      nlohmann::json outs = nlohmann::json::object();
      for (auto& p : tb.outputs) outs[p.output] = p.count;
      tasks.push_back({{"activity", id},
                       {"from", ta ? to_string(ta->status) : "pending"},
                       {"to", to_string(tb.status)},
                       {"countIn", tb.count_in},
                       {"outputs", outs}});
    }
    if (!tasks.empty()) r["tasks"] = tasks;
    if (r.size() > 1) runs.push_back(r);
  }
  if (!runs.empty()) d["runs"] = runs;
  return d;
}

// The refusals for permission about campaign `id` (they live in the security stream).
result<std::vector<event>> refusals_about(const event_store& store, const std::string& id) {
  auto es = store.read_stream(ev::security_stream);
  if (!es) return es.err();
  std::vector<event> out;
  for (auto& e : es.value()) {
    if (e.type != ev::permission_refused::type) continue;
    auto se = ev::security_event_from(e);
    if (se && std::get<ev::permission_refused>(se.value()).campaign == id) out.push_back(e);
  }
  return out;
}

result<std::vector<nlohmann::json>> timeline_json(const event_store& store, const std::string& id) {
  auto es = campaign_events(store, id);
  if (!es) return es.err();
  auto refused = refusals_about(store, id);
  if (!refused) return refused.err();
  es->insert(es->end(), refused->begin(), refused->end());
  std::stable_sort(es->begin(), es->end(),
                   [](const event& a, const event& b) { return a.global_seq < b.global_seq; });
  const auto& catalog = baton_event_catalog();
  std::vector<nlohmann::json> out;
  std::string last_command;
  for (auto& e : es.value()) {
    auto j = event_to_json(e, catalog);
    auto& p = j["payload"];
    std::string what;
    for (auto& [k, v] : p.items()) {
      if (k == "definition" || k == "logs") continue;
      what +=
          (what.empty() ? "" : " ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
    }
    bool new_command = e.command_id != last_command;
    last_command = e.command_id;
    std::ostringstream line;
    line << format_time(e.time).substr(0, 19) << "Z  " << (e.actor.empty() ? "-" : e.actor);
    if (new_command && e.causation_id != "engine") line << "  [" << e.command_id << "]";
    line << "  " << j["type"].get<std::string>() << "  " << what;
    if (j["type"] == "task_failed") line << "   <-- ERROR";
    j["text"] = line.str();
    out.push_back(std::move(j));
  }
  return out;
}

result<std::string> timeline(const event_store& store, const std::string& id) {
  auto entries = timeline_json(store, id);
  if (!entries) return entries.err();
  std::string out;
  for (auto& j : entries.value()) out += j["text"].get<std::string>() + "\n";
  return out;
}

}  // namespace baton::replay
