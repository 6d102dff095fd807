// Fuzz target: decoding what the store holds (a tampered or corrupt log must be errc::integrity,
// never a crash): the bytes as an envelope, then as the payload of every event type of the
// catalog at every version (upcast, JSON rendering, the typed campaign event), then as a
// campaign snapshot.
#include "events/campaign_events.hpp"
#include "events/catalog.hpp"
#include "events/envelope_codec.hpp"
#include "model/campaign_state.hpp"

namespace {

void decode_payload(const baton::event& e) {
  const auto& catalog = baton::baton_event_catalog();
  auto up = catalog.upcast(e);
  if (!up) return;
  (void)catalog.payload_json(up.value());
  (void)baton::ev::from_event(up.value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (auto e = baton::decode_envelope(bytes)) decode_payload(e.value());
  for (const auto* type : baton::baton_event_catalog().all()) {
    for (std::uint16_t v = 1; v <= type->current_version(); ++v) {
      baton::event e;
      e.type = type->id;
      e.version = v;
      e.payload = bytes;
      decode_payload(e);
    }
  }
  (void)baton::decode_state(bytes);
  return 0;
}
