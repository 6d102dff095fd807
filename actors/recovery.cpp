// Recovery: a campaign's state is its latest snapshot folded forward with the events after it.
// A read that fails is an error with its cause (never "no such campaign"), and an event the fold
// cannot take is named: stream, sequence, type and version.
#include <spdlog/spdlog.h>

#include "actors/engine_context.hpp"
#include "events/catalog.hpp"

namespace baton {

namespace {

// Where a fold broke, as the quarantine names it: stream#seq (type vN, global #G): why.
error fold_break(const std::string& stream, std::uint64_t seq, std::uint64_t global,
                 std::uint16_t type, std::uint16_t version, const error& why) {
  return make_error(errc::integrity, stream + "#" + std::to_string(seq),
                    "the campaign's log does not fold at this event (" +
                        baton_event_catalog().type_name(type) + " v" + std::to_string(version) +
                        ", global #" + std::to_string(global) + "): " + why.what);
}

}  // namespace

error fold_break(const event& e, const error& why) {
  return fold_break(e.stream, e.stream_seq, e.global_seq, e.type, e.version, why);
}

result<campaign_state> load_campaign(const event_store& store, const std::string& id) {
  campaign_state s;
  std::string stream = "campaign/" + id;
  auto snap = store.get_snapshot(stream);
  if (!snap && snap.err().code != errc::integrity)
    return make_error(snap.err().code, stream,
                      "cannot read the campaign's snapshot: " + snap.err().message());
  if (!snap)  // a damaged snapshot is only a shortcut lost: fold from the start
    spdlog::warn("campaign {}: snapshot ignored: {}", id, snap.err().message());
  if (snap && snap->has_value()) {
    auto decoded = decode_state((*snap)->state);
    if (decoded) s = std::move(decoded.value());  // an unreadable snapshot: fold from the start
  }
  auto tail = store.read_stream(stream, s.version + 1);
  if (!tail)
    return make_error(tail.err().code, stream,
                      "cannot read the campaign's log: " + tail.err().message());
  const auto& catalog = baton_event_catalog();
  for (auto& e : tail.value()) {
    auto seq = e.stream_seq, global = e.global_seq;
    auto type = e.type, version = e.version;
    auto up = catalog.upcast(std::move(e));  // the events are not needed afterwards
    if (!up) return fold_break(stream, seq, global, type, version, up.err());
    if (auto st = apply(s, up.value()); !st)
      return fold_break(stream, seq, global, type, version, st.err());
  }
  return s;
}

}  // namespace baton
