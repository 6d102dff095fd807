// Typed values of the data plane: what is bound to SQL parameters and read back from rows. Text
// is parsed into the column types of the entity schema (CSV cells, filter values, variables), and
// dates and date-times get one canonical text form so both backends compare and hash them alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/result.hpp"
#include "model/entity_schema.hpp"
#include "model/time.hpp"

namespace baton::audience {

// A value with its column type. integer/boolean use `i`, float `f`; string, date ("YYYY-MM-DD")
// and datetime ("YYYY-MM-DDTHH:MM:SS.ffffffZ", UTC, fixed width so text order is time order)
// use `s`.
struct value {
  column_type type = column_type::string;
  bool null = true;
  std::int64_t i = 0;
  double f = 0;
  std::string s;

  static value null_of(column_type t) { return value{t, true, 0, 0, {}}; }
  static value integer(std::int64_t v) { return value{column_type::integer, false, v, 0, {}}; }
  static value floating(double v) { return value{column_type::floating, false, 0, v, {}}; }
  static value boolean(bool v) { return value{column_type::boolean, false, v ? 1 : 0, 0, {}}; }
  static value text(std::string v) { return value{column_type::string, false, 0, 0, std::move(v)}; }
  static value date(std::string v) { return value{column_type::date, false, 0, 0, std::move(v)}; }
  static value datetime(std::string v) {
    return value{column_type::datetime, false, 0, 0, std::move(v)};
  }
  // The value as text: integers in decimal, floats shortest round-trip, booleans true/false.
  std::string to_text() const;
};

using row = std::vector<value>;

// Parses `text` as a value of type `t` (empty text is NOT null here: callers decide). Accepted:
// integer "-12"; float "3.5", "1e3"; boolean true/false/1/0/yes/no/t/f (any case); date
// "YYYY-MM-DD"; datetime ISO-8601 "YYYY-MM-DD[T ]HH:MM[:SS[.frac]][Z|±HH[:MM]]" (no offset =
// UTC) or a date alone (midnight UTC). The error says what was expected.
result<value> parse_value(std::string_view text, column_type t);

// Converts a value read from a backend (or another column) to type `t`, through text when the
// storage kinds differ. Used to normalise rows (e.g. PostgreSQL numeric, SQLite 0/1 booleans).
result<value> convert(const value& v, column_type t);

// Canonical forms.
std::string canonical_datetime(time_us t);
std::string canonical_date(time_us t);  // the UTC day of an instant
result<time_us> parse_datetime(std::string_view text);
bool valid_date(std::string_view text);

}  // namespace baton::audience
