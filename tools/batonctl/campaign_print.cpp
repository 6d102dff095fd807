#include "tools/batonctl/campaign_print.hpp"

#include <sstream>

namespace baton::ctl {

namespace {

std::string str(const nlohmann::json& j, const char* key, const std::string& none = "-") {
  if (!j.contains(key) || j[key].is_null()) return none;
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

std::string pad(std::string s, std::size_t w) {
  if (s.size() > w) s = s.substr(0, w - 1) + "…";
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

std::string outputs_text(const nlohmann::json& outputs) {
  std::string out;
  for (auto& [name, count] : outputs.items())
    out += (out.empty() ? "" : " ") + name + "=" + count.dump();
  return out.empty() ? "-" : out;
}

}  // namespace

std::string list_table(const nlohmann::json& campaigns) {
  std::ostringstream out;
  out << pad("ID", 12) << pad("NAME", 26) << pad("STATUS", 11) << pad("LAST RUN", 24)
      << pad("NEXT RUN", 22) << pad("DIMENSION", 12) << "ERROR\n";
  for (auto& c : campaigns) {
    std::string last = "-";
    if (!c["lastRun"].is_null())
      last = "#" + c["lastRun"]["run"].dump() + " " + c["lastRun"]["status"].get<std::string>();
    std::string err = c["error"].is_null() ? "-"
                                           : c["error"]["activity"].get<std::string>() + ": " +
                                                 c["error"]["message"].get<std::string>();
    out << pad(str(c, "id"), 12) << pad(str(c, "name"), 26) << pad(str(c, "status"), 11)
        << pad(last, 24) << pad(str(c, "nextRun"), 22) << pad(str(c, "dimension"), 12) << err
        << "\n";
  }
  if (campaigns.empty()) out << "(no campaigns)\n";
  return out.str();
}

std::string show_text(const nlohmann::json& c) {
  std::ostringstream out;
  out << "Campaign " << str(c, "id") << "  \"" << str(c, "name")
      << "\"  status: " << str(c, "status") << "\n";
  out << "Dimension: " << str(c, "dimension")
      << "   Schedule: " << (c["schedule"].is_null() ? "as soon as possible" : c["schedule"].dump())
      << "   Next run: " << str(c, "nextRun") << "\n";
  if (!c["error"].is_null())
    out << "Error: " << c["error"]["activity"].get<std::string>() << ": "
        << c["error"]["message"].get<std::string>() << "\n";
  out << "Created " << str(c, "createdAt") << " by " << str(c, "createdBy")
      << "   Version: " << str(c, "version");
  if (c.contains("nextVersion"))
    out << " (version " << str(c, "nextVersion") << " from the next run)";
  if (c.contains("proposedVersion"))
    out << " (version " << str(c, "proposedVersion") << " waits for approval)";
  out << "\n";
  for (auto& r : c["runs"]) {
    out << "\nRun " << r["run"].dump() << (r["test"].get<bool>() ? " (test)" : "")
        << (r.contains("version") ? " on version " + r["version"].dump() : "") << ": "
        << r["status"].get<std::string>() << "  started " << str(r, "startedAt") << "  ended "
        << str(r, "endedAt");
    if (!r["error"].is_null()) out << "  error: " << r["error"].get<std::string>();
    out << "\n  " << pad("ACTIVITY", 18) << pad("TYPE", 18) << pad("STATUS", 20) << pad("IN", 10)
        << "OUTPUTS\n";
    for (auto& t : r["tasks"]) {
      std::string status = t["status"].get<std::string>();
      if (t.contains("skipReason")) status += " (" + t["skipReason"].get<std::string>() + ")";
      out << "  " << pad(str(t, "activity"), 18) << pad(str(t, "type"), 18) << pad(status, 20)
          << pad(t["countIn"].dump(), 10) << outputs_text(t["outputs"]);
      if (!t["error"].is_null()) out << "  error: " << t["error"].get<std::string>();
      out << "\n";
    }
  }
  for (auto& a : c["alerts"])
    out << "Alert (run " << a["run"].dump() << ", " << str(a, "activity")
        << "): " << str(a, "title") << " — " << str(a, "message") << "\n";
  return out.str();
}

}  // namespace baton::ctl
