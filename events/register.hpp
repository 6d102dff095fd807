// Registration of Baton's event types into a catalog, one function per group of events.
#pragma once

#include "events/catalog.hpp"

namespace baton {

void register_campaign_events(event_catalog& c);  // events/campaign_events.cpp
void register_store_events(event_catalog& c);     // events/store_events.cpp
void register_security_events(event_catalog& c);  // events/security_events.cpp
void register_template_events(event_catalog& c);  // events/template_events.cpp
void register_trigger_events(event_catalog& c);   // events/trigger_events.cpp

}  // namespace baton
