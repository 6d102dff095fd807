# Events of a template's stream ("template/<name>"): each save is one version (1, 2, ...; the
# stream's sequence). Type ids 50-59 (events/template_events.hpp). Never renumber or reuse an
# ordinal; a new meaning is a new version.
@0xef7080c3c2f07dcb;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("baton::capnp_schema");

struct TemplateSaved {          # type 50: `batonctl template save ID NAME`
  name           @0 :Text;      # the template's name (also its stream's)
  definition     @1 :Text;      # the campaign JSON as saved (canonical dump): variables and
                                # guardrail members (errorPolicy, throttle, waves) included
  sourceCampaign @2 :Text;      # the campaign it was saved from
}
