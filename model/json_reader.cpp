#include "model/json_reader.hpp"

#include <algorithm>
#include <cstdint>
#include <set>

namespace baton {

using nlohmann::json;

const char* json_kind(const json& j) {
  switch (j.type()) {
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "number";
    case json::value_t::null:
      return "null";
    default:
      return "value";
  }
}

bool is_identifier(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (!alpha(s[0])) return false;
  return std::all_of(s.begin(), s.end(),
                     [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

void add_error(problems& out, std::string pointer, std::string message) {
  out.push_back(problem{std::move(pointer), std::move(message), problem::severity::error});
}

void add_warning(problems& out, std::string pointer, std::string message) {
  out.push_back(problem{std::move(pointer), std::move(message), problem::severity::warning});
}

std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) {
    if (!s.empty()) s += ", ";
    s += n;
  }
  return s;
}

json_reader::json_reader(const json& j, std::string pointer, problems& out)
    : j_(j), pointer_(std::move(pointer)), out_(out), valid_(j.is_object()) {
  if (!valid_) add_error(out_, pointer_, std::string("expected an object, got ") + json_kind(j));
}

std::string json_reader::at(std::string_view key) const {
  return pointer_append(pointer_, std::string(key));
}

void json_reader::error(std::string_view key, std::string message) const {
  add_error(out_, at(key), std::move(message));
}

void json_reader::warning(std::string_view key, std::string message) const {
  add_warning(out_, at(key), std::move(message));
}

void json_reader::allow(std::initializer_list<const char*> keys) {
  restricted_ = true;
  for (const char* k : keys) allowed_.emplace_back(k);
}

void json_reader::allow(const std::vector<std::string>& keys) {
  restricted_ = true;
  allowed_.insert(allowed_.end(), keys.begin(), keys.end());
}

bool json_reader::has(std::string_view key) const {
  return valid_ && j_.contains(std::string(key));
}

const json* json_reader::member(std::string_view key, bool required) const {
  if (!valid_) return nullptr;
  auto it = j_.find(std::string(key));
  if (it == j_.end()) {
    if (required) error(key, "required member `" + std::string(key) + "` is missing");
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> json_reader::string(std::string_view key, bool required) const {
  const json* m = member(key, required);
  if (!m) return std::nullopt;
  return expect_string(*m, at(key), out_, required);
}

std::optional<std::string> json_reader::identifier(std::string_view key, bool required) const {
  const json* m = member(key, required);
  if (!m) return std::nullopt;
  return expect_identifier(*m, at(key), out_);
}

std::optional<std::string> json_reader::one_of(std::string_view key,
                                               const std::vector<std::string>& allowed,
                                               bool required) const {
  auto s = string(key, required);
  if (!s) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *s) == allowed.end()) {
    error(key, "`" + *s + "` is not one of " + join_names(allowed));
    return std::nullopt;
  }
  return s;
}

std::optional<bool> json_reader::boolean(std::string_view key, bool required) const {
  const json* m = member(key, required);
  if (!m) return std::nullopt;
  if (!m->is_boolean()) {
    error(key, std::string("expected a boolean, got ") + json_kind(*m));
    return std::nullopt;
  }
  return m->get<bool>();
}

std::optional<std::int64_t> json_reader::integer(std::string_view key, std::int64_t min,
                                                 std::int64_t max, bool required) const {
  const json* m = member(key, required);
  if (!m) return std::nullopt;
  return expect_integer(*m, at(key), out_, min, max);
}

const json* json_reader::array(std::string_view key, bool required, bool non_empty) const {
  const json* m = member(key, required);
  if (!m) return nullptr;
  if (!m->is_array()) {
    error(key, std::string("expected an array, got ") + json_kind(*m));
    return nullptr;
  }
  if (non_empty && m->empty()) {
    error(key, "must not be empty");
    return nullptr;
  }
  return m;
}

const json* json_reader::object(std::string_view key, bool required) const {
  const json* m = member(key, required);
  if (!m) return nullptr;
  if (!m->is_object()) {
    error(key, std::string("expected an object, got ") + json_kind(*m));
    return nullptr;
  }
  return m;
}

void json_reader::finish(std::string_view what) const {
  if (!valid_ || !restricted_) return;
  for (const auto& [key, value] : j_.items()) {
    if (std::find(allowed_.begin(), allowed_.end(), key) != allowed_.end()) continue;
    auto near = closest_name(key, allowed_);
    error(key,
          "unknown " + std::string(what) + " `" + key + "` (" +
              (near.empty() ? "allowed: " + join_names(allowed_) : "did you mean `" + near + "`?") +
              ")");
  }
}

std::optional<std::string> expect_string(const json& j, const std::string& pointer, problems& out,
                                         bool non_empty) {
  if (!j.is_string()) {
    add_error(out, pointer, std::string("expected a string, got ") + json_kind(j));
    return std::nullopt;
  }
  auto s = j.get<std::string>();
  if (non_empty && s.empty()) {
    add_error(out, pointer, "must not be empty");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> expect_identifier(const json& j, const std::string& pointer,
                                             problems& out) {
  auto s = expect_string(j, pointer, out, false);
  if (!s) return std::nullopt;
  if (!is_identifier(*s)) {
    add_error(out, pointer,
              "`" + *s +
                  "` is not a valid name (letters, digits and _, not starting with a digit, at "
                  "most 63 characters)");
    return std::nullopt;
  }
  return s;
}

std::optional<std::int64_t> expect_integer(const json& j, const std::string& pointer, problems& out,
                                           std::int64_t min, std::int64_t max) {
  if (!j.is_number_integer()) {
    add_error(out, pointer, std::string("expected an integer, got ") + json_kind(j));
    return std::nullopt;
  }
  if (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
    add_error(out, pointer, "must be at most " + std::to_string(max));
    return std::nullopt;
  }
  auto v = j.get<std::int64_t>();
  if (v < min || v > max) {
    std::string range = max == INT64_MAX
                            ? "at least " + std::to_string(min)
                            : "between " + std::to_string(min) + " and " + std::to_string(max);
    add_error(out, pointer, "must be " + range + ", got " + std::to_string(v));
    return std::nullopt;
  }
  return v;
}

bool check_unique(std::set<std::string>& seen, const std::string& name, const std::string& pointer,
                  std::string_view what, problems& out) {
  if (seen.insert(name).second) return true;
  add_error(out, pointer, "duplicate " + std::string(what) + " `" + name + "`");
  return false;
}

}  // namespace baton
