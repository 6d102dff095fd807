// "Run once now": a manual start of a published campaign, whatever its schedule.
#include "model/lifecycle.hpp"

namespace baton {

decision decide_start(const campaign_state& s, const command_context& c) {
  if (!s.exists() || s.status == campaign_status::deleted)
    return make_error(errc::not_found, s.id, "no such campaign");
  if (auto refused = check_role(c.actor, c.who, role::approver, "campaign start")) return *refused;
  if (s.status != campaign_status::live && s.status != campaign_status::scheduled)
    return make_error(
        errc::refused, "",
        std::string("only a live or scheduled campaign can start a run; this one is ") +
            to_string(s.status));
  if (s.active_run()) return make_error(errc::refused, "", "a run is already in progress");
  if (s.def->schedule.k == schedule::kind::api)
    return make_error(errc::refused, "",
                      "an api campaign has no runs: it sends when `batonctl campaign trigger ID "
                      "--recipient KEY` names a recipient");
  return std::vector<ev::campaign_event>{ev::run_started{
      static_cast<std::uint32_t>(s.runs.size() + 1), false, "manual", s.def->variables}};
}

}  // namespace baton
