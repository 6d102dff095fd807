#include "events/register.hpp"

namespace baton {

void register_campaign_events(event_catalog&) {}

}  // namespace baton
