#include "events/catalog.hpp"

#include <cstring>
#include <stdexcept>

#include <capnp/compat/json.h>
#include <capnp/dynamic.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include "events/payload.hpp"

namespace baton {

void event_catalog::add(event_type_info info) {
  if (info.id == 0 || info.schemas.empty())
    throw std::logic_error("event type needs an id and at least one schema: " + info.name);
  if (info.upcasters.size() + 1 != info.schemas.size())
    throw std::logic_error("event type needs one upcaster per old version: " + info.name);
  if (by_id_.count(info.id) || by_name_.count(info.name))
    throw std::logic_error("duplicate event type: " + info.name);
  by_name_.emplace(info.name, info.id);
  by_id_.emplace(info.id, std::move(info));
}

const event_type_info* event_catalog::find(std::uint16_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

const event_type_info* event_catalog::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : find(it->second);
}

std::vector<const event_type_info*> event_catalog::all() const {
  std::vector<const event_type_info*> out;
  for (auto& [id, info] : by_id_) out.push_back(&info);
  return out;
}

std::string event_catalog::type_name(std::uint16_t id) const {
  auto* t = find(id);
  return t ? t->name : "type#" + std::to_string(id);
}

result<event> event_catalog::upcast(event e) const {
  auto* t = find(e.type);
  auto where = "event #" + std::to_string(e.global_seq);
  if (!t) return make_error(errc::integrity, where, "unknown event type " + std::to_string(e.type));
  if (e.version == 0 || e.version > t->current_version())
    return make_error(errc::integrity, where,
                      "unsupported version " + std::to_string(e.version) + " of " + t->name +
                          " (this build reads up to " + std::to_string(t->current_version()) + ")");
  while (e.version < t->current_version()) {
    auto next = t->upcasters[e.version - 1](e.payload);
    if (!next)
      return make_error(
          errc::integrity, where,
          "cannot upcast " + t->name + " v" + std::to_string(e.version) + ": " + next.err().what);
    e.payload = std::move(next.value());
    ++e.version;
  }
  return e;
}

result<std::string> event_catalog::payload_json(const event& e) const {
  auto* t = find(e.type);
  auto where = "event #" + std::to_string(e.global_seq);
  if (!t) return make_error(errc::integrity, where, "unknown event type " + std::to_string(e.type));
  if (e.version == 0 || e.version > t->current_version())
    return make_error(errc::integrity, where, "unsupported version of " + t->name);
  if (e.payload.empty() || e.payload.size() % sizeof(capnp::word) != 0)
    return make_error(errc::integrity, where, "payload is not a whole, non-zero number of words");
  std::vector<capnp::word> words(e.payload.size() / sizeof(capnp::word));
  std::memcpy(words.data(), e.payload.data(), e.payload.size());
  std::string out;
  auto failure = kj::runCatchingExceptions([&]() {
    capnp::FlatArrayMessageReader reader(kj::arrayPtr(words.data(), words.size()),
                                         bounded_reader_options(words.size()));
    auto root = reader.getRoot<capnp::DynamicStruct>(t->schemas[e.version - 1]);
    capnp::JsonCodec codec;
    codec.handleByAnnotation(t->schemas[e.version - 1]);
    auto text = codec.encode(capnp::DynamicValue::Reader(root), t->schemas[e.version - 1]);
    out.assign(text.cStr(), text.size());
  });
  KJ_IF_MAYBE (ex, failure) {
    return make_error(errc::integrity, where,
                      "corrupt " + t->name + " payload: " + ex->getDescription().cStr());
  }
  return out;
}

}  // namespace baton
