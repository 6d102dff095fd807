// Names of statuses, small queries on the state, and the snapshot encoding (JSON, format 1).
#include "model/campaign_state.hpp"

namespace baton {

namespace {
const char* const status_names[] = {"none",    "draft",     "scheduled", "live",     "paused",
                                    "stopped", "completed", "closed",    "archived", "deleted"};
const char* const task_names[] = {"pending", "running", "needs-confirmation", "done",
                                  "failed",  "skipped", "cancelled"};
}  // namespace

const char* to_string(campaign_status s) {
  return status_names[static_cast<int>(s)];
}
const char* to_string(task_status s) {
  return task_names[static_cast<int>(s)];
}

bool parse_campaign_status(const std::string& s, campaign_status& out) {
  for (int i = 0; i < 10; ++i)
    if (s == status_names[i]) {
      out = static_cast<campaign_status>(i);
      return true;
    }
  return false;
}

const task_state* run_state::task(const std::string& activity) const {
  auto it = tasks.find(activity);
  return it == tasks.end() ? nullptr : &it->second;
}

run_state* campaign_state::active_run() {
  return !runs.empty() && runs.back().active() ? &runs.back() : nullptr;
}
const run_state* campaign_state::active_run() const {
  return !runs.empty() && runs.back().active() ? &runs.back() : nullptr;
}

bool campaign_state::any_run_completed() const {
  for (auto& r : runs)
    if (!r.test && r.status == "completed") return true;
  return false;
}

bool campaign_state::recurring() const {
  return def &&
         (def->schedule.k == schedule::kind::cron || def->schedule.k == schedule::kind::signal ||
          def->schedule.k == schedule::kind::api);
}

// --- snapshot encoding ---

namespace {

using nlohmann::json;

json to_j(const ev::population& p) {
  return {{"output", p.output},
          {"table", p.table},
          {"count", p.count},
          {"dimension", p.dimension},
          {"fingerprint", p.fingerprint}};
}
ev::population pop_from(const json& j) {
  return {j.at("output"), j.at("table"), j.at("count"), j.at("dimension"), j.at("fingerprint")};
}

json to_j(const ev::delivery_progress& p) {
  return {{"run", p.run},
          {"activity", p.activity},
          {"wave", p.wave},
          {"position", p.position},
          {"sent", p.sent},
          {"failed", p.failed},
          {"exclusions", p.exclusions},
          {"sentTable", p.sent_table},
          {"inDoubt", p.in_doubt},
          {"repeated", p.repeated}};
}
ev::delivery_progress progress_from(const json& j) {
  return {j.at("run"),
          j.at("activity"),
          j.at("wave"),
          j.at("position"),
          j.at("sent"),
          j.at("failed"),
          j.at("exclusions").get<ev::variables>(),
          j.at("sentTable"),
          j.value("inDoubt", std::uint64_t{0}),
          j.value("repeated", std::uint64_t{0})};
}

json to_j(const task_state& t) {
  json outs = json::array();
  for (auto& p : t.outputs) outs.push_back(to_j(p));
  // Large members are moved in afterwards: a braced list copies every element (deeply).
  json j = {{"activity", t.activity},
            {"status", static_cast<int>(t.status)},
            {"attempt", t.attempt},
            {"startedAt", t.started_at},
            {"endedAt", t.ended_at},
            {"countIn", t.count_in},
            {"error", t.error},
            {"policy", t.policy},
            {"skipReason", t.skip_reason},
            {"cancelReason", t.cancel_reason},
            {"passThrough", t.pass_through},
            {"waitUntil", t.wait_until},
            {"confirmed", t.confirmed},
            {"logs", t.logs},
            {"waitReason", t.wait_reason},
            {"progress", t.progress ? to_j(*t.progress) : json(nullptr)}};
  j["outputs"] = std::move(outs);
  if (!t.chosen_variant.empty()) j["chosenVariant"] = t.chosen_variant;
  return j;
}
task_state task_from(const json& j) {
  task_state t;
  t.activity = j.at("activity");
  t.status = static_cast<task_status>(j.at("status").get<int>());
  t.attempt = j.at("attempt");
  t.started_at = j.at("startedAt");
  t.ended_at = j.at("endedAt");
  t.count_in = j.at("countIn");
  for (auto& p : j.at("outputs")) t.outputs.push_back(pop_from(p));
  t.error = j.at("error");
  t.policy = j.at("policy");
  t.skip_reason = j.at("skipReason");
  t.cancel_reason = j.value("cancelReason", "");  // absent from snapshots of older releases
  t.pass_through = j.at("passThrough");
  t.wait_until = j.at("waitUntil");
  t.confirmed = j.at("confirmed");
  t.logs = j.at("logs").get<std::vector<std::string>>();
  t.wait_reason = j.at("waitReason");
  if (!j.at("progress").is_null()) t.progress = progress_from(j.at("progress"));
  t.chosen_variant = j.value("chosenVariant", "");
  return t;
}

json to_j(const run_state& r) {
  json tasks = json::object();
  for (auto& [id, t] : r.tasks) tasks[id] = to_j(t);
  json j = {{"number", r.number},
            {"version", r.version},
            {"test", r.test},
            {"trigger", r.trigger},
            {"vars", r.vars},
            {"status", r.status},
            {"error", r.error},
            {"startedAt", r.started_at},
            {"endedAt", r.ended_at},
            {"transitions", r.transition_counts},
            {"consecutiveErrors", r.consecutive_errors}};
  j["tasks"] = std::move(tasks);
  return j;
}
run_state run_from(const json& j) {
  run_state r;
  r.number = j.at("number");
  r.version = j.value("version", 1u);  // absent from snapshots of older releases
  r.test = j.at("test");
  r.trigger = j.at("trigger");
  r.vars = j.at("vars").get<ev::variables>();
  r.status = j.at("status");
  r.error = j.at("error");
  r.started_at = j.at("startedAt");
  r.ended_at = j.at("endedAt");
  for (auto& [id, t] : j.at("tasks").items()) r.tasks[id] = task_from(t);
  r.transition_counts = j.at("transitions").get<std::map<std::string, std::uint64_t>>();
  r.consecutive_errors = j.at("consecutiveErrors");
  return r;
}

}  // namespace

std::string encode_state(const campaign_state& s) {
  json runs = json::array();
  for (auto& r : s.runs) runs.push_back(to_j(r));
  json alerts = json::array();
  for (auto& a : s.alerts)
    alerts.push_back({{"run", a.run},
                      {"activity", a.activity},
                      {"title", a.title},
                      {"message", a.message},
                      {"at", a.at}});
  json j = {{"id", s.id},
            {"version", s.version},
            {"lastGlobal", s.last_global},
            {"status", static_cast<int>(s.status)},
            {"statusBeforePause", static_cast<int>(s.status_before_pause)},
            {"definition", s.definition_json},
            {"duplicatedFrom", s.duplicated_from},
            {"createdBy", s.created_by},
            {"createdAt", s.created_at},
            {"updatedAt", s.updated_at},
            {"nextRun", s.next_run},
            {"published", s.published},
            {"pendingSignals",
             json(std::vector<ev::variables>(s.pending_signals.begin(), s.pending_signals.end()))}};
  j["runs"] = std::move(runs);
  j["alerts"] = std::move(alerts);
  json fb = json::object();
  for (auto& [activity, t] : s.feedback) fb[activity] = {{"total", t.total}, {"unique", t.unique}};
  j["feedback"] = fb;
  j["feedbackKeys"] = s.feedback_seen.encode();
  j["retainedUpTo"] = s.retained_upto;
  if (s.approval)
    j["approval"] = {{"state", s.approval->state},
                     {"by", s.approval->by},
                     {"author", s.approval->author},
                     {"reason", s.approval->reason},
                     {"at", s.approval->at}};
  if (s.error)
    j["error"] = {
        {"activity", s.error->activity}, {"message", s.error->message}, {"run", s.error->run}};
  json versions = json::array();
  for (auto& v : s.versions)
    versions.push_back({{"version", v.version},
                        {"definition", v.definition},
                        {"createdAt", v.created_at},
                        {"createdBy", v.created_by}});
  j["versions"] = std::move(versions);
  j["defVersion"] = s.def_version;
  if (s.proposed) j["proposed"] = *s.proposed;
  return j.dump();
}

result<campaign_state> decode_state(const std::string& bytes) {
  auto j = json::parse(bytes, nullptr, false);
  if (j.is_discarded()) return make_error(errc::integrity, "snapshot", "not JSON");
  try {
    campaign_state s;
    s.id = j.at("id");
    s.version = j.at("version");
    s.last_global = j.at("lastGlobal");
    s.status = static_cast<campaign_status>(j.at("status").get<int>());
    s.status_before_pause = static_cast<campaign_status>(j.at("statusBeforePause").get<int>());
    s.definition_json = j.at("definition");
    auto def = read_stored_definition(s.definition_json);  // no guardrail of today applies
    if (!def) return make_error(errc::integrity, "snapshot", def.err().what);
    s.def = std::move(def.value());
    s.duplicated_from = j.at("duplicatedFrom");
    s.created_by = j.at("createdBy");
    s.created_at = j.at("createdAt");
    s.updated_at = j.at("updatedAt");
    for (auto& r : j.at("runs")) s.runs.push_back(run_from(r));
    s.next_run = j.at("nextRun");
    s.published = j.at("published");
    for (auto& v2 : j.at("pendingSignals")) s.pending_signals.push_back(v2.get<ev::variables>());
    for (auto& a : j.at("alerts"))
      s.alerts.push_back(
          {a.at("run"), a.at("activity"), a.at("title"), a.at("message"), a.at("at")});
    for (auto& [activity, t] : j.at("feedback").items()) {
      auto& tally = s.feedback[activity];
      tally.total = t.at("total").get<std::map<std::string, std::uint64_t>>();
      tally.unique = t.at("unique").get<std::map<std::string, std::set<std::string>>>();
    }
    if (j.contains("feedbackKeys")) {
      if (!s.feedback_seen.decode(j.at("feedbackKeys").get<std::string>()))
        return make_error(errc::integrity, "snapshot", "feedbackKeys is not base64 of 8-byte keys");
    } else {  // snapshots of older releases kept the text of each key
      for (auto& k : j.at("feedbackSeen"))
        s.feedback_seen.insert(feedback_keys::key_of_text(k.get<std::string>()));
    }
    s.retained_upto = j.value("retainedUpTo", 0u);  // absent from snapshots of older releases
    if (j.contains("approval")) {
      auto& a = j.at("approval");
      s.approval =
          approval_record{a.at("state"), a.at("by"), a.at("author"), a.at("reason"), a.at("at")};
    }
    if (j.contains("error"))
      s.error =
          error_marker{j["error"].at("activity"), j["error"].at("message"), j["error"].at("run")};
    // Snapshots of older releases have no versions: the definition is version 1.
    if (j.contains("versions")) {
      for (auto& v : j.at("versions"))
        s.versions.push_back(
            {v.at("version"), v.at("definition"), v.at("createdAt"), v.at("createdBy")});
      s.def_version = j.at("defVersion");
    } else if (s.status != campaign_status::none) {
      s.versions = {{1, s.definition_json, s.created_at, s.created_by}};
      s.def_version = 1;
    }
    if (j.contains("proposed")) s.proposed = j.at("proposed").get<std::string>();
    return s;
  } catch (const std::exception& ex) {
    return make_error(errc::integrity, "snapshot", std::string("unreadable: ") + ex.what());
  }
}

}  // namespace baton
