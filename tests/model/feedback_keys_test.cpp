// The campaign's set of counted feedback: fixed-size keys, the same for the text older
// snapshots kept, a snapshot form that reads back to the same set whatever the insertion order.
#include <algorithm>
#include <random>

#include <catch2/catch.hpp>

#include "model/feedback_keys.hpp"

using namespace baton;

TEST_CASE("a feedback key is the key of the text older snapshots kept") {
  auto k = feedback_keys::key_of("0a1b2c3d", "clicked", 1796000000000001);
  CHECK(k == feedback_keys::key_of_text("0a1b2c3d|clicked|1796000000000001"));
  CHECK(k != feedback_keys::key_of("0a1b2c3d", "opened", 1796000000000001));
  CHECK(k != feedback_keys::key_of("0a1b2c3d", "clicked", 1796000000000002));
  CHECK(k != feedback_keys::key_of("0a1b2c3e", "clicked", 1796000000000001));
  // SipHash-2-4 with an all-zero key: fixed forever, or snapshots would count repeats again.
  // (expected values from an independent SipHash-2-4 written in Python)
  CHECK(feedback_keys::key_of_text("") == 0x1e924b9d737700d7ull);
  CHECK(feedback_keys::key_of_text("m1|clicked|40") == 0xa597f767ce93ee83ull);
}

TEST_CASE("feedback keys count each key once, through growth") {
  feedback_keys s;
  for (std::uint64_t i = 1; i <= 100000; ++i) REQUIRE(s.insert(i * 0x9e3779b97f4a7c15ull));
  CHECK(s.size() == 100000);
  for (std::uint64_t i = 1; i <= 100000; ++i) REQUIRE_FALSE(s.insert(i * 0x9e3779b97f4a7c15ull));
  CHECK(s.size() == 100000);
  CHECK(s.contains(77 * 0x9e3779b97f4a7c15ull));
  CHECK_FALSE(s.contains(100001 * 0x9e3779b97f4a7c15ull));
  CHECK(s.bytes() <= 100000 * 8 * 8 / 3);  // at least 3/8 full: ~14 bytes a key on average
}

TEST_CASE("feedback keys read back from their snapshot form, whatever the insertion order") {
  std::vector<std::uint64_t> keys;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5000; ++i) keys.push_back(rng());
  feedback_keys a, b;
  for (auto k : keys) a.insert(k);
  std::shuffle(keys.begin(), keys.end(), rng);
  for (auto k : keys) b.insert(k);
  CHECK(a == b);
  CHECK(a.encode() == b.encode());  // snapshots are deterministic
  feedback_keys back;
  REQUIRE(back.decode(a.encode()));
  CHECK(back == a);
  CHECK(back.encode() == a.encode());
  b.insert(1);
  CHECK_FALSE(a == b);

  feedback_keys empty;
  REQUIRE(empty.decode(feedback_keys{}.encode()));
  CHECK(empty.empty());
  CHECK_FALSE(empty.decode("not base64!"));
  CHECK_FALSE(empty.decode("AAAA"));  // 3 bytes: not whole keys
}
