#include "model/event_json.hpp"

#include "model/time.hpp"

namespace baton {

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
