// Versions of a campaign's definition (PRODUCT.md §8.3, INTERFACES.md §10): `campaign edit`
// replaces a draft, and on a published recurring campaign makes a new version that applies from
// its next run. With security.requireApproval the edit is proposed and an approver who is not its
// author approves it (the campaign stays published meanwhile, on its current version).
#include "model/lifecycle.hpp"
#include "model/schedule.hpp"

namespace baton {

namespace {

using cs = campaign_status;
using events = std::vector<ev::campaign_event>;

const char* kind_name(schedule::kind k) {
  switch (k) {
    case schedule::kind::asap:
      return "as soon as possible";
    case schedule::kind::at:
      return "at";
    case schedule::kind::cron:
      return "cron";
    case schedule::kind::signal:
      return "signal";
    case schedule::kind::api:
      return "api";
  }
  return "unknown";
}

// The new version's events: definition_versioned, and the next slot of its schedule when no run
// is in progress (a run in progress plans the next one with the new version when it ends).
decision version_events(const campaign_state& s, const std::string& definition_json, time_us now,
                        events out) {
  auto d = read_stored_definition(definition_json);
  if (!d) return make_error(errc::validation, d.err().where, d.err().what);
  out.push_back(ev::definition_versioned{s.latest_version() + 1, definition_json});
  if (!s.active_run() && d->schedule.k == schedule::kind::cron &&
      (s.status == cs::live || s.status == cs::scheduled)) {
    auto n = next_runs(d->schedule, now, 1);
    out.push_back(ev::next_run_planned{n.empty() ? 0 : n.front()});
  }
  return out;
}

// What a new version of a published campaign must keep: its kind of schedule (the status and
// timers follow from it), and a cron with a run left.
std::optional<error> check_new_version(const campaign_state& s, const std::string& json,
                                       time_us now) {
  auto d = read_stored_definition(json);
  if (!d) return make_error(errc::validation, d.err().where, d.err().what);
  auto was = s.def->schedule.k;
  if (d->schedule.k != was)
    return make_error(errc::validation, "/schedule",
                      std::string("a published campaign keeps its kind of schedule (") +
                          kind_name(was) + "), this version has " + kind_name(d->schedule.k) +
                          ": duplicate the campaign to change it");
  if (d->schedule.k == schedule::kind::cron && next_runs(d->schedule, now, 1).empty())
    return make_error(errc::validation, "/schedule",
                      "the schedule has no run left in its validity window");
  return std::nullopt;
}

}  // namespace

decision decide_edit(const campaign_state& s, const std::string& definition_json,
                     const command_context& c) {
  if (!s.exists() || s.status == cs::deleted)
    return make_error(errc::not_found, s.id, "no such campaign");
  if (auto e = check_role(c.actor, c.who, role::manager, "campaign edit")) return *e;
  switch (s.status) {
    case cs::draft:
      return decide_update(s, definition_json, c);
    case cs::live:
    case cs::scheduled:
    case cs::paused:
      break;
    default:
      return make_error(errc::refused, "",
                        std::string("a ") + to_string(s.status) +
                            " campaign cannot be edited; duplicate it to change it");
  }
  if (!s.recurring())
    return make_error(errc::refused, "",
                      "only a recurring campaign (cron, signal or api schedule) gets new versions "
                      "once published; this one runs once: duplicate it to change it");
  if (auto e = check_new_version(s, definition_json, c.now)) return *e;
  if (s.proposed)
    return make_error(errc::refused, "",
                      "version " + std::to_string(s.latest_version() + 1) +
                          " is waiting for approval: `campaign approve` or `campaign reject` it "
                          "first");
  if (c.require_approval) return events{ev::version_proposed{definition_json}};
  // Without the approval flow a new version of a published campaign is a publication.
  if (auto e = check_role(c.actor, c.who, role::approver, "campaign edit")) return *e;
  return version_events(s, definition_json, c.now, {});
}

decision decide_version_approval(const campaign_state& s, const std::string& verb,
                                 const std::string& reason, const command_context& c) {
  if (!s.proposed)
    return make_error(errc::refused, "",
                      std::string("only a draft, or a version proposed by `campaign edit`, goes "
                                  "through approval; this campaign is ") +
                          to_string(s.status) + " with no version waiting");
  auto next = std::to_string(s.latest_version() + 1);
  if (verb == "submit")
    return make_error(errc::refused, "", "version " + next + " is submitted already");
  if (verb == "reject") {
    if (reason.empty())
      return make_error(errc::validation, "--reason", "a rejection needs a reason");
    return events{ev::approval_changed{"rejected", reason}};
  }
  if (s.status != cs::live && s.status != cs::scheduled && s.status != cs::paused)
    return make_error(errc::refused, "",
                      std::string("a ") + to_string(s.status) +
                          " campaign takes no new version; reject the proposed one");
  if (s.approval && c.actor == s.approval->author)
    return make_error(
        errc::refused, "",
        c.actor + " proposed version " + next + " and may not approve it (four eyes)");
  if (auto e = check_new_version(s, *s.proposed, c.now)) return *e;
  return version_events(s, *s.proposed, c.now, {ev::approval_changed{"approved", reason}});
}

}  // namespace baton
