#include "tools/common/event_view.hpp"

#include <sys/ioctl.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>

namespace baton::cli {

std::optional<std::string> event_filter::only_stream() const {
  if (!stream.empty()) return stream;
  if (!campaign.empty()) return "campaign/" + campaign;
  return std::nullopt;
}

bool event_filter::matches_envelope(const event& e, const event_catalog& c) const {
  if (!stream.empty() && e.stream != stream) return false;
  if (!campaign.empty() && e.stream != "campaign/" + campaign) return false;
  if (!type.empty() && c.type_name(e.type) != type) return false;
  if (!actor.empty() && e.actor != actor) return false;
  if (since_us && e.time < *since_us) return false;
  if (until_us && e.time > *until_us) return false;
  if (since_seq && e.global_seq < *since_seq) return false;
  if (until_seq && e.global_seq > *until_seq) return false;
  return true;
}

bool event_filter::matches(const event& e, const nlohmann::json& ej, const event_catalog& c) const {
  if (!matches_envelope(e, c)) return false;
  const auto& p = ej["payload"];
  if (run) {
    if (!p.contains("run") || p["run"].get<std::uint64_t>() != *run) return false;
  }
  if (!activity.empty()) {
    bool hit = (p.contains("activity") && p["activity"] == activity) ||
               (p.contains("from") && p["from"] == activity) ||
               (p.contains("to") && p["to"] == activity);
    if (!hit) return false;
  }
  return true;
}

namespace {

std::string scalar(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// "run=1 activity=gold outputs=[out:1200]" — long texts (definitions) are elided.
std::string payload_summary(const nlohmann::json& p) {
  std::string out;
  for (auto it = p.begin(); it != p.end(); ++it) {
    if (it.key() == "logs") continue;  // long; `--json` has them
    std::string v;
    if (it.key() == "definition")
      v = "<" + std::to_string(scalar(it.value()).size()) + " bytes>";
    else if (it.key() == "outputs" && it.value().is_array()) {
      v = "[";
      for (auto& o : it.value()) {
        if (v.size() > 1) v += ",";
        v += scalar(o.value("output", "")) + ":" + scalar(o.value("count", nlohmann::json("0")));
      }
      v += "]";
    } else if (it.value().is_array() || it.value().is_object()) {
      v = it.value().dump();
    } else {
      v = scalar(it.value());
    }
    if (!out.empty()) out += ' ';
    out += it.key() + "=" + v;
  }
  return out;
}

std::string pad(std::string s, std::size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

}  // namespace

std::string format_event_header(std::size_t width) {
  std::string line = pad("SEQ", 8) + pad("TIME", 22) + pad("STREAM#N", 26) + pad("TYPE", 24) +
                     pad("ACTOR", 10) + "DETAILS";
  return line.size() > width ? line.substr(0, width) : line;
}

std::string format_event_line(const nlohmann::json& ej, std::size_t width) {
  std::string time = ej["time"].get<std::string>();
  if (time.size() > 20) time = time.substr(0, 19) + "Z";  // seconds are enough on a terminal
  std::string line = pad(std::to_string(ej["seq"].get<std::uint64_t>()), 8) + pad(time, 22) +
                     pad(ej["stream"].get<std::string>() + "#" +
                             std::to_string(ej["streamSeq"].get<std::uint64_t>()),
                         26) +
                     pad(ej["type"].get<std::string>(), 24) +
                     pad(ej["actor"].get<std::string>(), 10) + payload_summary(ej["payload"]);
  if (line.size() > width && width > 3) line = line.substr(0, width - 3) + "...";
  return line;
}

std::size_t terminal_width() {
  if (const char* c = std::getenv("COLUMNS"); c && std::atoi(c) > 20)
    return static_cast<std::size_t>(std::atoi(c));
  winsize ws{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
    return ws.ws_col;
  return 160;
}

}  // namespace baton::cli
