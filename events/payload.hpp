// Helpers to turn a Cap'n Proto struct into payload bytes and back. Reading never crashes on bad
// bytes: a corrupt payload is an errc::integrity error.
#pragma once

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include "events/result.hpp"

namespace baton {

// Reader options for bytes of `words` words from the store or the wire. Cap'n Proto charges every
// element of a list of zero-sized structs one word against the traversal limit, and its default
// limit is 8 Mi words: a few hundred bytes could claim millions of elements and make a decoder
// allocate gigabytes (found by the events fuzzer). Reading a message once charges about its own
// size, so the limit is a small multiple of it.
inline capnp::ReaderOptions bounded_reader_options(std::size_t words) {
  capnp::ReaderOptions o;
  o.traversalLimitInWords = 4 * words + 1024;
  o.nestingLimit = 64;
  return o;
}

template <class Schema, class Fill>
std::string build_payload(Fill&& fill) {
  capnp::MallocMessageBuilder msg(64);
  fill(msg.initRoot<Schema>());
  auto words = capnp::messageToFlatArray(msg);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

// Calls read(Schema::Reader) and returns its result, or an integrity error.
template <class Schema, class T, class Read>
result<T> read_payload(std::string_view bytes, Read&& read) {
  if (bytes.size() % sizeof(capnp::word) != 0)
    return make_error(errc::integrity, "", "payload is not a whole number of 8-byte words");
  std::vector<capnp::word> words(bytes.size() / sizeof(capnp::word));
  if (!bytes.empty()) std::memcpy(words.data(), bytes.data(), bytes.size());
  T out{};
  auto failure = kj::runCatchingExceptions([&]() {
    capnp::FlatArrayMessageReader reader(kj::arrayPtr(words.data(), words.size()),
                                         bounded_reader_options(words.size()));
    out = read(reader.getRoot<Schema>());
  });
  KJ_IF_MAYBE (ex, failure) {
    return make_error(errc::integrity, "",
                      std::string("corrupt payload: ") + ex->getDescription().cStr());
  }
  return out;
}

inline std::string to_std(capnp::Text::Reader t) {
  return std::string(t.cStr(), t.size());
}

}  // namespace baton
