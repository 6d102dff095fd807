// The approval flow of drafts (PRODUCT.md §8.1, INTERFACES.md §8): submit, approve, reject.
// Four eyes: whoever submitted a draft may not approve it.
#include "model/lifecycle.hpp"

namespace baton {

decision decide_approval(const campaign_state& s, const std::string& verb,
                         const std::string& reason, const command_context& c) {
  if (!s.exists() || s.status == campaign_status::deleted)
    return make_error(errc::not_found, s.id, "no such campaign");
  bool submit = verb == "submit";
  if (auto refused =
          check_role(c.actor, c.who, submit ? role::manager : role::approver, "campaign " + verb))
    return *refused;
  if (s.status != campaign_status::draft && s.status != campaign_status::deleted && s.published)
    return decide_version_approval(s, verb, reason, c);
  if (s.status != campaign_status::draft)
    return make_error(
        errc::refused, "",
        std::string("only a draft goes through approval; this campaign is ") + to_string(s.status));
  std::string state = s.approval ? s.approval->state : "";
  if (submit) {
    if (state == "submitted" || state == "approved")
      return make_error(errc::refused, "", "the draft is " + state + " already");
    return std::vector<ev::campaign_event>{ev::approval_changed{"submitted", reason}};
  }
  if (state != "submitted")
    return make_error(errc::refused, "",
                      "only a submitted draft can be " +
                          std::string(verb == "approve" ? "approved" : "rejected") +
                          "; this one is " + (state.empty() ? "not submitted" : state));
  if (verb == "reject") {
    if (reason.empty())
      return make_error(errc::validation, "--reason", "a rejection needs a reason");
    return std::vector<ev::campaign_event>{ev::approval_changed{"rejected", reason}};
  }
  if (c.actor == s.approval->author)
    return make_error(errc::refused, "",
                      c.actor + " submitted this draft and may not approve it (four eyes)");
  return std::vector<ev::campaign_event>{ev::approval_changed{"approved", reason}};
}

}  // namespace baton
