// Campaign templates in the engine (INTERFACES.md §10): `template save` appends the next version
// of "template/<name>" through the event writer; list and show fold the template streams read
// from the store; `campaign create --from-template` takes a template's definition. The registry
// calls these (actors/engine.cpp); roles were checked at its door.
#pragma once

#include <string>

#include <caf/all.hpp>

#include "actors/api.hpp"
#include "actors/engine_context.hpp"
#include "model/template_state.hpp"

namespace baton {

// The folded template `name` (not exists() when it has never been saved).
result<template_state> load_template(const event_store& store, const std::string& name);

// template-save: campaign = the campaign id, args.name. Reply {"name", "version", "campaign"}.
caf::result<std::string> save_template(caf::event_based_actor* self, const engine_context& ctx,
                                       const api_command& cmd);
// template-list: [{"name", "version", "savedAt", "savedBy"}] by name.
result<std::string> list_templates(const event_store& store);
// template-show: args.name, args.version (optional, default the latest). Unknown: not_found.
result<std::string> show_template(const event_store& store, const api_command& cmd);
// The definition a create --from-template starts from: template args.template at args.version
// (default the latest), named args.name when given. Unknown template or version: not_found.
result<std::string> definition_from_template(const event_store& store, const api_command& cmd);

}  // namespace baton
