// The entity schema (INTERFACES.md §5): entities with a key, typed columns, addresses and consent
// per channel, and links. Parsing reports every problem with its JSON pointer; a parsed schema is
// consistent (every name it mentions exists) and its names are safe SQL identifiers.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/result.hpp"
#include "model/problem.hpp"

namespace baton {

enum class column_type { string, integer, floating, boolean, date, datetime };
const char* to_string(column_type t);  // "string", "integer", "float", "boolean", ...
std::optional<column_type> column_type_from_string(std::string_view s);
bool is_numeric(column_type t);   // integer, float
bool is_temporal(column_type t);  // date, datetime

enum class channel { email, sms, push };
const char* to_string(channel c);
std::optional<channel> channel_from_string(std::string_view s);

enum class cardinality { many_to_one, one_to_one, one_to_many };
const char* to_string(cardinality c);  // "many-to-one", "one-to-one", "one-to-many"
std::optional<cardinality> cardinality_from_string(std::string_view s);

struct column {
  std::string name;
  column_type type = column_type::string;
  bool operator==(const column&) const = default;
};

struct link {
  std::string name;
  std::string to;                                       // target entity
  std::vector<std::pair<std::string, std::string>> on;  // (column here, column of `to`)
  cardinality card = cardinality::many_to_one;
  bool operator==(const link&) const = default;
};

struct entity {
  std::string name;
  std::string key;  // the primary-key column
  std::vector<column> columns;
  std::map<channel, std::string> addresses;  // channel -> column holding the address
  std::map<channel, std::string> consent;    // channel -> boolean opt-in column
  std::vector<link> links;

  const column* find_column(std::string_view name) const;
  const link* find_link(std::string_view name) const;
  bool operator==(const entity&) const = default;
};

// A field PATH resolved from a starting entity: `household.city` follows the link `household`
// (N-1 or 1-1) and names the column `city` of its target.
struct field_ref {
  const entity* owner = nullptr;  // the entity holding the column
  const column* col = nullptr;
  std::vector<const link*> links;  // links followed, in order (empty for a plain column)
};

struct entity_schema {
  std::vector<entity> entities;

  const entity* find_entity(std::string_view name) const;
  // Resolves `path` from `from`. Only many-to-one and one-to-one links may be crossed. The error
  // (errc::validation) names the segment that is wrong and why.
  result<field_ref> resolve_field(const entity& from, std::string_view path) const;
  // The JSON form of §5 (parse_entity_schema(to_json()) gives back an equal schema).
  nlohmann::json to_json() const;
  bool operator==(const entity_schema&) const = default;
};

// The outcome of parsing: the schema when there was no error, and every problem found.
struct entity_schema_validation {
  std::optional<entity_schema> schema;
  problems issues;
  bool ok() const { return schema.has_value(); }
};

// Columns of one entity at most: PostgreSQL allows 1600 per table and SQLite 2000 (its default
// SQLITE_MAX_COLUMN, also a limit of one SELECT); the rest is left to the columns a campaign adds
// beside them (see k_max_added_columns in model/definition.hpp).
inline constexpr std::size_t k_max_entity_columns = 1000;

// Parses and checks a schema document: malformed JSON (line and column), unknown members, bad
// names, unknown or duplicate types/columns/entities/links, a key that is not a column, links to
// unknown entities or columns, address/consent columns that do not exist, non-boolean consent,
// more than k_max_entity_columns columns, and names the backends or Baton reserve: entities,
// columns and links starting with sqlite_, pg_ or baton_ (any case), entities starting with wt_.
entity_schema_validation parse_entity_schema(std::string_view json_text);
entity_schema_validation parse_entity_schema_json(const nlohmann::json& doc);

}  // namespace baton
