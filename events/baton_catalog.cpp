// The production catalog: every event type Baton writes, registered once.
#include "events/catalog.hpp"
#include "events/register.hpp"

namespace baton {

const event_catalog& baton_event_catalog() {
  static const event_catalog catalog = [] {
    event_catalog c;
    register_campaign_events(c);
    register_store_events(c);
    register_security_events(c);
    register_template_events(c);
    register_trigger_events(c);
    return c;
  }();
  return catalog;
}

}  // namespace baton
