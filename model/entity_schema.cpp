#include "model/entity_schema.hpp"

#include <cctype>
#include <set>

#include "model/json_reader.hpp"

namespace baton {

using nlohmann::json;

namespace {

const std::vector<std::string> k_column_types = {"string",  "integer", "float",
                                                 "boolean", "date",    "datetime"};
const std::vector<std::string> k_channels = {"email", "sms", "push"};
const std::vector<std::string> k_cardinalities = {"many-to-one", "one-to-one", "one-to-many"};

// Prefixes the backends and Baton keep for themselves: SQLite's own tables (sqlite_master,
// sqlite_sequence, ...), PostgreSQL's catalogs (pg_*), Baton's internal tables (baton_*) and its
// worktables (wt_*). Compared without case, as SQL compares identifiers.
const char* reserved_prefix(std::string_view name, bool table) {
  auto starts = [&](std::string_view p) {
    if (name.size() < p.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(name[i])) != p[i]) return false;
    return true;
  };
  for (const char* p : {"sqlite_", "pg_", "baton_"})
    if (starts(p)) return p;
  if (table && starts("wt_")) return "wt_";
  return nullptr;
}

// Refuses a reserved name at `pointer`; true when the name may be used.
bool check_not_reserved(std::string_view name, bool table, const std::string& pointer,
                        problems& out) {
  const char* p = reserved_prefix(name, table);
  if (!p) return true;
  add_error(out, pointer,
            "`" + std::string(name) + "`: names starting with " + p +
                " are reserved (by SQLite, PostgreSQL or Baton itself); choose another name");
  return false;
}

template <class E>
std::optional<E> index_of(const std::vector<std::string>& names, std::string_view s) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

}  // namespace

const char* to_string(column_type t) {
  return k_column_types[static_cast<int>(t)].c_str();
}
std::optional<column_type> column_type_from_string(std::string_view s) {
  return index_of<column_type>(k_column_types, s);
}
bool is_numeric(column_type t) {
  return t == column_type::integer || t == column_type::floating;
}
bool is_temporal(column_type t) {
  return t == column_type::date || t == column_type::datetime;
}

const char* to_string(channel c) {
  return k_channels[static_cast<int>(c)].c_str();
}
std::optional<channel> channel_from_string(std::string_view s) {
  return index_of<channel>(k_channels, s);
}

const char* to_string(cardinality c) {
  return k_cardinalities[static_cast<int>(c)].c_str();
}
std::optional<cardinality> cardinality_from_string(std::string_view s) {
  return index_of<cardinality>(k_cardinalities, s);
}

const column* entity::find_column(std::string_view n) const {
  for (const auto& c : columns)
    if (c.name == n) return &c;
  return nullptr;
}

const link* entity::find_link(std::string_view n) const {
  for (const auto& l : links)
    if (l.name == n) return &l;
  return nullptr;
}

const entity* entity_schema::find_entity(std::string_view n) const {
  for (const auto& e : entities)
    if (e.name == n) return &e;
  return nullptr;
}

result<field_ref> entity_schema::resolve_field(const entity& from, std::string_view path) const {
  auto fail = [&](std::string what) {
    return make_error(errc::validation, "", "in `" + std::string(path) + "`: " + what);
  };
  field_ref ref;
  const entity* cur = &from;
  std::size_t start = 0;
  while (true) {
    auto dot = path.find('.', start);
    auto seg =
        std::string(path.substr(start, dot == std::string_view::npos ? path.npos : dot - start));
    if (seg.empty()) return fail("empty path segment");
    if (dot == std::string_view::npos) {
      ref.col = cur->find_column(seg);
      if (!ref.col) {
        std::string hint = cur->find_link(seg) ? " (it is a link; name one of its columns)" : "";
        return fail("`" + seg + "` is not a column of entity `" + cur->name + "`" + hint);
      }
      ref.owner = cur;
      return ref;
    }
    const link* l = cur->find_link(seg);
    if (!l) return fail("`" + seg + "` is not a link of entity `" + cur->name + "`");
    if (l->card == cardinality::one_to_many)
      return fail("`" + seg + "` is a one-to-many link of entity `" + cur->name +
                  "`; use exists or aggregate");
    const entity* next = find_entity(l->to);
    if (!next) return fail("link `" + seg + "` leads to unknown entity `" + l->to + "`");
    ref.links.push_back(l);
    cur = next;
    start = dot + 1;
  }
}

json entity_schema::to_json() const {
  json ents = json::array();
  for (const auto& e : entities) {
    json je = {{"name", e.name}, {"key", e.key}, {"columns", json::array()}};
    for (const auto& c : e.columns)
      je["columns"].push_back({{"name", c.name}, {"type", to_string(c.type)}});
    auto channel_map = [](const std::map<channel, std::string>& m) {
      json o = json::object();
      for (const auto& [ch, col] : m) o[to_string(ch)] = col;
      return o;
    };
    if (!e.addresses.empty()) je["addresses"] = channel_map(e.addresses);
    if (!e.consent.empty()) je["consent"] = channel_map(e.consent);
    if (!e.links.empty()) {
      je["links"] = json::array();
      for (const auto& l : e.links) {
        json on = json::array();
        for (const auto& [a, b] : l.on) on.push_back({a, b});
        je["links"].push_back(
            {{"name", l.name}, {"to", l.to}, {"on", on}, {"cardinality", to_string(l.card)}});
      }
    }
    ents.push_back(std::move(je));
  }
  return json{{"entities", std::move(ents)}};
}

namespace {

// false when the columns could not be read at all (then the key is not checked against them).
bool parse_columns(const json_reader& r, entity& e) {
  const json* cols = r.array("columns", true, true);
  if (!cols) return true;
  if (cols->size() > k_max_entity_columns) {
    r.error("columns", std::to_string(cols->size()) + " columns; an entity has at most " +
                           std::to_string(k_max_entity_columns) +
                           " (PostgreSQL allows 1600 per table, SQLite 2000, and a population "
                           "adds its own columns beside them)");
    return false;
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < cols->size(); ++i) {
    json_reader c((*cols)[i], pointer_append(r.at("columns"), i), r.out());
    c.allow({"name", "type"});
    auto name = c.identifier("name", true);
    auto type = c.one_of("type", k_column_types, true);
    c.finish();
    if (name && !check_not_reserved(*name, false, c.at("name"), r.out())) continue;
    if (name && check_unique(seen, *name, c.at("name"), "column", r.out()))
      e.columns.push_back({*name, type ? *column_type_from_string(*type) : column_type::string});
  }
  return true;
}

// addresses / consent: {"email": column, ...}; consent columns must be boolean.
void parse_channel_columns(const json_reader& r, const char* key, entity& e,
                           std::map<channel, std::string>& into, bool boolean) {
  const json* m = r.object(key);
  if (!m) return;
  for (const auto& [name, value] : m->items()) {
    std::string ptr = pointer_append(r.at(key), name);
    auto ch = channel_from_string(name);
    if (!ch) {
      add_error(r.out(), ptr, "unknown channel `" + name + "` (allowed: email, sms, push)");
      continue;
    }
    auto col = expect_identifier(value, ptr, r.out());
    if (!col) continue;
    const column* c = e.find_column(*col);
    if (!c) {
      add_error(r.out(), ptr, "no column `" + *col + "` in entity `" + e.name + "`");
      continue;
    }
    if (boolean && c->type != column_type::boolean) {
      add_error(r.out(), ptr,
                "consent column `" + *col + "` must be boolean, is " + to_string(c->type));
      continue;
    }
    into[*ch] = *col;
  }
}

// Structure of one link; the names it mentions are checked once every entity is known.
std::optional<link> parse_link(const json& j, const std::string& ptr, problems& out) {
  json_reader r(j, ptr, out);
  r.allow({"name", "to", "on", "cardinality"});
  link l;
  auto name = r.identifier("name", true);
  if (name && !check_not_reserved(*name, false, r.at("name"), out)) name.reset();
  auto to = r.identifier("to", true);
  auto card = r.one_of("cardinality", k_cardinalities, true);
  bool pairs_ok = true;
  if (const json* on = r.array("on", true, true)) {
    for (std::size_t i = 0; i < on->size(); ++i) {
      const json& p = (*on)[i];
      std::string pp = pointer_append(r.at("on"), i);
      if (!p.is_array() || p.size() != 2) {
        add_error(out, pp, "expected a pair [column, column of the target entity]");
        pairs_ok = false;
        continue;
      }
      auto a = expect_identifier(p[0], pointer_append(pp, 0), out);
      auto b = expect_identifier(p[1], pointer_append(pp, 1), out);
      if (a && b)
        l.on.emplace_back(*a, *b);
      else
        pairs_ok = false;
    }
  } else {
    pairs_ok = false;
  }
  r.finish();
  if (!name || !to || !card || !pairs_ok) return std::nullopt;
  l.name = *name;
  l.to = *to;
  l.card = *cardinality_from_string(*card);
  return l;
}

entity parse_entity(const json& j, const std::string& ptr, problems& out) {
  json_reader r(j, ptr, out);
  r.allow({"name", "key", "columns", "addresses", "consent", "links"});
  entity e;
  e.name = r.identifier("name", true).value_or("");
  if (!e.name.empty() && !check_not_reserved(e.name, true, r.at("name"), out)) e.name.clear();
  auto key = r.identifier("key", true);
  bool columns_read = parse_columns(r, e);
  if (key) {
    e.key = *key;
    if (!e.find_column(*key) && r.has("columns") && columns_read)
      r.error("key", "key `" + *key + "` is not a column of entity `" + e.name + "`");
  }
  parse_channel_columns(r, "addresses", e, e.addresses, false);
  parse_channel_columns(r, "consent", e, e.consent, true);
  if (const json* links = r.array("links")) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < links->size(); ++i) {
      std::string lp = pointer_append(r.at("links"), i);
      auto l = parse_link((*links)[i], lp, out);
      if (l && check_unique(seen, l->name, pointer_append(lp, "name"), "link", out))
        e.links.push_back(std::move(*l));
    }
  }
  r.finish();
  return e;
}

// Second pass: link targets and the columns of their `on` pairs.
void check_links(const entity_schema& s, const entity& e, const json& raw, const std::string& ptr,
                 problems& out) {
  const json& raw_links = raw.at("links");
  std::set<std::string> done;  // a duplicate name was reported already; check the first only
  for (std::size_t i = 0; i < raw_links.size(); ++i) {
    std::string lp = pointer_append(pointer_append(ptr, "links"), i);
    const json& rl = raw_links[i];
    if (!rl.is_object() || !rl.contains("name") || !rl["name"].is_string()) continue;
    const link* l = e.find_link(rl["name"].get<std::string>());
    if (!l || !done.insert(l->name).second) continue;
    const entity* target = s.find_entity(l->to);
    if (!target) {
      add_error(out, pointer_append(lp, "to"), "unknown entity `" + l->to + "`");
      continue;
    }
    for (std::size_t k = 0; k < l->on.size(); ++k) {
      std::string pp = pointer_append(pointer_append(lp, "on"), k);
      const column* a = e.find_column(l->on[k].first);
      const column* b = target->find_column(l->on[k].second);
      if (!a)
        add_error(out, pointer_append(pp, 0),
                  "no column `" + l->on[k].first + "` in entity `" + e.name + "`");
      if (!b)
        add_error(out, pointer_append(pp, 1),
                  "no column `" + l->on[k].second + "` in entity `" + target->name + "`");
      if (a && b && a->type != b->type)
        add_error(out, pp,
                  "cannot join " + std::string(to_string(a->type)) + " column `" + a->name +
                      "` with " + to_string(b->type) + " column `" + b->name + "`");
    }
  }
}

}  // namespace

entity_schema_validation parse_entity_schema_json(const json& doc) {
  entity_schema_validation v;
  entity_schema s;
  json_reader top(doc, "", v.issues);
  top.allow({"entities"});
  const json* ents = top.array("entities", true);
  std::vector<std::size_t> raw_index;  // s.entities[k] came from (*ents)[raw_index[k]]
  if (ents) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < ents->size(); ++i) {
      std::string ep = pointer_append("/entities", i);
      entity e = parse_entity((*ents)[i], ep, v.issues);
      if (e.name.empty()) continue;
      if (!check_unique(seen, e.name, pointer_append(ep, "name"), "entity", v.issues)) continue;
      s.entities.push_back(std::move(e));
      raw_index.push_back(i);
    }
  }
  top.finish();
  for (std::size_t k = 0; k < s.entities.size(); ++k) {
    const json& raw = (*ents)[raw_index[k]];
    if (raw.contains("links") && raw["links"].is_array())
      check_links(s, s.entities[k], raw, pointer_append("/entities", raw_index[k]), v.issues);
  }
  if (!has_errors(v.issues)) v.schema = std::move(s);
  return v;
}

entity_schema_validation parse_entity_schema(std::string_view json_text) {
  entity_schema_validation v;
  auto doc = parse_json_text(json_text, v.issues);
  if (!doc) return v;
  auto checked = parse_entity_schema_json(*doc);
  checked.issues.insert(checked.issues.begin(), v.issues.begin(), v.issues.end());
  if (has_errors(v.issues)) checked.schema.reset();  // duplicate members
  return checked;
}

}  // namespace baton
