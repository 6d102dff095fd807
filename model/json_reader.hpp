// Reading user JSON (schemas, campaign definitions) while collecting every problem: each
// accessor checks presence, type and range, and records a problem at the member's JSON pointer
// instead of stopping; finish() reports the members that are not allowed (unknown options).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/json_parse.hpp"  // parse_json_text: the one parser of outside JSON
#include "model/problem.hpp"

namespace baton {

// "object", "array", "string", "number", "boolean" or "null" — for "expected X, got Y".
const char* json_kind(const nlohmann::json& j);

// Names that the data plane may put into SQL: [A-Za-z_][A-Za-z0-9_]{0,62}.
bool is_identifier(std::string_view s);

// Appends an error (or warning) to `out`.
void add_error(problems& out, std::string pointer, std::string message);
void add_warning(problems& out, std::string pointer, std::string message);

// "a, b, c" — for messages listing allowed values.
std::string join_names(const std::vector<std::string>& names);

// A cursor over one JSON object. Missing required members are reported at the pointer the
// member would have (e.g. "/activities/2/subject"). Accessors return nothing when the member is
// absent or invalid, so callers only handle good values.
class json_reader {
 public:
  // When `j` is not an object, reports "expected an object" at `pointer` and every read is empty.
  json_reader(const nlohmann::json& j, std::string pointer, problems& out);

  bool valid() const { return valid_; }
  const std::string& pointer() const { return pointer_; }
  std::string at(std::string_view key) const;  // the pointer of a member
  problems& out() const { return out_; }
  void error(std::string_view key, std::string message) const;
  void warning(std::string_view key, std::string message) const;

  // Declares the allowed members; finish() reports the others. Without it, nothing is unknown.
  void allow(std::initializer_list<const char*> keys);
  void allow(const std::vector<std::string>& keys);
  bool has(std::string_view key) const;

  // The raw member, or nullptr when absent (reported if `required`).
  const nlohmann::json* member(std::string_view key, bool required = false) const;
  // A string; a required one must also be non-empty.
  std::optional<std::string> string(std::string_view key, bool required = false) const;
  std::optional<std::string> identifier(std::string_view key, bool required = false) const;
  std::optional<std::string> one_of(std::string_view key, const std::vector<std::string>& allowed,
                                    bool required = false) const;
  std::optional<bool> boolean(std::string_view key, bool required = false) const;
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max,
                                      bool required = false) const;
  const nlohmann::json* array(std::string_view key, bool required = false,
                              bool non_empty = false) const;
  const nlohmann::json* object(std::string_view key, bool required = false) const;

  // Reports every member not declared with allow(): "unknown member `x` (allowed: ...)", or
  // "(did you mean `y`?)" when an allowed name is a typo away.
  void finish(std::string_view what = "member") const;

 private:
  const nlohmann::json& j_;
  std::string pointer_;
  problems& out_;
  bool valid_ = false;
  bool restricted_ = false;
  std::vector<std::string> allowed_;
};

// Checks a value in place (for array elements): reports at `pointer` and returns the value.
std::optional<std::string> expect_string(const nlohmann::json& j, const std::string& pointer,
                                         problems& out, bool non_empty = true);
std::optional<std::string> expect_identifier(const nlohmann::json& j, const std::string& pointer,
                                             problems& out);
std::optional<std::int64_t> expect_integer(const nlohmann::json& j, const std::string& pointer,
                                           problems& out, std::int64_t min, std::int64_t max);

// Checks `name` against the names seen so far; reports "duplicate <what> `name`" at `pointer`.
bool check_unique(std::set<std::string>& seen, const std::string& name, const std::string& pointer,
                  std::string_view what, problems& out);

}  // namespace baton
