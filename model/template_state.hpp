// Campaign templates (PRODUCT.md §8.3, INTERFACES.md §10) as the fold of their streams
// ("template/<name>"): every `template save` under a name is its next version (1, 2, ...), holding
// the whole definition (variables and guardrail members included). Only apply() changes a
// template; decide_template_save checks the name and the role before anything is appended.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/event.hpp"
#include "events/template_events.hpp"
#include "model/config.hpp"

namespace baton {

struct template_version {
  std::uint32_t version = 0;
  std::string definition;  // canonical campaign JSON
  std::string source_campaign, saved_by;
  time_us saved_at = 0;
};

struct template_state {
  std::string name;
  std::vector<template_version> versions;  // versions[i].version == i + 1
  bool exists() const { return !versions.empty(); }
  // Version `v`, 0 = the latest; nullptr when there is none.
  const template_version* find(std::uint32_t v = 0) const;
};

// The stream of template `name`.
inline std::string template_stream(const std::string& name) {
  return ev::template_stream_prefix + name;
}

// Folds one event of the template's stream; anything that does not fit is errc::integrity.
status apply(template_state& s, const event& e);

// Why `name` cannot name a template ("" when it can): 1 to 64 letters, digits, '.', '_', '-',
// not starting with '-' or '.'.
std::string check_template_name(const std::string& name);

// `template save`: a manager or more; the event that saves `definition_json` (already validated,
// canonical) from campaign `source` as the next version of template `name`.
result<ev::template_saved> decide_template_save(const template_state& s, const std::string& name,
                                                const std::string& definition_json,
                                                const std::string& source, const std::string& actor,
                                                role who);

// `template show --json`: {"name", "version", "definition" (an object), "sourceCampaign",
// "savedAt", "savedBy"}; `template list --json` items: {"name", "version", "savedAt", "savedBy"}.
nlohmann::json template_json(const template_state& s, const template_version& v);
nlohmann::json template_summary_json(const template_state& s);

}  // namespace baton
