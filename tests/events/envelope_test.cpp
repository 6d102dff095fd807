// The envelope codec and the hash chain: round trips, corrupt bytes, hash sensitivity.
#include <catch2/catch.hpp>

#include "events/envelope_codec.hpp"
#include "events/hash.hpp"

using namespace baton;

namespace {

event sample_event() {
  event e;
  e.stream = "campaign/c-1";
  e.stream_seq = 7;
  e.global_seq = 42;
  e.time = 1'767'225'600'123'456;
  e.type = 3;
  e.version = 2;
  e.actor = "alice";
  e.command_id = "cmd-1";
  e.correlation_id = "c-1/run-1";
  e.causation_id = "41";
  e.payload = std::string("\x01\x02\x00\x03payload", 11);
  e.prev_hash.fill(0xab);
  e.hash = record_hash(e);
  return e;
}

}  // namespace

TEST_CASE("an envelope survives encode and decode with every field") {
  auto e = sample_event();
  auto bytes = encode_envelope(e);
  REQUIRE(bytes.size() % 8 == 0);
  auto d = decode_envelope(bytes);
  REQUIRE(d.ok());
  CHECK(d->stream == e.stream);
  CHECK(d->stream_seq == 7);
  CHECK(d->global_seq == 42);
  CHECK(d->time == e.time);
  CHECK(d->type == 3);
  CHECK(d->version == 2);
  CHECK(d->actor == "alice");
  CHECK(d->command_id == "cmd-1");
  CHECK(d->correlation_id == "c-1/run-1");
  CHECK(d->causation_id == "41");
  CHECK(d->payload == e.payload);
  CHECK(d->prev_hash == e.prev_hash);
  CHECK(d->hash == e.hash);
}

TEST_CASE("decoding garbage gives an integrity error, never a crash") {
  CHECK(decode_envelope("").err().code == errc::integrity);
  CHECK(decode_envelope("abc").err().code == errc::integrity);
  std::string junk(64, '\xff');
  CHECK(decode_envelope(junk).err().code == errc::integrity);
  auto bytes = encode_envelope(sample_event());
  for (std::size_t cut = 8; cut < bytes.size(); cut += 8) {
    auto d = decode_envelope(bytes.substr(0, cut));  // truncated records
    if (d.ok())
      CHECK(d->payload != sample_event().payload);
    else
      CHECK(d.err().code == errc::integrity);
  }
  // Every single-byte change is caught: the record no longer decodes, no longer matches its
  // hash, or is no longer the canonical encoding of what it decodes to (verify checks all 3).
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto b = bytes;
    b[i] = static_cast<char>(b[i] ^ 0x5a);
    auto d = decode_envelope(b);
    bool detected = !d.ok() || record_hash(d.value()) != d->hash || encode_envelope(d.value()) != b;
    INFO("byte " << i);
    CHECK(detected);
  }
}

TEST_CASE("the record hash covers every field and the previous hash") {
  auto e = sample_event();
  auto h = record_hash(e);
  auto changed = [&](auto mutate) {
    auto x = e;
    mutate(x);
    return record_hash(x) != h;
  };
  CHECK(changed([](event& x) { x.stream += "x"; }));
  CHECK(changed([](event& x) { x.stream_seq++; }));
  CHECK(changed([](event& x) { x.global_seq++; }));
  CHECK(changed([](event& x) { x.time++; }));
  CHECK(changed([](event& x) { x.type++; }));
  CHECK(changed([](event& x) { x.version++; }));
  CHECK(changed([](event& x) { x.actor = "mallory"; }));
  CHECK(changed([](event& x) { x.command_id += "!"; }));
  CHECK(changed([](event& x) { x.correlation_id.clear(); }));
  CHECK(changed([](event& x) { x.causation_id = "40"; }));
  CHECK(changed([](event& x) { x.payload[0] = 9; }));
  CHECK(changed([](event& x) { x.prev_hash[31] ^= 1; }));
  // Length prefixes: moving a byte from one field to the next changes the hash.
  CHECK(changed([](event& x) {
    x.actor = "alic";
    x.command_id = "ecmd-1";
  }));
  CHECK_FALSE(changed([](event& x) { x.hash.fill(0); }));
}

TEST_CASE("hashes print as hex and parse back") {
  auto h = sample_event().hash;
  auto hex = to_hex(h);
  CHECK(hex.size() == 64);
  event_hash back{};
  REQUIRE(from_hex(hex, back));
  CHECK(back == h);
  CHECK_FALSE(from_hex("zz", back));
  CHECK_FALSE(from_hex(std::string(64, 'g'), back));
}
