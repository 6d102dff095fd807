// The security fold and the user commands (INTERFACES.md §8): tokens of 256 random bits kept only
// as hashes, found by hash, gone when revoked or when their user is removed; roles of users
// before the config's; `engine` never a user; unknown roles and token ids refused.
#include <catch2/catch.hpp>

#include "model/security.hpp"

using namespace baton;

namespace {

// Applies a decision's events as the engine does once they are durable.
void apply_all(security_state& s, const security_decision& d) {
  for (auto& e : d.events) {
    event env = ev::to_event(e);
    env.time = 1'000'000;
    REQUIRE(apply(s, e, env).ok());
  }
}

security_decision decide_ok(const security_state& s, const std::string& verb,
                            std::map<std::string, std::string> args) {
  auto d = decide_user(s, verb, args);
  INFO(verb << ": " << (d ? "" : d.err().message()));
  REQUIRE(d.ok());
  return d.value();
}

}  // namespace

TEST_CASE("a token is 256 random bits in hex, kept as its hash only", "[security][model]") {
  auto a = make_token(), b = make_token();
  CHECK(a.token.size() == 64);
  CHECK(a.token != b.token);
  CHECK(a.id != b.id);
  CHECK(a.hash == token_hash(a.token));
  CHECK(a.hash != a.token);
  CHECK(a.hash.size() == 64);
}

TEST_CASE("users, tokens and revocations through the fold", "[security][model]") {
  security_state s;
  auto add = decide_ok(s, "user-add", {{"name", "alice"}, {"role", "manager"}});
  REQUIRE(add.events.size() == 2);
  CHECK_FALSE(add.token.empty());
  CHECK(add.reply.dump().find(add.token) == std::string::npos);  // the token is not in the reply
  for (auto& e : add.events)                                     // nor in an event
    CHECK(ev::to_event(e).payload.find(add.token) == std::string::npos);
  apply_all(s, add);
  CHECK(user_of_token(s, add.token) == std::optional<std::string>("alice"));
  CHECK_FALSE(user_of_token(s, add.token + "0").has_value());
  CHECK_FALSE(user_of_token(s, "").has_value());

  auto more = decide_ok(s, "user-token", {{"name", "alice"}});
  apply_all(s, more);
  auto list = users_json(s);
  REQUIRE(list.size() == 1);
  CHECK(list[0]["role"] == "manager");
  CHECK(list[0]["tokens"].size() == 2);
  CHECK(list.dump().find(add.token) == std::string::npos);

  auto revoke = decide_ok(
      s, "user-revoke", {{"name", "alice"}, {"tokenId", add.reply["tokenId"].get<std::string>()}});
  apply_all(s, revoke);
  CHECK_FALSE(user_of_token(s, add.token).has_value());
  CHECK(user_of_token(s, more.token) == std::optional<std::string>("alice"));

  auto remove = decide_ok(s, "user-remove", {{"name", "alice"}});
  apply_all(s, remove);
  CHECK_FALSE(user_of_token(s, more.token).has_value());
  CHECK(s.users.empty());
}

TEST_CASE("bad user commands: engine, unknown role, unknown user or token", "[security][model]") {
  security_state s;
  auto code = [&](const std::string& verb, std::map<std::string, std::string> args) {
    auto d = decide_user(s, verb, args);
    REQUIRE_FALSE(d.ok());
    return exit_code(d.err().code);
  };
  CHECK(code("user-add", {{"name", "engine"}, {"role", "admin"}}) == 3);
  CHECK(code("user-add", {{"name", "bob"}, {"role", "owner"}}) == 2);
  CHECK(code("user-add", {{"name", "bob"}, {"role", "none"}}) == 2);
  CHECK(code("user-add", {{"name", "-x"}, {"role", "viewer"}}) == 2);
  CHECK(code("user-token", {{"name", "nobody"}}) == 4);
  CHECK(code("user-token", {{"name", "engine"}}) == 3);
  apply_all(s, decide_ok(s, "user-add", {{"name", "bob"}, {"role", "viewer"}}));
  CHECK(code("user-add", {{"name", "bob"}, {"role", "viewer"}}) == 3);
  CHECK(code("user-revoke", {{"name", "bob"}, {"tokenId", "t-000000000000"}}) == 4);
}

TEST_CASE("the role an identity acts with", "[security][model]") {
  engine_config cfg;
  cfg.default_role = role::none;
  cfg.roles["olga"] = role::admin;
  security_state s;
  apply_all(s, decide_ok(s, "user-add", {{"name", "mia"}, {"role", "manager"}}));
  CHECK(effective_role(cfg, s, "engine") == role::admin);
  CHECK(effective_role(cfg, s, "mia") == role::manager);
  CHECK(effective_role(cfg, s, "olga") == role::admin);
  CHECK(effective_role(cfg, s, "stranger") == role::none);
  auto refusal = check_role("stranger", role::none, role::viewer, "campaign list");
  REQUIRE(refusal);
  CHECK(refusal->message() == "permission: stranger (none) may not campaign list");
  CHECK(rule_of_verb("publish").needed == role::approver);
  CHECK(rule_of_verb("publish").typed == "campaign publish");
  CHECK(rule_of_verb("show").needed == role::viewer);
  CHECK(rule_of_verb("user-add").needed == role::admin);
  CHECK(rule_of_verb("no-such-verb").needed == role::admin);
}
