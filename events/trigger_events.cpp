// Cap'n Proto codec of the trigger streams' event, and its registration in the catalog.
#include "events/trigger_events.hpp"

#include "events/payload.hpp"
#include "events/register.hpp"
#include "events/trigger.capnp.h"

namespace baton::ev {

namespace cs = baton::capnp_schema;

event to_event(const trigger_handled& x) {
  event e;
  e.type = trigger_handled::type;
  e.version = 1;
  e.payload = build_payload<cs::TriggerHandled>([&](cs::TriggerHandled::Builder b) {
    b.setTriggerId(x.trigger_id);
    b.setRecipient(x.recipient);
    b.setActivity(x.activity);
    b.setMessageId(x.message_id);
    b.setStatus(x.status);
    b.setExcluded(x.excluded);
    b.setCategory(x.category);
  });
  return e;
}

result<trigger_handled> trigger_handled_from(const event& e) {
  auto where = "event #" + std::to_string(e.global_seq);
  if (e.type != trigger_handled::type || e.version != 1)
    return make_error(errc::integrity, where, "not a trigger_handled event (version 1)");
  auto r = read_payload<cs::TriggerHandled, trigger_handled>(e.payload, [](auto p) {
    return trigger_handled{to_std(p.getTriggerId()), to_std(p.getRecipient()),
                           to_std(p.getActivity()),  to_std(p.getMessageId()),
                           to_std(p.getStatus()),    to_std(p.getExcluded()),
                           to_std(p.getCategory())};
  });
  if (!r) return make_error(errc::integrity, where, r.err().what);
  return r;
}

}  // namespace baton::ev

namespace baton {
void register_trigger_events(event_catalog& c) {
  event_type_info t;
  t.id = ev::trigger_handled::type;
  t.name = "trigger_handled";
  t.schemas = {capnp::Schema::from<capnp_schema::TriggerHandled>()};
  c.add(std::move(t));
}
}  // namespace baton
