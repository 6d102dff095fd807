// The typed events of a template's stream ("template/<name>", schema in events/template.capnp):
// each save of a campaign under a template name is one `template_saved`, and the template's
// version is that event's sequence in the stream. `to_event` / `template_event_from` as for
// campaign events.
#pragma once

#include <cstdint>
#include <string>

#include "events/event.hpp"
#include "events/result.hpp"

namespace baton::ev {

inline constexpr const char* template_stream_prefix = "template/";

struct template_saved {
  static constexpr std::uint16_t type = 50;
  bool operator==(const template_saved&) const = default;
  std::string name, definition, source_campaign;
};

// A store event (type, version 1, payload); identity fields left empty.
event to_event(const template_saved& e);
// The typed event of a store event already upcast to the current version; errc::integrity for
// anything else.
result<template_saved> template_event_from(const event& e);

}  // namespace baton::ev
