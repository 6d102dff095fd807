// verify_all: the store's structural checks, then one pass folding every campaign stream with
// the engine's apply(), comparing each fold with the engine's latest snapshot, and the anchor.
#include <map>

#include "events/catalog.hpp"
#include "tools/replay/replay.hpp"

namespace baton::replay {

result<anchor> parse_anchor(const std::string& text) {
  auto colon = text.find(':');
  anchor a;
  try {
    if (colon == std::string::npos) throw std::invalid_argument("no colon");
    std::size_t used = 0;
    a.seq = std::stoull(text.substr(0, colon), &used);
    if (used != colon) throw std::invalid_argument("seq");
  } catch (const std::exception&) {
    return make_error(errc::validation, "--anchor",
                      "expected SEQ:HASH as printed by `baton-replay anchor`");
  }
  if (!from_hex(text.substr(colon + 1), a.hash))
    return make_error(errc::validation, "--anchor", "the hash must be 64 hex digits");
  return a;
}

std::string format_anchor(const anchor& a) {
  return std::to_string(a.seq) + ":" + to_hex(a.hash);
}

namespace {

struct folding {
  campaign_state state;
  std::optional<snapshot> snap;
  bool compared = false;
  bool broken = false;
};

std::optional<verify_break> fold_all(const event_store& store, verify_outcome& out) {
  const auto& catalog = baton_event_catalog();
  std::map<std::string, folding> folds;
  for (auto& head : store.streams("campaign/")) {
    auto& f = folds[head.stream];
    auto snap = store.get_snapshot(head.stream);
    if (snap && snap->has_value()) f.snap = **snap;
  }
  out.campaigns = folds.size();
  std::optional<verify_break> brk;
  auto st = store.scan(1, [&](const event& e) {
    auto up = catalog.upcast(e);
    if (!up) {
      brk = verify_break{e.global_seq, e.stream, e.stream_seq, up.err().what};
      return false;
    }
    auto it = folds.find(e.stream);
    if (it == folds.end()) return true;  // not a campaign stream
    auto& f = it->second;
    if (auto a = apply(f.state, up.value()); !a) {
      brk = verify_break{e.global_seq, e.stream, e.stream_seq,
                         "the engine's fold rejects it: " + a.err().what};
      return false;
    }
    if (f.snap && !f.compared && f.state.version == f.snap->version) {
      f.compared = true;
      ++out.snapshots_checked;
      if (encode_state(f.state) != f.snap->state) {
        brk = verify_break{e.global_seq, e.stream, e.stream_seq,
                           "folding the log does not give the engine's snapshot at version " +
                               std::to_string(f.snap->version)};
        return false;
      }
    }
    return true;
  });
  if (!st) return verify_break{0, "", 0, st.err().message()};
  if (brk) return brk;
  for (auto& [stream, f] : folds)
    if (f.snap && !f.compared)
      return verify_break{
          f.snap->global_seq, stream, f.snap->version,
          "snapshot at version " + std::to_string(f.snap->version) + " is beyond the log"};
  return std::nullopt;
}

std::optional<verify_break> check_anchor(const event_store& store, const anchor& a) {
  auto es = store.read_all(a.seq, 1);
  if (!es || es->empty() || es->front().global_seq != a.seq)
    return verify_break{a.seq, "", 0, "the anchored event is no longer in the log"};
  if (es->front().hash != a.hash)
    return verify_break{a.seq, es->front().stream, es->front().stream_seq,
                        "the log up to the anchor has changed (hash differs)"};
  return std::nullopt;
}

}  // namespace

result<verify_outcome> verify_all(const event_store& store, const std::optional<anchor>& a) {
  verify_outcome out;
  auto rep = store.verify();
  if (!rep) return rep.err();
  out.store = rep.value();
  out.first_break = rep->first_break;
  if (!out.first_break && a) out.first_break = check_anchor(store, *a);
  if (!out.first_break) out.first_break = fold_all(store, out);
  return out;
}

}  // namespace baton::replay
