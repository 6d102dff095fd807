// The engine's published actor API (INTERFACES.md §7), written out as a type: what backend
// services, batonctl and the example client send to `batond`, and what they get back.
// Every command carries the acting identity and a client-chosen command id (idempotent: a
// repeated id returns the first result). Errors are caf::error values of category "baton" whose
// code is a baton::errc (validation, refused, not_found, conflict, unavailable, ...).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "events/result.hpp"

namespace baton {

// One command to the engine. `verb` is one of:
//   create (body: campaign JSON) · update (campaign, body) · publish · test · start · pause ·
//   resume · stop · close · back-to-draft · archive · delete · duplicate · confirm (args.activity)
//   · trigger (signal campaigns, args: variables; api campaigns: args.recipient,
//   args.triggerId, body = the context JSON; replies {triggerId, messageId, status, excluded,
//   duplicate} once recorded) · proof (args: activity, to, sample, subjectPrefix) · show · list
//   (args.status) · graph (args.run, args.format) · wait (replies when the current run ends) ·
//   validate (body) · report (args.activity) · feedback (no campaign: body = message_id,event,time
//   CSV rows, each finds its own; with a campaign: body = JSON [{run, activity, message_id, event,
//   at_us, recipient}]) · backup (args.dir: the data dir copied there, actors/backup.hpp) ·
//   edit (campaign, body: a draft replaced, a published recurring campaign's next version) ·
//   versions · diff (args.from, args.to) · template-save (campaign, args.name) · template-list ·
//   template-show (args.name, args.version) · create with args.template (+ args.version,
//   args.name): a campaign from a template
// Replies are JSON text: {"id": ...} for create/duplicate, the campaign view for show, ...
struct api_command {
  std::string verb;
  std::string campaign;    // the campaign id, when the verb is about one
  std::string actor;       // acting identity, recorded in the events
  std::string command_id;  // client-chosen; a repeat returns the first result
  std::string body;        // JSON document (create, update, validate)
  std::map<std::string, std::string> args;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, api_command& x) {
  return f(caf::meta::type_name("baton.api_command"), x.verb, x.campaign, x.actor, x.command_id,
           x.body, x.args);
}

using command_atom = caf::atom_constant<caf::atom("command")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using unsubscribe_atom = caf::atom_constant<caf::atom("unsubscr")>;
using event_atom =
    caf::atom_constant<caf::atom("event")>;  // subscribers receive (event, json line)

// The interface `batond` publishes.
using engine_api = caf::typed_actor<
    // Runs one command; the reply is JSON text, or a caf::error of category "baton".
    caf::replies_to<command_atom, api_command>::with<std::string>,
    // Sends (event_atom, JSON line) to `subscriber` for every event appended from now on, for
    // one campaign ("" = all), until it unsubscribes or goes down.
    caf::reacts_to<subscribe_atom, std::string, caf::actor>,
    caf::reacts_to<unsubscribe_atom, caf::actor>>;

// The CAF type lists ("@<>+T1+T2...", CAF 0.17 portable names) of the messages a client sends
// to engine_api over the network: batond's wire guard passes no other direct message on.
// Keep in step with engine_api above (the end-to-end tests through batond fail otherwise).
std::vector<std::string> api_message_types();

// caf::error <-> baton::error for the "baton" category.
caf::error to_caf(const error& e);
error from_caf(const caf::error& e);

// Registers the API's message types and error category; call on both sides of a connection.
void register_api_types(caf::actor_system_config& cfg);

}  // namespace baton
