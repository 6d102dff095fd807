#include "actors/feedback.hpp"

#include <sstream>

#include "audience/backend.hpp"
#include "audience/deliveries.hpp"
#include "model/time.hpp"

namespace baton {

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  return s;
}

bool known_event(const std::string& e) {
  return e == "delivered" || e == "bounced" || e == "opened" || e == "clicked" ||
         e == "unsubscribed";
}

}  // namespace

result<feedback_batch> match_feedback(const engine_options& o, const std::string& csv) {
  auto b = audience::open_backend(o.data_url, o.data_dir);
  if (!b) return b.err();
  if (auto st = audience::ensure_delivery_tables(*b.value()); !st) return st.err();
  feedback_batch out;
  std::istringstream in(csv);
  std::string line;
  for (std::uint64_t n = 1; std::getline(in, line); ++n) {
    line = trim(line);
    if (line.empty() || (n == 1 && line.rfind("message_id", 0) == 0)) continue;
    ++out.rows;
    auto reject = [&](const std::string& why) {
      out.rejected.push_back({{"line", n}, {"reason", why}});
    };
    std::vector<std::string> f;
    std::stringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) f.push_back(trim(cell));
    if (f.size() != 3) {
      reject("expected 3 fields (message_id,event,time), got " + std::to_string(f.size()));
      continue;
    }
    if (!known_event(f[1])) {
      reject("unknown event '" + f[1] + "' (delivered, bounced, opened, clicked, unsubscribed)");
      continue;
    }
    auto at = parse_time(f[2]);
    if (!at) {
      reject("bad time: " + at.err().what);
      continue;
    }
    auto d = audience::find_delivery(*b.value(), f[0]);
    if (!d) return d.err();
    if (!d->has_value()) {
      reject("unknown message_id " + f[0]);
      continue;
    }
    if (auto st = audience::record_feedback(*b.value(), f[0], f[1], format_time(at.value())); !st)
      return st.err();
    auto& ref = **d;
    out.by_campaign[ref.campaign].push_back({{"line", n},
                                             {"run", ref.run},
                                             {"activity", ref.activity},
                                             {"message_id", f[0]},
                                             {"event", f[1]},
                                             {"at_us", at.value()},
                                             {"recipient", ref.recipient}});
    ++out.accepted;
  }
  return out;
}

}  // namespace baton
