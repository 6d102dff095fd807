// verify_all: the store's structural checks, then one pass folding every campaign stream with
// the engine's apply(), comparing each fold with the engine's latest snapshot, and the anchor.
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include "events/catalog.hpp"
#include "model/security.hpp"
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

std::string anchors_path(const std::string& data_dir) {
  return data_dir + "/anchors.jsonl";
}

status record_anchor(const std::string& data_dir, const recorded_anchor& a) {
  auto path = anchors_path(data_dir);
  auto line =
      nlohmann::json{{"seq", a.at.seq}, {"hash", to_hex(a.at.hash)}, {"time", a.time}, {"by", a.by}}
          .dump() +
      "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return make_error(errc::failed, path, "cannot record the anchor: cannot write");
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) return make_error(errc::failed, path, "cannot record the anchor: write failed");
  return ok_status();
}

result<std::optional<recorded_anchor>> newest_anchor(const std::string& data_dir) {
  auto path = anchors_path(data_dir);
  std::ifstream in(path);
  std::optional<recorded_anchor> last;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    recorded_anchor a;
    bool ok = j.is_object() && j.contains("seq") && j["seq"].is_number_unsigned() &&
              j.contains("hash") && j["hash"].is_string() &&
              from_hex(j["hash"].get<std::string>(), a.at.hash);
    if (!ok)
      return make_error(errc::integrity, path + ":" + std::to_string(n),
                        "not an anchor (expected {\"seq\", \"hash\", \"time\", \"by\"})");
    a.at.seq = j["seq"].get<std::uint64_t>();
    a.time = j.value("time", "");
    a.by = j.value("by", "");
    last = a;
  }
  return last;
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
  auto heads = store.streams("campaign/");
  if (!heads) return verify_break{0, "", 0, "cannot list the campaigns: " + heads.err().message()};
  for (auto& head : heads.value()) {
    auto& f = folds[head.stream];
    auto snap = store.get_snapshot(head.stream);
    if (snap && snap->has_value()) f.snap = **snap;
  }
  out.campaigns = folds.size();
  std::optional<verify_break> brk;
  security_state users;  // the security stream, through the engine's own fold
  auto st = store.scan(1, [&](const event& e) {
    auto up = catalog.upcast(e);
    if (!up) {
      brk = verify_break{e.global_seq, e.stream, e.stream_seq, up.err().what};
      return false;
    }
    if (e.stream == ev::security_stream) {
      if (auto a = apply(users, up.value()); !a) {
        brk = verify_break{e.global_seq, e.stream, e.stream_seq,
                           "the engine's fold rejects it: " + a.err().what};
        return false;
      }
      return true;
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

// `which` names the anchor in the messages ("the anchor", "the anchor recorded at T").
std::optional<verify_break> check_anchor(const event_store& store, const anchor& a,
                                         std::uint64_t head, const std::string& which) {
  if (a.seq > head)
    return verify_break{head + 1, "", 0,
                        "the log ends at #" + std::to_string(head) + " but " + which +
                            " says it held #" + std::to_string(a.seq) + ": events were lost"};
  auto es = store.read_all(a.seq, 1);
  if (!es || es->empty() || es->front().global_seq != a.seq)
    return verify_break{a.seq, "", 0, "the event of " + which + " is no longer in the log"};
  if (es->front().hash != a.hash)
    return verify_break{a.seq, es->front().stream, es->front().stream_seq,
                        "the log up to " + which + " has changed (hash differs)"};
  return std::nullopt;
}

}  // namespace

result<verify_outcome> verify_all(const event_store& store, const std::optional<anchor>& a,
                                  const std::optional<recorded_anchor>& recorded) {
  verify_outcome out;
  auto rep = store.verify();
  if (!rep) return rep.err();
  out.store = rep.value();
  out.first_break = rep->first_break;
  if (!out.first_break && a) out.first_break = check_anchor(store, *a, rep->head_seq, "the anchor");
  if (!out.first_break && recorded)
    out.first_break = check_anchor(
        store, recorded->at, rep->head_seq,
        "the anchor recorded " + recorded->time + " (anchors.jsonl, by " + recorded->by + ")");
  if (!out.first_break) out.first_break = fold_all(store, out);
  return out;
}

}  // namespace baton::replay
