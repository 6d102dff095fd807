#include "audience/message_links.hpp"

#include <nlohmann/json.hpp>

namespace baton::audience {

status ensure_message_links_table(backend& b) {
  auto r = b.exec(
      "CREATE TABLE IF NOT EXISTS baton_message_links (message_id TEXT PRIMARY KEY, links TEXT "
      "NOT NULL, view TEXT)");
  if (r) return ok_status();
  auto cols = b.table_columns("baton_message_links");  // made by another connection meanwhile
  if (cols && !cols->empty()) return ok_status();
  return r.err();
}

status record_message_links(backend& b, const std::vector<message_links>& rows) {
  if (rows.empty()) return ok_status();
  auto st = b.prepare("INSERT INTO baton_message_links (message_id, links, view) VALUES (" +
                      b.placeholder(1) + ", " + b.placeholder(2) + ", " + b.placeholder(3) +
                      ") ON CONFLICT (message_id) DO NOTHING");
  if (!st) return st.err();
  for (const auto& r : rows) {
    auto links =
        nlohmann::json(r.links).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    auto done =
        (*st)->run({value::text(r.message_id), value::text(links),
                    r.view.empty() ? value::null_of(column_type::string) : value::text(r.view)});
    if (!done) return done.err();
  }
  return ok_status();
}

result<std::optional<message_links>> find_message_links(backend& b, const std::string& message_id) {
  std::optional<message_links> out;
  auto st =
      b.query("SELECT links, view FROM baton_message_links WHERE message_id = " + b.placeholder(1),
              {value::text(message_id)}, [&](const row& r) {
                message_links m;
                m.message_id = message_id;
                auto j = nlohmann::json::parse(r[0].to_text(), nullptr, false);
                if (j.is_array())
                  for (auto& u : j)
                    if (u.is_string()) m.links.push_back(u.get<std::string>());
                if (!r[1].null) m.view = r[1].to_text();
                out = std::move(m);
                return false;
              });
  if (!st) return st.err();
  return out;
}

}  // namespace baton::audience
