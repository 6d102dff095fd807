#include "audience/recipient_population.hpp"

#include "audience/activity_support.hpp"
#include "audience/schema.hpp"

namespace baton::audience {

result<ev::population> recipient_population(backend& b, const entity& e, const wt_owner& o,
                                            const std::string& key, time_us now) {
  if (auto st = ensure_internal_tables(b); !st) return st.err();
  worktable wt = detail::entity_worktable(e);
  if (auto st = create_worktable(b, o, "out", wt, now); !st) return st.err();
  if (auto v = parse_value(key, wt.columns.front().type)) {
    sql_builder q(b);
    q << "INSERT INTO " << quote_id(wt.table) << " (" << quote_id(e.key) << ") SELECT t."
      << quote_id(e.key) << " FROM " << quote_id(e.name) << " t WHERE t." << quote_id(e.key)
      << " = " << q.bind(*v);
    if (auto st = detail::run(b, q); !st) return st.err();
  }
  return finish_worktable(b, wt, "out");
}

result<std::optional<nlohmann::json>> worktable_first_row(backend& b, const std::string& table) {
  auto wt = describe_worktable(b, table);
  if (!wt) return wt.err();
  std::vector<const wt_column*> cols;
  for (auto& c : wt->columns)
    if (c.name != wt->row_key && c.name != wt->dim_key) cols.push_back(&c);
  std::string sql = "SELECT " + quote_id(wt->row_key);
  for (auto* c : cols) sql += ", " + quote_id(c->name);
  sql += " FROM " + quote_id(table) + " ORDER BY " + quote_id(wt->row_key) + " LIMIT 1";
  std::optional<nlohmann::json> out;
  auto st = b.query(sql, {}, [&](const row& r) {
    nlohmann::json j = nlohmann::json::object();
    for (std::size_t i = 0; i < cols.size() && i + 1 < r.size(); ++i)
      j[cols[i]->name] = cell_json(r[i + 1], cols[i]->type, cols[i]->json);
    out = std::move(j);
    return false;
  });
  if (!st) return st.err();
  return out;
}

}  // namespace baton::audience
