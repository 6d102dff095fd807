#include "actors/templates.hpp"

#include <spdlog/spdlog.h>

#include "events/catalog.hpp"
#include "model/number.hpp"

namespace baton {

namespace {

std::string arg(const api_command& cmd, const char* key) {
  auto it = cmd.args.find(key);
  return it == cmd.args.end() ? "" : it->second;
}

// The template named by args[key] at args.version: an unknown one is not_found (exit 4).
result<std::pair<template_state, template_version>> pick(const event_store& store,
                                                         const api_command& cmd, const char* key) {
  auto name = arg(cmd, key);
  if (auto why = check_template_name(name); !why.empty())
    return make_error(errc::not_found, name, "no such template (" + why + ")");
  auto t = load_template(store, name);
  if (!t) return t.err();
  if (!t->exists()) return make_error(errc::not_found, name, "no such template");
  std::uint32_t v = 0;
  if (auto text = arg(cmd, "version"); !text.empty()) {
    auto n = parse_whole_number(text, "--version", 1, UINT32_MAX);
    if (!n) return n.err();
    v = static_cast<std::uint32_t>(*n);
  }
  auto* found = t->find(v);
  if (!found)
    return make_error(errc::not_found, "--version",
                      "template " + name + " has no version " + std::to_string(v) +
                          " (versions 1 to " + std::to_string(t->versions.size()) + ")");
  auto version = *found;
  return std::pair{std::move(t.value()), std::move(version)};
}

}  // namespace

result<template_state> load_template(const event_store& store, const std::string& name) {
  template_state s;
  auto events = store.read_stream(template_stream(name));
  if (!events) return events.err();
  const auto& catalog = baton_event_catalog();
  for (auto& e : events.value()) {
    auto up = catalog.upcast(std::move(e));
    if (!up) return up.err();
    if (auto st = apply(s, up.value()); !st) return st.err();
  }
  return s;
}

caf::result<std::string> save_template(caf::event_based_actor* self, const engine_context& ctx,
                                       const api_command& cmd) {
  auto& store = *ctx.opts.store;
  auto name = arg(cmd, "name");
  auto campaign = load_campaign(store, cmd.campaign);
  if (!campaign) return to_caf(campaign.err());
  if (!campaign->exists() || campaign->status == campaign_status::deleted)
    return to_caf(make_error(errc::not_found, cmd.campaign, "no such campaign"));
  auto current = load_template(store, check_template_name(name).empty() ? name : "");
  if (!current) return to_caf(current.err());
  // The campaign's newest definition (a version waiting for the next run included).
  auto& latest =
      campaign->versions.empty() ? campaign->definition_json : campaign->versions.back().definition;
  auto d =
      decide_template_save(*current, name, latest, cmd.campaign, cmd.actor, ctx.role_of(cmd.actor));
  if (!d) return to_caf(d.err());
  auto version = current->versions.size();
  append_request req{template_stream(name), version == 0 ? no_stream : version, {}};
  auto e = ev::to_event(d.value());
  e.actor = cmd.actor;
  e.causation_id = cmd.command_id.empty() ? "engine" : cmd.command_id;
  req.events.push_back(std::move(e));
  append_batch b;
  b.opts.sync = ctx.opts.durable;
  b.opts.command_id = cmd.command_id;
  b.requests.push_back(std::move(req));
  auto rp = self->make_response_promise();
  self->request(ctx.writer, caf::infinite, append_atom::value, std::move(b))
      .then(
          [rp, name, id = cmd.campaign](append_result& r) mutable {
            std::uint64_t v = r.ranges.empty() ? 0 : r.ranges.front().first_seq;
            nlohmann::json j{{"name", name}, {"version", v}, {"campaign", id}};
            if (r.duplicate) j["duplicate"] = true;
            rp.deliver(j.dump());
          },
          [rp](caf::error& err) mutable { rp.deliver(err); });
  return caf::delegated<std::string>{};
}

result<std::string> list_templates(const event_store& store) {
  auto heads = store.streams(ev::template_stream_prefix);
  if (!heads) return heads.err();
  nlohmann::json out = nlohmann::json::array();
  for (auto& head : heads.value()) {
    auto t =
        load_template(store, head.stream.substr(std::string(ev::template_stream_prefix).size()));
    if (!t) return t.err();
    if (t->exists()) out.push_back(template_summary_json(t.value()));
  }
  return out.dump();
}

result<std::string> show_template(const event_store& store, const api_command& cmd) {
  auto t = pick(store, cmd, "name");
  if (!t) return t.err();
  return template_json(t->first, t->second).dump();
}

result<std::string> definition_from_template(const event_store& store, const api_command& cmd) {
  auto t = pick(store, cmd, "template");
  if (!t) return t.err();
  auto def = nlohmann::json::parse(t->second.definition, nullptr, false);
  if (!def.is_object())
    return make_error(errc::integrity, template_stream(t->first.name),
                      "version " + std::to_string(t->second.version) + " is not a JSON object");
  if (auto name = arg(cmd, "name"); !name.empty()) def["name"] = name;
  return def.dump();
}

}  // namespace baton
