// Tracking tokens: valid only for their kind and secret; any change of a character, the length,
// the padding or the key makes them invalid; they hold the message id and nothing else.
#include <catch2/catch.hpp>

#include <set>

#include "channels/message.hpp"
#include "channels/tracking_token.hpp"

using namespace baton;
using namespace baton::channels;

namespace {

const std::string k_secret(64, 'a');  // 32 bytes of 0xaa

token_signer signer(const std::string& hex = k_secret) {
  auto s = token_signer::from_hex(hex);
  REQUIRE(s.ok());
  return *s;
}

const std::string k_id = make_message_id("c-winter", 3, "mail", "1042");

}  // namespace

TEST_CASE("a token verifies for its own kind only and carries the message id", "[tracking]") {
  auto s = signer();
  for (auto kind :
       {token_kind::click, token_kind::open, token_kind::unsubscribe, token_kind::view}) {
    auto t = s.make(kind, k_id, kind == token_kind::click ? 7 : 0);
    REQUIRE(t.ok());
    for (char c : *t) CHECK((std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'));
    auto claims = s.verify(*t, kind);
    REQUIRE(claims);
    CHECK(claims->message_id == k_id);
    CHECK(claims->kind == kind);
    CHECK(claims->link == (kind == token_kind::click ? 7u : 0u));
    for (auto other :
         {token_kind::click, token_kind::open, token_kind::unsubscribe, token_kind::view})
      if (other != kind) CHECK_FALSE(s.verify(*t, other));
  }
  CHECK(s.make(token_kind::click, k_id, 65535).ok());
  CHECK(s.verify(*s.make(token_kind::click, k_id, 65535), token_kind::click)->link == 65535);
}

TEST_CASE("every alteration of a token makes it invalid", "[tracking]") {
  auto s = signer();
  for (auto kind : {token_kind::click, token_kind::open}) {
    auto t = *s.make(kind, k_id, kind == token_kind::click ? 3 : 0);
    const std::string alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/.%";
    int tried = 0;
    for (std::size_t i = 0; i < t.size(); ++i)
      for (char c : alphabet) {
        if (c == t[i]) continue;
        auto changed = t;
        changed[i] = c;
        ++tried;
        if (s.verify(changed, kind)) FAIL("accepted with position " << i << " set to " << c);
      }
    CHECK(tried > 60 * static_cast<int>(t.size()));
    CHECK_FALSE(s.verify(t.substr(0, t.size() - 1), kind));  // truncated
    CHECK_FALSE(s.verify(t + "A", kind));                    // extended
    CHECK_FALSE(s.verify(t + "=", kind));                    // padded
    CHECK_FALSE(s.verify(t + "/x", kind));                   // a path suffix
    CHECK_FALSE(s.verify("", kind));
    CHECK_FALSE(s.verify(std::string(100000, 'A'), kind));
    // Another secret does not accept it.
    CHECK_FALSE(signer(std::string(64, 'b')).verify(t, kind));
  }
}

TEST_CASE("a token holds no address and the same inputs give the same token", "[tracking]") {
  auto s = signer();
  auto t = *s.make(token_kind::unsubscribe, k_id);
  CHECK(t == *s.make(token_kind::unsubscribe, k_id));
  auto raw = *base64url_decode(t);
  CHECK(raw.size() == 34);  // version, kind, 16-byte id, 16-byte MAC: nothing else
  CHECK(raw.find("1042") == std::string::npos);
  CHECK(t.find(k_secret.substr(0, 8)) == std::string::npos);
  std::set<std::string> tokens;
  for (int i = 0; i < 200; ++i)
    tokens.insert(*s.make(token_kind::open, make_message_id("c", 1, "m", std::to_string(i))));
  CHECK(tokens.size() == 200);
}

TEST_CASE("bad inputs to the signer are errors, not tokens", "[tracking]") {
  CHECK_FALSE(token_signer::from_hex("abc").ok());
  CHECK_FALSE(token_signer::from_hex(std::string(62, 'a')).ok());  // 31 bytes
  CHECK_FALSE(token_signer::from_hex(std::string(63, 'a') + "g").ok());
  CHECK(token_signer::from_hex(generate_tracking_secret()).ok());
  CHECK(generate_tracking_secret() != generate_tracking_secret());
  auto s = signer();
  CHECK_FALSE(s.make(token_kind::open, "not-an-id").ok());
  CHECK_FALSE(s.make(token_kind::open, std::string(32, 'A')).ok());  // uppercase hex
  CHECK_FALSE(s.make(token_kind::click, k_id, 65536).ok());
  CHECK_FALSE(s.make(token_kind::open, k_id, 1).ok());
}

TEST_CASE("base64url is strict: one encoding per byte string", "[tracking]") {
  for (std::string bytes : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00"}) {
    auto text = base64url_encode(bytes);
    CHECK(base64url_decode(text) == bytes);
  }
  CHECK(base64url_encode("\xfb\xff") == "-_8");
  CHECK(base64url_decode("Zg") == std::string("f"));
  CHECK_FALSE(base64url_decode("Zh"));  // unused bits set: the same byte, another spelling
  CHECK_FALSE(base64url_decode("Zg=="));
  CHECK_FALSE(base64url_decode("Z"));
  CHECK_FALSE(base64url_decode("Zm+v"));
  auto mac = hmac_sha256("key", "The quick brown fox jumps over the lazy dog");
  std::string hex;
  for (unsigned char b : mac) hex += "0123456789abcdef"[b >> 4], hex += "0123456789abcdef"[b & 15];
  CHECK(hex == "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  CHECK(equal_constant_time("abc", "abc"));
  CHECK_FALSE(equal_constant_time("abc", "abd"));
  CHECK_FALSE(equal_constant_time("abc", "ab"));
}
