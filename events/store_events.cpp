// Cap'n Proto codec of the store's own events, and their registration in the catalog.
#include "events/store_events.hpp"

#include "events/payload.hpp"
#include "events/register.hpp"
#include "events/store.capnp.h"

namespace baton::ev {

namespace cs = baton::capnp_schema;

event to_event(const store_salvaged& x) {
  event e;
  e.type = store_salvaged::type;
  e.version = 1;
  e.payload = build_payload<cs::StoreSalvaged>([&](cs::StoreSalvaged::Builder b) {
    b.setHeadBefore(x.head_before);
    b.setHeadAfter(x.head_after);
    b.setDropped(x.dropped);
    b.setFile(x.file);
    b.setOffset(x.offset);
    b.setDamage(x.damage);
    b.setKeptIn(x.kept_in);
    b.setReadableDropped(x.readable_dropped);
  });
  return e;
}

result<store_salvaged> store_salvaged_from(const event& e) {
  auto where = "event #" + std::to_string(e.global_seq);
  if (e.type != store_salvaged::type || e.version != 1)
    return make_error(errc::integrity, where, "not a store_salvaged event (version 1)");
  auto r = read_payload<cs::StoreSalvaged, store_salvaged>(e.payload, [](auto p) {
    return store_salvaged{p.getHeadBefore(),     p.getHeadAfter(),      p.getDropped(),
                          to_std(p.getFile()),   p.getOffset(),         to_std(p.getDamage()),
                          to_std(p.getKeptIn()), p.getReadableDropped()};
  });
  if (!r) return make_error(errc::integrity, where, r.err().what);
  return r;
}

}  // namespace baton::ev

namespace baton {
void register_store_events(event_catalog& c) {
  event_type_info t;
  t.id = ev::store_salvaged::type;
  t.name = "store_salvaged";
  t.schemas = {capnp::Schema::from<capnp_schema::StoreSalvaged>()};
  c.add(std::move(t));
}
}  // namespace baton
