// template_saved (type 50, stream "template/<name>"): round-trips through the store's encoding,
// prints by its schema's field names, and refuses another type or a corrupt payload.
#include <catch2/catch.hpp>

#include "events/catalog.hpp"
#include "events/envelope_codec.hpp"
#include "events/template_events.hpp"

using namespace baton;
using namespace baton::ev;

TEST_CASE("template_saved round-trips and prints with its schema's names", "[templates]") {
  template_saved t{"weekly", R"({"name":"Weekly","variables":{"a":"b"}})", "c-12345678"};
  auto e = to_event(t);
  e.stream = "template/weekly";
  e.global_seq = 7;
  auto back = decode_envelope(encode_envelope(e));
  REQUIRE(back.ok());
  auto up = baton_event_catalog().upcast(back.value());
  REQUIRE(up.ok());
  auto typed = template_event_from(up.value());
  REQUIRE(typed.ok());
  CHECK(typed.value() == t);
  CHECK(baton_event_catalog().type_name(e.type) == "template_saved");
  auto json = baton_event_catalog().payload_json(e);
  REQUIRE(json.ok());
  CHECK(json->find("\"sourceCampaign\"") != std::string::npos);
}

TEST_CASE("template_saved refuses another type and a corrupt payload", "[templates]") {
  auto e = to_event(template_saved{"w", "{}", "c-1"});
  auto other = e;
  other.type = 51;
  CHECK(template_event_from(other).err().code == errc::integrity);
  auto corrupt = e;
  corrupt.payload = "\x01\x02";
  CHECK(template_event_from(corrupt).err().code == errc::integrity);
}
