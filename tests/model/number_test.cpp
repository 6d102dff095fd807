// Numbers typed as command arguments (strict, range-checked, errors as values) and the one
// format numbers render in.
#include <catch2/catch.hpp>

#include <limits>

#include "model/number.hpp"

using namespace baton;

TEST_CASE("whole-number arguments are parsed strictly, without exceptions", "[number]") {
  CHECK(parse_whole_number("1", "--run", 1, 10).value() == 1);
  CHECK(parse_whole_number("10", "--run", 1, 10).value() == 10);
  CHECK(parse_whole_number("18446744073709551615", "--seq", 0, UINT64_MAX).value() == UINT64_MAX);
  for (auto bad : {"", "abc", "-1", "+1", " 1", "1 ", "1x", "1.0", "0", "11", "0x1",
                   "18446744073709551616", "99999999999999999999999"}) {
    INFO("'" << bad << "'");
    auto r = parse_whole_number(bad, "--run", 1, 10);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == errc::validation);
    CHECK(r.err().where == "--run");
    CHECK(r.err().what == std::string("expected a whole number from 1 to 10, got '") + bad + "'");
  }
}

TEST_CASE("decimal arguments are parsed strictly", "[number]") {
  CHECK(parse_decimal("2.5", "--timeout", 0, 100).value() == 2.5);
  CHECK(parse_decimal("0", "--timeout", 0, 100).value() == 0);
  for (auto bad : {"", "abc", "-1", "+1", "1s", "nan", "inf", "1e400", "101"}) {
    INFO("'" << bad << "'");
    auto r = parse_decimal(bad, "--timeout", 0, 100);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == errc::validation);
    CHECK(r.err().where == "--timeout");
  }
}

TEST_CASE("numbers render in one format: 15 significant digits, no .0 on whole numbers",
          "[number]") {
  CHECK(format_number(600.0) == "600");
  CHECK(format_number(-600.0) == "-600");
  CHECK(format_number(0.0) == "0");
  CHECK(format_number(-0.0) == "0");
  CHECK(format_number(3.5) == "3.5");
  CHECK(format_number(1199.88) == "1199.88");
  CHECK(format_number(1199.8799999999999) == "1199.88");  // a sum's binary noise
  CHECK(format_number(0.1 + 0.2) == "0.3");
  CHECK(format_number(123456789012345.0) == "123456789012345");
  CHECK(format_number(1e20) == "1e+20");
  CHECK(format_number(0.00001) == "1e-05");
  CHECK(format_number(std::numeric_limits<double>::quiet_NaN()) == "");
  CHECK(format_number(std::numeric_limits<double>::infinity()) == "");
}
