#include "model/template_state.hpp"

#include <cctype>

#include "model/time.hpp"

namespace baton {

const template_version* template_state::find(std::uint32_t v) const {
  if (versions.empty()) return nullptr;
  if (v == 0) return &versions.back();
  return v <= versions.size() ? &versions[v - 1] : nullptr;
}

status apply(template_state& s, const event& e) {
  auto where = e.stream + "#" + std::to_string(e.stream_seq);
  if (e.stream_seq != s.versions.size() + 1)
    return make_error(errc::integrity, where,
                      "expected stream sequence " + std::to_string(s.versions.size() + 1));
  auto t = ev::template_event_from(e);
  if (!t) return t.err();
  if (e.stream != template_stream(t->name) || (s.exists() && t->name != s.name))
    return make_error(errc::integrity, where,
                      "template '" + t->name + "' saved in stream '" + e.stream + "'");
  s.name = t->name;
  s.versions.push_back({static_cast<std::uint32_t>(e.stream_seq), t->definition, t->source_campaign,
                        e.actor, e.time});
  return ok_status();
}

std::string check_template_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return "a template name has 1 to 64 characters";
  if (name[0] == '-' || name[0] == '.') return "a template name does not start with '-' or '.'";
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
      return "a template name has only letters, digits and . _ -";
  return "";
}

result<ev::template_saved> decide_template_save(const template_state&, const std::string& name,
                                                const std::string& definition_json,
                                                const std::string& source, const std::string& actor,
                                                role who) {
  if (auto refused = check_role(actor, who, role::manager, "template save")) return *refused;
  if (auto why = check_template_name(name); !why.empty())
    return make_error(errc::validation, "NAME", why + ", got '" + name + "'");
  return ev::template_saved{name, definition_json, source};
}

nlohmann::json template_json(const template_state& s, const template_version& v) {
  auto def = nlohmann::json::parse(v.definition, nullptr, false);
  return {{"name", s.name},
          {"version", v.version},
          {"definition", def.is_discarded() ? nlohmann::json(nullptr) : def},
          {"sourceCampaign", v.source_campaign},
          {"savedAt", format_time(v.saved_at)},
          {"savedBy", v.saved_by}};
}

nlohmann::json template_summary_json(const template_state& s) {
  auto& v = s.versions.back();
  return {{"name", s.name},
          {"version", v.version},
          {"savedAt", format_time(v.saved_at)},
          {"savedBy", v.saved_by}};
}

}  // namespace baton
