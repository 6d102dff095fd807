#include "audience/suppression.hpp"

#include <algorithm>
#include <map>

#include "audience/csv.hpp"
#include "model/time.hpp"

namespace baton::audience {

namespace {

constexpr std::size_t k_in_chunk = 500;

bool known_channel(std::string_view c) {
  return c == "email" || c == "sms" || c == "push";
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return std::string();
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// A time bound that compares right with format_time's text: whole seconds, without the "Z", so
// "...:05.5Z" sorts after "...:05" and before "...:06".
std::string second_bound(time_us t) {
  auto text = format_time(t - ((t % 1'000'000) + 1'000'000) % 1'000'000);
  return text.substr(0, text.size() - 1);
}

result<std::int64_t> count_bounces(backend& b, const bounce_event& e, const std::string& address,
                                   const char* kind, const std::string& since,
                                   const std::string& until) {
  std::string sql = "SELECT count(*) FROM baton_bounces WHERE channel = " + b.placeholder(1) +
                    " AND address = " + b.placeholder(2) + " AND class = " + b.placeholder(3);
  std::vector<value> p = {value::text(e.channel), value::text(address), value::text(kind)};
  if (!since.empty()) {
    sql += " AND \"at\" >= " + b.placeholder(4) + " AND \"at\" < " + b.placeholder(5);
    p.push_back(value::text(since));
    p.push_back(value::text(until));
  }
  return query_int(b, sql, p);
}

// The reason an event of `kind` suppresses with, given the address's history ("" = not yet).
result<std::string> suppression_reason(backend& b, const bounce_event& e,
                                       const std::string& address, const suppress_rules& rules) {
  if (e.kind == "complaint") return std::string(k_reason_complaint);
  if (e.kind == "unsubscribe") return std::string(k_reason_unsubscribe);
  if (e.kind == "hard") {
    auto n = count_bounces(b, e, address, "hard", "", "");
    if (!n) return n.err();
    return std::string(*n >= rules.hard ? k_reason_hard : "");
  }
  constexpr time_us day = 86'400'000'000LL;
  auto n = count_bounces(b, e, address, "soft", second_bound(e.at - rules.soft_days * day),
                         second_bound(e.at + 1'000'000));
  if (!n) return n.err();
  return std::string(*n >= rules.soft ? k_reason_soft : "");
}

}  // namespace

status ensure_suppression_tables(backend& b) {
  for (const char* sql :
       {"CREATE TABLE IF NOT EXISTS baton_suppression (channel TEXT NOT NULL, address TEXT NOT "
        "NULL, reason TEXT NOT NULL, source TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY "
        "(channel, address, reason))",
        "CREATE TABLE IF NOT EXISTS baton_bounces (report_id TEXT PRIMARY KEY, channel TEXT NOT "
        "NULL, address TEXT NOT NULL, class TEXT NOT NULL, message_id TEXT NOT NULL, \"at\" TEXT "
        "NOT NULL, source TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS baton_bounces_address ON baton_bounces (channel, address, "
        "class, \"at\")"}) {
    auto r = b.exec(sql);
    if (r) continue;
    // Another connection created them at the same moment (PostgreSQL reports a duplicate).
    auto cols = b.table_columns("baton_bounces");
    if (!cols || cols->empty()) return r.err();
  }
  return ok_status();
}

std::string suppression_address(std::string_view channel, std::string_view address) {
  std::string a = trim(address);
  if (channel == "email") {
    std::transform(a.begin(), a.end(), a.begin(), [](unsigned char c) {
      return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
  } else if (channel == "sms") {
    a.erase(std::remove_if(a.begin(), a.end(),
                           [](char c) {
                             return std::string_view(" .-()/").find(c) != std::string_view::npos;
                           }),
            a.end());
  }
  return a;
}

status check_entry(const suppression_entry& e) {
  if (!known_channel(e.channel))
    return make_error(errc::validation, "channel",
                      "expected email, sms or push, got `" + e.channel + "`");
  if (suppression_address(e.channel, e.address).empty())
    return make_error(errc::validation, "address", "the address is blank");
  if (e.reason.empty() || e.reason.size() > 64 ||
      std::any_of(e.reason.begin(), e.reason.end(),
                  [](unsigned char c) { return c < 0x20 || c == 0x7F; }))
    return make_error(errc::validation, "reason",
                      "a reason is 1 to 64 characters without control characters");
  return ok_status();
}

result<bool> add_suppression(backend& b, suppression_entry e) {
  e.address = suppression_address(e.channel, e.address);
  auto n = b.exec(
      "INSERT INTO baton_suppression (channel, address, reason, source, created_at) VALUES (" +
          b.placeholder(1) + ", " + b.placeholder(2) + ", " + b.placeholder(3) + ", " +
          b.placeholder(4) + ", " + b.placeholder(5) +
          ") ON CONFLICT (channel, address, reason) DO NOTHING",
      {value::text(e.channel), value::text(e.address), value::text(e.reason), value::text(e.source),
       value::text(e.created_at)});
  if (!n) return n.err();
  return *n > 0;
}

result<std::uint64_t> remove_suppression(backend& b, std::string_view channel,
                                         std::string_view address) {
  return b.exec(
      "DELETE FROM baton_suppression WHERE channel = " + b.placeholder(1) +
          " AND address = " + b.placeholder(2),
      {value::text(std::string(channel)), value::text(suppression_address(channel, address))});
}

result<std::vector<suppression_entry>> list_suppressions(backend& b, const std::string& channel) {
  std::vector<suppression_entry> out;
  std::string sql = "SELECT channel, address, reason, source, created_at FROM baton_suppression";
  std::vector<value> p;
  if (!channel.empty()) {
    sql += " WHERE channel = " + b.placeholder(1);
    p.push_back(value::text(channel));
  }
  auto st = b.query(sql + " ORDER BY channel, address, reason", p, [&](const row& r) {
    out.push_back({r[0].to_text(), r[1].to_text(), r[2].to_text(), r[3].to_text(), r[4].to_text()});
    return true;
  });
  if (!st) return st.err();
  return out;
}

result<std::set<std::string>> suppressed_among(backend& b, const std::string& channel,
                                               bool marketing,
                                               const std::vector<std::string>& addresses) {
  std::set<std::string> out;
  for (std::size_t at = 0; at < addresses.size(); at += k_in_chunk) {
    auto n = std::min(k_in_chunk, addresses.size() - at);
    std::string sql =
        "SELECT DISTINCT address FROM baton_suppression WHERE channel = " + b.placeholder(1) +
        (marketing ? "" : " AND reason <> " + b.placeholder(2)) + " AND address IN (";
    std::vector<value> p = {value::text(channel)};
    if (!marketing) p.push_back(value::text(k_reason_unsubscribe));
    for (std::size_t i = 0; i < n; ++i) {
      p.push_back(value::text(addresses[at + i]));
      sql += (i ? ", " : "") + b.placeholder(static_cast<int>(p.size()));
    }
    auto st = b.query(sql + ")", p, [&](const row& r) {
      out.insert(r[0].to_text());
      return true;
    });
    if (!st) return st.err();
  }
  return out;
}

std::string suppression_csv(const std::vector<suppression_entry>& entries) {
  std::string out = "address,channel,reason\n";
  for (const auto& e : entries) out += csv_join({e.address, e.channel, e.reason}) + "\n";
  return out;
}

result<suppression_import> import_suppression_csv(backend& b, const std::string& path,
                                                  const std::string& source,
                                                  const std::string& created_at) {
  auto reader = csv_reader::open(path);
  if (!reader) return reader.err();
  std::vector<std::string> fields;
  std::uint64_t line = 0;
  auto first = (*reader)->next(fields, line);
  if (!first) return first.err();
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; *first && i < fields.size(); ++i) col[trim(fields[i])] = i;
  if (!col.count("address") || !col.count("channel"))
    return make_error(errc::validation, path,
                      "the header must name the columns address and channel (and may name reason)");
  suppression_import out;
  for (;;) {
    auto more = (*reader)->next(fields, line);
    if (!more) return more.err();
    if (!*more) break;
    auto get = [&](const char* name) {
      auto it = col.find(name);
      return it != col.end() && it->second < fields.size() ? trim(fields[it->second]) : "";
    };
    suppression_entry e{get("channel"), get("address"), get("reason"), source, created_at};
    if (e.reason.empty()) e.reason = k_reason_manual;
    if (auto ok = check_entry(e); !ok) {
      out.rejected.push_back({"line " + std::to_string(line), ok.err().message()});
      continue;
    }
    auto added = add_suppression(b, e);
    if (!added) return added.err();
    ++(*added ? out.added : out.already);
  }
  return out;
}

result<bounce_outcome> record_bounce(backend& b, const bounce_event& e,
                                     const suppress_rules& rules) {
  if (e.kind != "hard" && e.kind != "soft" && e.kind != "complaint" && e.kind != "unsubscribe")
    return make_error(errc::validation, "kind",
                      "expected hard, soft, complaint or unsubscribe, got `" + e.kind + "`");
  std::string address = suppression_address(e.channel, e.address);
  if (address.empty()) return make_error(errc::validation, "address", "the address is blank");
  if (!known_channel(e.channel))
    return make_error(errc::validation, "channel", "expected email, sms or push");
  auto n = b.exec(
      "INSERT INTO baton_bounces (report_id, channel, address, class, message_id, \"at\", source) "
      "VALUES (" +
          b.placeholder(1) + ", " + b.placeholder(2) + ", " + b.placeholder(3) + ", " +
          b.placeholder(4) + ", " + b.placeholder(5) + ", " + b.placeholder(6) + ", " +
          b.placeholder(7) + ") ON CONFLICT (report_id) DO NOTHING",
      {value::text(e.report_id), value::text(e.channel), value::text(address), value::text(e.kind),
       value::text(e.message_id), value::text(format_time(e.at)), value::text(e.source)});
  if (!n) return n.err();
  bounce_outcome out;
  if (*n == 0) {
    out.duplicate = true;
    return out;
  }
  auto reason = suppression_reason(b, e, address, rules);
  if (!reason) return reason.err();
  if (reason->empty()) return out;
  auto added = add_suppression(b, {e.channel, address, *reason, e.source, format_time(e.at)});
  if (!added) return added.err();
  if (*added) out.suppressed = *reason;
  return out;
}

}  // namespace baton::audience
