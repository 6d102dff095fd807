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
    capnp::FlatArrayMessageReader reader(kj::arrayPtr(words.data(), words.size()));
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
