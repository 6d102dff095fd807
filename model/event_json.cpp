#include "model/event_json.hpp"

#include <charconv>

#include <capnp/schema.h>

#include "model/time.hpp"

namespace baton {

namespace {

void numbers_in(nlohmann::json& j, capnp::StructSchema s);

// Cap'n Proto's JSON codec writes 64-bit integers as strings (JavaScript cannot hold them all);
// Baton's JSON output has numbers everywhere, so they become numbers again.
void numbers_in(nlohmann::json& v, capnp::Type t) {
  auto parse = [&v](auto zero) {
    if (!v.is_string()) return;
    const auto& text = v.get_ref<const std::string&>();
    auto n = zero;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc() && end == text.data() + text.size()) v = n;
  };
  switch (t.which()) {
    case capnp::schema::Type::INT64:
      return parse(std::int64_t{0});
    case capnp::schema::Type::UINT64:
      return parse(std::uint64_t{0});
    case capnp::schema::Type::STRUCT:
      return numbers_in(v, t.asStruct());
    case capnp::schema::Type::LIST:
      if (v.is_array())
        for (auto& e : v) numbers_in(e, t.asList().getElementType());
      return;
    default:
      return;
  }
}

void numbers_in(nlohmann::json& j, capnp::StructSchema s) {
  if (!j.is_object()) return;
  for (auto field : s.getFields()) {
    auto it = j.find(std::string(field.getProto().getName().cStr()));
    if (it != j.end()) numbers_in(*it, field.getType());
  }
}

}  // namespace

nlohmann::json event_to_json(const event& e, const event_catalog& catalog) {
  nlohmann::json j;
  j["seq"] = e.global_seq;
  j["stream"] = e.stream;
  j["streamSeq"] = e.stream_seq;
  j["time"] = format_time(e.time);
  j["timeUs"] = e.time;
  j["type"] = catalog.type_name(e.type);
  j["version"] = e.version;
  j["actor"] = e.actor;
  j["commandId"] = e.command_id;
  j["correlationId"] = e.correlation_id;
  j["causationId"] = e.causation_id;
  auto payload = catalog.payload_json(e);
  if (payload) {
    auto parsed = nlohmann::json::parse(payload.value(), nullptr, false);
    const auto* type = catalog.find(e.type);
    if (!parsed.is_discarded() && type && e.version >= 1 && e.version <= type->schemas.size())
      numbers_in(parsed, type->schemas[e.version - 1]);
    j["payload"] =
        parsed.is_discarded() ? nlohmann::json{{"error", "unreadable payload JSON"}} : parsed;
  } else {
    j["payload"] = {{"error", payload.err().what}};
  }
  j["prevHash"] = to_hex(e.prev_hash);
  j["hash"] = to_hex(e.hash);
  return j;
}

}  // namespace baton
