# Events of the trigger streams ("trigger/<campaign id>"): one per API trigger of an
# {"api": true} campaign. Type ids 60-69 (events/trigger_events.hpp). Never renumber or reuse an
# ordinal.
@0xb8fdece643c9a4c0;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("baton::capnp_schema");

struct TriggerHandled {          # type 60: `campaign trigger ID --recipient KEY` was carried out
  triggerId @0 :Text;            # the client's --trigger-id (or the one the engine chose)
  recipient @1 :Text;            # the entity key, as text
  activity  @2 :Text;            # the channel activity that sent (or excluded) it
  messageId @3 :Text;            # the message's idempotency key ("" when excluded)
  status    @4 :Text;            # sent | excluded
  excluded  @5 :Text;            # the exclusion reason ("" when sent)
  category  @6 :Text;            # marketing | transactional
}
