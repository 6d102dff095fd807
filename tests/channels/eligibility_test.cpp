// Eligibility: consent for marketing, missing and malformed addresses per channel, the stable
// exclusion reason strings, and the rules taken from the entity schema.
#include <catch2/catch.hpp>

#include "channels/eligibility.hpp"

using namespace baton;
using namespace baton::channels;
using nlohmann::json;

namespace {

const recipient_rules email_marketing{baton::channel::email, category::marketing, "email",
                                      "email_opt_in"};

}  // namespace

TEST_CASE("exclusion reasons are stable strings", "[eligibility]") {
  CHECK(std::string(to_string(exclusion_reason::no_consent)) == "no consent");
  CHECK(std::string(to_string(exclusion_reason::no_address)) == "no address");
  CHECK(std::string(to_string(exclusion_reason::invalid_address)) == "invalid address");
  CHECK(std::string(to_string(exclusion_reason::outside_send_window)) == "outside send window");
  for (auto r : {exclusion_reason::no_consent, exclusion_reason::no_address,
                 exclusion_reason::invalid_address, exclusion_reason::outside_send_window})
    CHECK(exclusion_reason_from_string(to_string(r)) == r);
  CHECK_FALSE(exclusion_reason_from_string("nope"));
}

TEST_CASE("marketing needs consent, transactional does not", "[eligibility]") {
  json row = {{"email", "ada@example.com"}};
  for (json consent : {json(true), json(1), json("true"), json("YES"), json("t")}) {
    row["email_opt_in"] = consent;
    CHECK(check_recipient(email_marketing, row).eligible);
  }
  for (json consent : {json(false), json(0), json("no"), json(nullptr), json("")}) {
    row["email_opt_in"] = consent;
    auto e = check_recipient(email_marketing, row);
    CHECK_FALSE(e.eligible);
    CHECK(e.reason == exclusion_reason::no_consent);
  }
  row.erase("email_opt_in");
  CHECK(check_recipient(email_marketing, row).reason == exclusion_reason::no_consent);
  auto transactional = email_marketing;
  transactional.category = category::transactional;
  CHECK(check_recipient(transactional, row).eligible);
  // An entity without a consent column: every marketing row is excluded.
  auto no_column = email_marketing;
  no_column.consent_column.clear();
  row["email_opt_in"] = true;
  CHECK(check_recipient(no_column, row).reason == exclusion_reason::no_consent);
}

TEST_CASE("a missing or blank address is `no address`", "[eligibility]") {
  json row = {{"email_opt_in", true}};
  CHECK(check_recipient(email_marketing, row).reason == exclusion_reason::no_address);
  row["email"] = nullptr;
  CHECK(check_recipient(email_marketing, row).reason == exclusion_reason::no_address);
  row["email"] = "   ";
  CHECK(check_recipient(email_marketing, row).reason == exclusion_reason::no_address);
  row["email"] = " ada@example.com ";
  auto e = check_recipient(email_marketing, row);
  REQUIRE(e.eligible);
  CHECK(e.address == "ada@example.com");
}

TEST_CASE("email addresses: one @ and a dotted domain", "[eligibility]") {
  for (const char* good : {"a@b.co", "first.last+tag@mail.example.org", "x@xn--bcher-kva.de"})
    CHECK(normalise_address(baton::channel::email, good) == std::string(good));
  for (const char* bad :
       {"plainaddress", "@example.com", "a@b", "a@@b.com", "a@b@c.com", "a b@c.com", "a@-b.com",
        "a@b..com", "a@.b.com", "a@b.com.", "Ada <a@b.com>", "a@b_c.com"})
    CHECK_FALSE(normalise_address(baton::channel::email, bad));
  json row = {{"email", "not-an-address"}, {"email_opt_in", true}};
  CHECK(check_recipient(email_marketing, row).reason == exclusion_reason::invalid_address);
}

TEST_CASE("sms numbers: E.164-like digits, separators removed", "[eligibility]") {
  CHECK(normalise_address(baton::channel::sms, "+33 6 12-34.56(78)") == "+33612345678");
  CHECK(normalise_address(baton::channel::sms, "0612345678") == "0612345678");
  for (const char* bad : {"12345", "+0612345678", "+1234567890123456", "06 12 AB 56 78",
                          "33+612345678", "++33612345678"})
    CHECK_FALSE(normalise_address(baton::channel::sms, bad));
  recipient_rules sms{baton::channel::sms, category::transactional, "phone", ""};
  auto e = check_recipient(sms, json{{"phone", 33612345678}});  // stored as a number
  REQUIRE(e.eligible);
  CHECK(e.address == "33612345678");
  CHECK(check_recipient(sms, json{{"phone", "call me"}}).reason ==
        exclusion_reason::invalid_address);
}

TEST_CASE("push tokens: non-empty, no whitespace", "[eligibility]") {
  CHECK(normalise_address(baton::channel::push, " fcm:abc123 ") == "fcm:abc123");
  CHECK_FALSE(normalise_address(baton::channel::push, "two words"));
  CHECK_FALSE(normalise_address(baton::channel::push, std::string(5000, 'x')));
  recipient_rules push{baton::channel::push, category::transactional, "push_token", ""};
  CHECK(check_recipient(push, json{{"push_token", ""}}).reason == exclusion_reason::no_address);
  CHECK(check_recipient(push, json{{"push_token", true}}).reason ==
        exclusion_reason::invalid_address);
}

TEST_CASE("rules come from the entity's address and consent columns", "[eligibility]") {
  auto v = parse_entity_schema(R"({"entities": [{"name": "profiles", "key": "id",
    "columns": [{"name": "id", "type": "integer"}, {"name": "email", "type": "string"},
                {"name": "phone", "type": "string"}, {"name": "email_opt_in", "type": "boolean"}],
    "addresses": {"email": "email", "sms": "phone"}, "consent": {"email": "email_opt_in"}}]})");
  REQUIRE(v.ok());
  const entity& e = *v.schema->find_entity("profiles");
  auto mail = rules_for(e, baton::channel::email, category::marketing);
  REQUIRE(mail.ok());
  CHECK(mail->address_column == "email");
  CHECK(mail->consent_column == "email_opt_in");
  auto sms = rules_for(e, baton::channel::sms, category::marketing);
  REQUIRE(sms.ok());
  CHECK(sms->consent_column.empty());
  auto push = rules_for(e, baton::channel::push, category::marketing);
  REQUIRE_FALSE(push.ok());
  CHECK(push.err().code == errc::validation);
  CHECK(key_text(json(42)) == "42");
  CHECK(key_text(json("k-1")) == "k-1");
}
