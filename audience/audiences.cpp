#include "audience/audiences.hpp"

#include "audience/worktable.hpp"

namespace baton::audience {

namespace {

constexpr const char* k_columns =
    "SELECT name, dimension, row_count, updated_at, campaign, run, fingerprint, columns, "
    "row_key, dim_key, table_name FROM baton_audiences";

audience_info info_of(const row& r) {
  audience_info a;
  a.name = r[0].to_text();
  a.dimension = r[1].to_text();
  a.count = static_cast<std::uint64_t>(r[2].i);
  a.saved_at = r[3].i;
  a.campaign = r[4].to_text();
  a.run = static_cast<std::uint32_t>(r[5].i);
  a.fingerprint = r[6].to_text();
  for (auto& c : worktable::columns_from_json(nlohmann::json::parse(r[7].s, nullptr, false)))
    a.columns.push_back(c.name);
  a.key_column = r[9].s.empty() ? r[8].s : r[9].s;
  a.table = r[10].to_text();
  return a;
}

// Whether save_audience has ever run here (its table exists).
result<bool> have_audiences(backend& b) {
  auto cols = b.table_columns("baton_audiences");
  if (!cols) return cols.err();
  return !cols->empty();
}

result<std::vector<audience_info>> select_audiences(backend& b, const std::string& where,
                                                    const std::vector<value>& params) {
  std::vector<audience_info> out;
  auto have = have_audiences(b);
  if (!have) return have.err();
  if (!*have) return out;
  auto st = b.query(std::string(k_columns) + where + " ORDER BY name", params, [&](const row& r) {
    out.push_back(info_of(r));
    return true;
  });
  if (!st) return st.err();
  return out;
}

}  // namespace

result<std::vector<audience_info>> list_audiences(backend& b) {
  return select_audiences(b, "", {});
}

result<audience_info> describe_audience(backend& b, const std::string& name) {
  auto found = select_audiences(b, " WHERE name = " + b.placeholder(1), {value::text(name)});
  if (!found) return found.err();
  if (found->empty()) return make_error(errc::not_found, name, "no saved audience `" + name + "`");
  return found->front();
}

result<nlohmann::json> audience_sample(backend& b, const audience_info& a, std::uint64_t limit) {
  nlohmann::json keys = nlohmann::json::array();
  if (limit == 0) return keys;
  std::string key = quote_id(a.key_column);
  auto st = b.query("SELECT " + key + " FROM " + quote_id(a.table) + " WHERE " + key +
                        " IS NOT NULL ORDER BY " + key + " LIMIT " + std::to_string(limit),
                    {}, [&](const row& r) {
                      const value& v = r[0];
                      if (v.type == column_type::integer)
                        keys.push_back(v.i);
                      else
                        keys.push_back(v.to_text());
                      return true;
                    });
  if (!st) return st.err();
  return keys;
}

nlohmann::json audience_json(const audience_info& a) {
  return {
      {"name", a.name},
      {"dimension", a.dimension},
      {"count", a.count},
      {"savedAt", a.saved_at ? nlohmann::json(format_time(a.saved_at)) : nlohmann::json(nullptr)},
      {"campaign", a.campaign},
      {"run", a.run}};
}

}  // namespace baton::audience
