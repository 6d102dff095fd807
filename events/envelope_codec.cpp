#include "events/envelope_codec.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include "events/envelope.capnp.h"
#include "events/payload.hpp"

namespace baton {

namespace {

kj::ArrayPtr<const kj::byte> bytes_of(const std::string& s) {
  return kj::arrayPtr(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

kj::ArrayPtr<const kj::byte> bytes_of(const event_hash& h) {
  return kj::arrayPtr(h.data(), h.size());
}

bool copy_hash(capnp::Data::Reader d, event_hash& out) {
  if (d.size() != out.size()) return false;
  std::memcpy(out.data(), d.begin(), out.size());
  return true;
}

}  // namespace

std::string encode_envelope(const event& e) {
  capnp::MallocMessageBuilder msg(128);
  auto b = msg.initRoot<capnp_schema::Envelope>();
  b.setStream(e.stream);
  b.setStreamSeq(e.stream_seq);
  b.setGlobalSeq(e.global_seq);
  b.setTimeUs(e.time);
  b.setType(e.type);
  b.setVersion(e.version);
  b.setActor(e.actor);
  b.setCommandId(e.command_id);
  b.setCorrelationId(e.correlation_id);
  b.setCausationId(e.causation_id);
  b.setPayload(bytes_of(e.payload));
  b.setPrevHash(bytes_of(e.prev_hash));
  b.setHash(bytes_of(e.hash));
  auto words = capnp::messageToFlatArray(msg);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

status decode_envelope_into(std::string_view bytes, event& e, std::vector<std::uint64_t>& scratch) {
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0)
    return make_error(errc::integrity, "",
                      "event record of " + std::to_string(bytes.size()) +
                          " bytes is not a whole number of 8-byte words");
  // Cap'n Proto readers need word alignment; RocksDB values are not aligned.
  scratch.resize(bytes.size() / sizeof(capnp::word));
  std::memcpy(scratch.data(), bytes.data(), bytes.size());
  auto words = kj::arrayPtr(reinterpret_cast<const capnp::word*>(scratch.data()), scratch.size());
  kj::Maybe<kj::Exception> failure = kj::runCatchingExceptions([&]() {
    capnp::FlatArrayMessageReader reader(words, bounded_reader_options(words.size()));
    auto r = reader.getRoot<capnp_schema::Envelope>();
    auto assign = [](std::string& out, capnp::Text::Reader t) { out.assign(t.cStr(), t.size()); };
    assign(e.stream, r.getStream());
    e.stream_seq = r.getStreamSeq();
    e.global_seq = r.getGlobalSeq();
    e.time = r.getTimeUs();
    e.type = r.getType();
    e.version = r.getVersion();
    assign(e.actor, r.getActor());
    assign(e.command_id, r.getCommandId());
    assign(e.correlation_id, r.getCorrelationId());
    assign(e.causation_id, r.getCausationId());
    auto p = r.getPayload();
    e.payload.assign(reinterpret_cast<const char*>(p.begin()), p.size());
    if (!copy_hash(r.getPrevHash(), e.prev_hash) || !copy_hash(r.getHash(), e.hash))
      KJ_FAIL_REQUIRE("hash fields must be 32 bytes");
  });
  KJ_IF_MAYBE (ex, failure) {
    return make_error(errc::integrity, "",
                      std::string("corrupt event record: ") + ex->getDescription().cStr());
  }
  return ok_status();
}

result<event> decode_envelope(std::string_view bytes) {
  event e;
  std::vector<std::uint64_t> scratch;
  auto st = decode_envelope_into(bytes, e, scratch);
  if (!st) return st.err();
  return e;
}

static const char* hex_digits = "0123456789abcdef";

std::string to_hex(const event_hash& h) {
  std::string out;
  out.reserve(64);
  for (auto b : h) {
    out += hex_digits[b >> 4];
    out += hex_digits[b & 15];
  }
  return out;
}

bool from_hex(std::string_view hex, event_hash& out) {
  if (hex.size() != 64) return false;
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < 32; ++i) {
    int hi = val(hex[2 * i]), lo = val(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

}  // namespace baton
