#include "model/campaign_view.hpp"

#include "model/planner.hpp"

namespace baton {

namespace {

using nlohmann::json;

json time_or_null(time_us t) {
  return t == 0 ? json(nullptr) : json(format_time(t));
}

json task_json(const activity& a, const task_state* t) {
  json outputs = json::object();
  task_status status = t ? t->status : task_status::pending;
  if (t)
    for (auto& p : t->outputs) outputs[p.output] = p.count;
  json j = {{"activity", a.id},
            {"type", to_string(a.type)},
            {"label", a.label},
            {"status", to_string(status)},
            {"startedAt", time_or_null(t ? t->started_at : 0)},
            {"endedAt", time_or_null(t ? t->ended_at : 0)},
            {"countIn", t ? t->count_in : 0},
            {"outputs", outputs},
            {"error", t && !t->error.empty() ? json(t->error) : json(nullptr)},
            {"attempt", t ? t->attempt : 0}};
  if (t && !t->skip_reason.empty()) j["skipReason"] = t->skip_reason;
  if (t && !t->cancel_reason.empty()) j["cancelReason"] = t->cancel_reason;
  if (t && t->wait_until) j["waitUntil"] = format_time(t->wait_until);
  if (t && !t->logs.empty()) j["logs"] = t->logs;
  return j;
}

json run_json(const campaign_state& s, const run_state& r) {
  // A run shows the graph of the version it ran (an older one than today's, after an edit).
  std::optional<campaign_definition> own;
  if (r.version != s.def_version)
    if (auto* v = s.version_of(r.version))
      if (auto d = read_stored_definition(v->definition)) own = std::move(d.value());
  const campaign_definition& def = own ? *own : *s.def;
  json tasks = json::array();
  for (auto& id : topological_order(def))
    tasks.push_back(task_json(*def.find_activity(id), r.task(id)));
  json transitions = json::array();
  for (auto& t : def.transitions) {
    auto it = r.transition_counts.find(t.from + "|" + t.output + "|" + t.to);
    transitions.push_back(
        {{"from", t.from},
         {"output", t.output},
         {"to", t.to},
         {"count", it == r.transition_counts.end() ? json(nullptr) : json(it->second)}});
  }
  return {{"run", r.number},
          {"version", r.version},
          {"status", r.status},
          {"test", r.test},
          {"trigger", r.trigger},
          {"startedAt", time_or_null(r.started_at)},
          {"endedAt", time_or_null(r.ended_at)},
          {"error", r.error.empty() ? json(nullptr) : json(r.error)},
          {"variables", r.vars},
          {"tasks", tasks},
          {"transitions", transitions}};
}

json last_run_json(const campaign_state& s) {
  auto* r = s.last_run();
  if (!r) return nullptr;
  return {{"run", r->number},
          {"status", r->status},
          {"test", r->test},
          {"startedAt", time_or_null(r->started_at)},
          {"endedAt", time_or_null(r->ended_at)}};
}

const run_state* pick_run(const campaign_state& s, std::uint32_t run) {
  if (run == 0) return s.last_run();
  return run <= s.runs.size() ? &s.runs[run - 1] : nullptr;
}

std::string count_text(const task_state* t, const std::string& output) {
  if (!t) return "-";
  if (t->status != task_status::done) return "-";
  for (auto& p : t->outputs)
    if (p.output == output) return std::to_string(p.count);
  return "0 (not taken)";
}

}  // namespace

json campaign_to_json(const campaign_state& s) {
  json error = nullptr;
  if (s.error)
    error = {{"activity", s.error->activity}, {"message", s.error->message}, {"run", s.error->run}};
  json runs = json::array();
  for (auto& r : s.runs) runs.push_back(run_json(s, r));
  json alerts = json::array();
  for (auto& a : s.alerts)
    alerts.push_back({{"run", a.run},
                      {"activity", a.activity},
                      {"title", a.title},
                      {"message", a.message},
                      {"at", format_time(a.at)}});
  json out = {
      {"id", s.id},
      {"name", s.def ? s.def->name : ""},
      {"description", s.def ? s.def->description : ""},
      {"dimension", s.def ? s.def->dimension : ""},
      {"status", to_string(s.status)},
      {"error", error},
      {"lastRun", last_run_json(s)},
      {"nextRun", time_or_null(s.next_run)},
      {"schedule", s.def ? s.def->schedule_json : json(nullptr)},
      {"createdBy", s.created_by},
      {"createdAt", time_or_null(s.created_at)},
      {"updatedAt", time_or_null(s.updated_at)},
      {"duplicatedFrom", s.duplicated_from.empty() ? json(nullptr) : json(s.duplicated_from)},
      {"version", s.def_version},  // the definition's version in force (INTERFACES.md §10)
      {"streamVersion", s.version},
      {"runs", runs},
      {"alerts", alerts}};
  // Only once retention dropped something: the view of every other campaign is unchanged.
  if (s.retained_upto > 0) out["retainedUpTo"] = s.retained_upto;
  // A newer version waits for the run in progress to end (it applies from the next run).
  if (s.latest_version() > s.def_version) out["nextVersion"] = s.latest_version();
  if (s.proposed) out["proposedVersion"] = s.latest_version() + 1;
  // Only once the approval flow has begun (INTERFACES.md §8): the views recorded before it
  // existed stay as they were.
  if (s.approval)
    out["approval"] = {
        {"state", s.approval->state},
        {"by", s.approval->by},
        {"at", format_time(s.approval->at)},
        {"reason", s.approval->reason.empty() ? json(nullptr) : json(s.approval->reason)}};
  return out;
}

json campaign_summary_json(const campaign_state& s) {
  std::string last_error_activity = s.error ? s.error->activity : "";
  return {{"id", s.id},
          {"name", s.def ? s.def->name : ""},
          {"status", to_string(s.status)},
          {"dimension", s.def ? s.def->dimension : ""},
          {"lastRun", last_run_json(s)},
          {"nextRun", time_or_null(s.next_run)},
          {"createdAt", time_or_null(s.created_at)},
          {"error", s.error ? json{{"activity", s.error->activity}, {"message", s.error->message}}
                            : json(nullptr)}};
}

std::string graph_text(const campaign_state& s, std::uint32_t run) {
  if (!s.def) return "";
  auto* r = pick_run(s, run);
  std::string out = s.def->name + " (" + s.id + ") — " + to_string(s.status);
  out += r ? " — run " + std::to_string(r->number) + (r->test ? " (test)" : "") + " " + r->status +
                 "\n"
           : " — no run yet\n";
  for (auto& id : topological_order(*s.def)) {
    auto* a = s.def->find_activity(id);
    auto* t = r ? r->task(id) : nullptr;
    std::string status = t ? to_string(t->status) : "pending";
    if (t && !t->skip_reason.empty()) status += " (" + t->skip_reason + ")";
    out += "  " + id + " [" + to_string(a->type) + "] " + status;
    if (t && (t->status == task_status::done || t->status == task_status::running))
      out += "  in " + std::to_string(t->count_in);
    if (t && !t->error.empty()) out += "  error: " + t->error;
    out += "\n";
    for (auto& tr : s.def->transitions)
      if (tr.from == id)
        out += "      " + tr.output + " ──▶ " + tr.to + "  " + count_text(t, tr.output) + "\n";
  }
  return out;
}

json graph_json(const campaign_state& s, std::uint32_t run) {
  json nodes = json::array(), edges = json::array();
  auto* r = pick_run(s, run);
  if (s.def) {
    for (auto& id : topological_order(*s.def)) {
      auto* a = s.def->find_activity(id);
      auto* t = r ? r->task(id) : nullptr;
      json outputs = json::object();
      if (t)
        for (auto& p : t->outputs) outputs[p.output] = p.count;
      nodes.push_back({{"id", id},
                       {"type", to_string(a->type)},
                       {"label", a->label},
                       {"status", to_string(t ? t->status : task_status::pending)},
                       {"countIn", t ? json(t->count_in) : json(nullptr)},
                       {"outputs", outputs}});
    }
    for (auto& tr : s.def->transitions) {
      json count = nullptr;
      if (r)
        if (auto it = r->transition_counts.find(tr.from + "|" + tr.output + "|" + tr.to);
            it != r->transition_counts.end())
          count = it->second;
      edges.push_back({{"from", tr.from}, {"output", tr.output}, {"to", tr.to}, {"count", count}});
    }
  }
  return {{"id", s.id},
          {"run", r ? json(r->number) : json(nullptr)},
          {"status", r ? json(r->status) : json(nullptr)},
          {"nodes", nodes},
          {"edges", edges}};
}

std::string graph_dot(const campaign_state& s, std::uint32_t run) {
  if (!s.def) return "";
  auto* r = pick_run(s, run);
  auto quote = [](const std::string& x) {
    std::string q = "\"";
    for (char c : x)
      q += c == '"' ? std::string("\\\"") : std::string(1, c);  // labels keep their \n
    return q + "\"";
  };
  std::string out = "digraph " + quote(s.def->name) + " {\n  rankdir=LR;\n  node [shape=box];\n";
  for (auto& a : s.def->activities) {
    auto* t = r ? r->task(a.id) : nullptr;
    std::string label =
        a.id + "\\n" + to_string(a.type) + "\\n" + (t ? to_string(t->status) : "pending");
    out += "  " + quote(a.id) + " [label=" + quote(label) + "];\n";
  }
  for (auto& tr : s.def->transitions) {
    auto* t = r ? r->task(tr.from) : nullptr;
    out += "  " + quote(tr.from) + " -> " + quote(tr.to) +
           " [label=" + quote(tr.output + " " + count_text(t, tr.output)) + "];\n";
  }
  return out + "}\n";
}

}  // namespace baton
