// Recovery: a campaign's state is its latest snapshot folded forward with the events after it.
#include "actors/engine_context.hpp"
#include "events/catalog.hpp"

namespace baton {

result<campaign_state> load_campaign(const event_store& store, const std::string& id) {
  campaign_state s;
  std::string stream = "campaign/" + id;
  auto snap = store.get_snapshot(stream);
  if (snap && snap->has_value()) {
    auto decoded = decode_state((*snap)->state);
    if (decoded) s = std::move(decoded.value());  // an unreadable snapshot: fold from the start
  }
  auto tail = store.read_stream(stream, s.version + 1);
  if (!tail) return tail.err();
  const auto& catalog = baton_event_catalog();
  for (auto& e : tail.value()) {
    auto up = catalog.upcast(std::move(e));  // the events are not needed afterwards
    if (!up) return up.err();
    if (auto st = apply(s, up.value()); !st) return st.err();
  }
  return s;
}

}  // namespace baton
