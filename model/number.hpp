// Numbers as users type and read them. Command arguments (`--run 3`, `--next 5`, `--limit 10`,
// `--timeout 2.5`) are parsed strictly — digits only, whole text, range-checked — and answer an
// errc::validation naming the argument, never an exception. `format_number` is the one way a
// number is rendered into a message (personalisation), whatever column or array it came from.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "events/result.hpp"

namespace baton {

// A whole number from `min` to `max` ("12"; no sign, no spaces, nothing after the digits).
// `where` names the argument in the error: "--run: expected a whole number from 1 to 10, got
// 'abc'".
result<std::uint64_t> parse_whole_number(std::string_view text, const std::string& where,
                                         std::uint64_t min, std::uint64_t max);

// A finite decimal number from `min` to `max` ("2.5", "10"; no exponent games beyond what
// std::from_chars reads, nothing after the number).
result<double> parse_decimal(std::string_view text, const std::string& where, double min,
                             double max);

// At most 15 significant digits, trailing zeros dropped, no ".0" on whole numbers, exponent form
// only for very large or very small magnitudes: 600, 3.5, 1199.88 (a sum's binary noise such as
// 1199.8799999999999 is rounded away), 1e+20, 1e-05. NaN and infinities render as "".
std::string format_number(double v);

}  // namespace baton
