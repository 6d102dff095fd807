// Cap'n Proto codec of the template stream's events, and their registration in the catalog.
#include "events/template_events.hpp"

#include "events/payload.hpp"
#include "events/register.hpp"
#include "events/template.capnp.h"

namespace baton::ev {

namespace cs = baton::capnp_schema;

event to_event(const template_saved& x) {
  event e;
  e.type = template_saved::type;
  e.version = 1;
  e.payload = build_payload<cs::TemplateSaved>([&](cs::TemplateSaved::Builder b) {
    b.setName(x.name);
    b.setDefinition(x.definition);
    b.setSourceCampaign(x.source_campaign);
  });
  return e;
}

result<template_saved> template_event_from(const event& e) {
  auto where = "event #" + std::to_string(e.global_seq);
  if (e.type != template_saved::type || e.version != 1)
    return make_error(errc::integrity, where,
                      "not a template_saved event (version 1): type " + std::to_string(e.type));
  auto r = read_payload<cs::TemplateSaved, template_saved>(e.payload, [](auto p) {
    return template_saved{to_std(p.getName()), to_std(p.getDefinition()),
                          to_std(p.getSourceCampaign())};
  });
  if (!r) return make_error(errc::integrity, where, r.err().what);
  return r;
}

}  // namespace baton::ev

namespace baton {
void register_template_events(event_catalog& c) {
  event_type_info t;
  t.id = ev::template_saved::type;
  t.name = "template_saved";
  t.schemas = {capnp::Schema::from<capnp_schema::TemplateSaved>()};
  c.add(std::move(t));
}
}  // namespace baton
