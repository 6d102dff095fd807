#include "model/definition_diff.hpp"

#include <set>

#include "model/problem.hpp"
#include "model/time.hpp"

namespace baton {

namespace {

using json = nlohmann::json;

void add(json& out, const std::string& pointer, const char* change, const json& from,
         const json& to) {
  out.push_back({{"pointer", pointer}, {"change", change}, {"from", from}, {"to", to}});
}

// Objects member by member (in name order); anything else compared as a whole.
void diff_value(json& out, const std::string& pointer, const json& a, const json& b) {
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (auto it = a.begin(); it != a.end(); ++it) keys.insert(it.key());
    for (auto it = b.begin(); it != b.end(); ++it) keys.insert(it.key());
    for (auto& k : keys) {
      auto p = pointer_append(pointer, k);
      if (!a.contains(k))
        add(out, p, "added", nullptr, b.at(k));
      else if (!b.contains(k))
        add(out, p, "removed", a.at(k), nullptr);
      else
        diff_value(out, p, a.at(k), b.at(k));
    }
    return;
  }
  if (a != b) add(out, pointer, "changed", a, b);
}

const json& list_of(const json& doc, const char* member) {
  static const json empty = json::array();
  auto it = doc.find(member);
  return it != doc.end() && it->is_array() ? *it : empty;
}

std::string id_of(const json& activity) {
  auto it = activity.find("id");
  return it != activity.end() && it->is_string() ? it->get<std::string>() : "";
}

void diff_activities(json& out, const json& a, const json& b) {
  const json &from = list_of(a, "activities"), &to = list_of(b, "activities");
  for (std::size_t j = 0; j < to.size(); ++j) {
    auto p = pointer_append("/activities", j);
    const json* before = nullptr;
    for (auto& x : from)
      if (id_of(x) == id_of(to[j])) before = &x;
    if (!before)
      add(out, p, "added", nullptr, to[j]);
    else
      diff_value(out, p, *before, to[j]);
  }
  for (std::size_t i = 0; i < from.size(); ++i) {
    bool kept = false;
    for (auto& y : to) kept = kept || id_of(y) == id_of(from[i]);
    if (!kept) add(out, pointer_append("/activities", i), "removed", from[i], nullptr);
  }
}

void diff_transitions(json& out, const json& a, const json& b) {
  const json &from = list_of(a, "transitions"), &to = list_of(b, "transitions");
  auto in = [](const json& list, const json& t) {
    for (auto& x : list)
      if (x == t) return true;
    return false;
  };
  for (std::size_t i = 0; i < from.size(); ++i)
    if (!in(to, from[i])) add(out, pointer_append("/transitions", i), "removed", from[i], nullptr);
  for (std::size_t j = 0; j < to.size(); ++j)
    if (!in(from, to[j])) add(out, pointer_append("/transitions", j), "added", nullptr, to[j]);
}

}  // namespace

json versions_json(const campaign_state& s) {
  json out = json::array();
  for (auto& v : s.versions)
    out.push_back({{"version", v.version},
                   {"createdAt", format_time(v.created_at)},
                   {"createdBy", v.created_by}});
  return out;
}

json diff_definitions(const json& from, const json& to) {
  json out = json::array();
  json a = from.is_object() ? from : json::object(), b = to.is_object() ? to : json::object();
  json options_a = a, options_b = b;
  for (auto* m : {"activities", "transitions"}) {
    options_a.erase(m);
    options_b.erase(m);
  }
  diff_value(out, "", options_a, options_b);
  diff_activities(out, a, b);
  diff_transitions(out, a, b);
  return out;
}

result<json> diff_versions(const campaign_state& s, std::uint32_t from, std::uint32_t to) {
  auto known = " (versions 1 to " + std::to_string(s.latest_version()) + ")";
  auto* a = s.version_of(from);
  if (!a)
    return make_error(errc::not_found, "--from",
                      "campaign " + s.id + " has no version " + std::to_string(from) + known);
  auto* b = s.version_of(to);
  if (!b)
    return make_error(errc::not_found, "--to",
                      "campaign " + s.id + " has no version " + std::to_string(to) + known);
  return diff_definitions(json::parse(a->definition, nullptr, false),
                          json::parse(b->definition, nullptr, false));
}

}  // namespace baton
