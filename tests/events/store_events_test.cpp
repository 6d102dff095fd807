// The store's own events (stream "store") survive the whole trip — typed -> payload -> envelope
// bytes -> decoded -> checked by the catalog -> typed again — and print as JSON by their schema.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "events/catalog.hpp"
#include "events/envelope_codec.hpp"
#include "events/store_events.hpp"

using namespace baton;

TEST_CASE("store_salvaged round-trips and prints with its schema's names") {
  ev::store_salvaged s{130,
                       95,
                       35,
                       "/data/events/000012.log",
                       40960,
                       "checksum mismatch",
                       "/data/salvaged-20261205T101500Z",
                       30};
  auto e = ev::to_event(s);
  e.stream = ev::store_stream;
  e.global_seq = 96;
  auto back = decode_envelope(encode_envelope(e));
  REQUIRE(back.ok());
  const auto& catalog = baton_event_catalog();
  auto up = catalog.upcast(back.value());
  REQUIRE(up.ok());
  auto typed = ev::store_salvaged_from(up.value());
  REQUIRE(typed.ok());
  CHECK(typed.value() == s);
  CHECK(catalog.type_name(ev::store_salvaged::type) == "store_salvaged");
  auto text = catalog.payload_json(e);
  REQUIRE(text.ok());
  auto j = nlohmann::json::parse(text.value());
  CHECK(j["damage"] == "checksum mismatch");
  CHECK(j["file"] == "/data/events/000012.log");
  CHECK(j.contains("headBefore"));
  CHECK(j.contains("readableDropped"));
}

TEST_CASE("store_salvaged refuses another type and a corrupt payload") {
  auto e = ev::to_event(ev::store_salvaged{});
  e.type = 1;
  CHECK_FALSE(ev::store_salvaged_from(e).ok());
  e = ev::to_event(ev::store_salvaged{});
  e.payload = std::string(16, '\x7f');
  auto r = ev::store_salvaged_from(e);
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::integrity);
}
