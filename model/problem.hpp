// A problem found in user input (a campaign or schema JSON): where (a JSON pointer), what, and
// whether it blocks (error) or only warns. Validators collect every problem instead of stopping.
#pragma once

#include <string>
#include <vector>

#include "events/result.hpp"

namespace baton {

struct problem {
  enum class severity { error, warning };
  std::string pointer;  // RFC 6901 JSON pointer into the input, "" for the whole document
  std::string message;
  severity level = severity::error;
};

using problems = std::vector<problem>;

inline bool has_errors(const problems& ps) {
  for (const auto& p : ps)
    if (p.level == problem::severity::error) return true;
  return false;
}

// The errors among `ps` as one errc::validation error: one "<pointer>: <message>" line each
// (how the API carries every problem; batonctl prints each line as "error: ...").
error to_validation_error(const problems& ps);

// Appends one JSON-pointer token, escaping '~' and '/' as RFC 6901 says.
std::string pointer_append(const std::string& pointer, const std::string& token);
std::string pointer_append(const std::string& pointer, std::size_t index);

}  // namespace baton
