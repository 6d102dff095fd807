// Feedback on sent messages, recorded once per (message, event, time).
#include "model/lifecycle.hpp"

namespace baton {

decision decide_feedback(const campaign_state& s, const std::vector<ev::feedback_received>& items,
                         const command_context& c) {
  if (!s.exists() || s.status == campaign_status::deleted)
    return make_error(errc::not_found, s.id, "no such campaign");
  if (auto refused = check_role(c.actor, c.who, role::approver, "feedback load")) return *refused;
  std::vector<ev::campaign_event> out;
  feedback_keys batch;
  for (auto& f : items) {
    auto* a = s.def->find_activity(f.activity);
    if (!a || !is_channel(a->type))
      return make_error(errc::validation, f.message_id,
                        "activity '" + f.activity + "' is not a channel activity");
    auto key = feedback_keys::key_of(f.message_id, f.event, f.at_us);
    if (s.feedback_seen.contains(key) || !batch.insert(key)) continue;
    out.push_back(f);
  }
  return out;
}

}  // namespace baton
