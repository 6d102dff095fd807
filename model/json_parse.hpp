// The one way Baton reads JSON text that comes from outside (campaigns, entity schemas, the config
// file, API bodies, files named on the command line): a size limit, a nesting limit, numbers that
// fit a double, each member once — and every failure is a problem with a JSON pointer (or a line
// and column when the text is malformed), never an exception.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/problem.hpp"

namespace baton {

struct json_limits {
  std::size_t max_bytes = std::size_t{8} << 20;  // 8 MiB: a campaign with large HTML bodies fits
  std::size_t max_depth = 64;                    // arrays and objects inside each other
};

// Parses `text`. Returns nullopt, with one problem in `out`, when the text is larger than
// `limits.max_bytes` (at ""), malformed ("malformed JSON at line 3, column 7: ...", at ""),
// nested deeper than `limits.max_depth` (at the pointer of the first value too deep), or holds a
// number beyond the range of a double such as 1e400 (at the number's pointer). A member given
// twice in one object is an error at its pointer, but the document is still returned.
std::optional<nlohmann::json> parse_json_text(std::string_view text, problems& out,
                                              const json_limits& limits = {});

// The closest of `candidates` to `word` (a typo: at most one edit for words up to 3 characters,
// two for longer ones, a swap of neighbours counting as one), or "" when none is that close.
std::string closest_name(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace baton
