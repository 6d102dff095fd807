// Reading returned mail: DSNs as a real postfix writes them (tests/fixtures/dsn/make-dsn.sh made
// them), RFC 5965 feedback reports, mails to the unsubscribe address, and garbage — which is
// `unmatched`, never a crash.
#include <catch2/catch.hpp>

#include <random>

#include "channels/dsn.hpp"
#include "channels/tracking.hpp"
#include "support.hpp"

using namespace baton;
using namespace baton::channels;
using namespace baton::channels::testing;

namespace {

std::string fixture(const std::string& name) {
  auto text = read_file(std::string(BATON_SOURCE_DIR) + "/tests/fixtures/dsn/" + name);
  REQUIRE_FALSE(text.empty());
  return text;
}

const token_signer& test_signer() {
  static const token_signer s = *token_signer::from_hex(std::string(64, 'a'));
  return s;
}

}  // namespace

TEST_CASE("postfix DSNs: hard 5.x.x, soft 4.x.x, with the returned ids and the recipient",
          "[dsn]") {
  struct expect {
    const char* file;
    dsn_class kind;
    const char* id;
    const char* recipient;
    const char* status;
    const char* action;
  };
  for (const expect& e : {
           expect{"postfix-hard-utf8.eml", dsn_class::hard, "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
                  "reject1@example.com", "5.1.1", "failed"},
           expect{"postfix-soft-expired.eml", dsn_class::soft, "1a1b2c3d4e5f60718293a4b5c6d7e8f9",
                  "later1@example.com", "4.2.0", "failed"},
           expect{"postfix-hard-headers-only.eml", dsn_class::hard,
                  "2a1b2c3d4e5f60718293a4b5c6d7e8f9", "full1@example.com", "5.2.2", "failed"},
           expect{"postfix-delayed.eml", dsn_class::soft, "3a1b2c3d4e5f60718293a4b5c6d7e8f9",
                  "later2@example.com", "4.2.0", "delayed"},
           expect{"postfix-hard-two-recipients.eml", dsn_class::hard,
                  "4a1b2c3d4e5f60718293a4b5c6d7e8f9", "reject2@example.com", "5.1.1", "failed"},
       }) {
    INFO(e.file);
    auto r = parse_dsn(fixture(e.file));
    CHECK(r.kind == e.kind);
    CHECK(r.message_id == e.id);
    CHECK(r.original_message_id == std::string(e.id) + "@shop.example");
    CHECK(r.recipient == e.recipient);
    CHECK(r.status == e.status);
    CHECK(r.action == e.action);
    CHECK_THAT(r.diagnostic, Catch::StartsWith("smtp; "));
    REQUIRE(r.date);
    CHECK(*r.date > 1'767'225'600'000'000LL);  // after 2026-01-01: the DSN's own Date
    CHECK(r.report_id.find("@mail.shop.example") != std::string::npos);
    CHECK(r.reason.empty());
  }
  // Unfolded diagnostic; a DSN's Date to the second.
  auto hard = parse_dsn(fixture("postfix-hard-utf8.eml"));
  CHECK(hard.diagnostic ==
        "smtp; 550 5.1.1 <reject1@example.com>: Recipient address rejected: User unknown in "
        "virtual mailbox table");
}

TEST_CASE("a success DSN and reports without our ids are unmatched", "[dsn]") {
  auto relayed = parse_dsn(fixture("postfix-relayed.eml"));
  CHECK(relayed.kind == dsn_class::unmatched);
  CHECK_THAT(relayed.reason, Catch::Contains("success"));
  // The returned headers name a message that is not Baton's: no id to match.
  auto text = fixture("postfix-hard-utf8.eml");
  for (std::string from : {"X-Baton-Message-Id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9",
                           "Message-ID: <0a1b2c3d4e5f60718293a4b5c6d7e8f9@shop.example>"}) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), "X-Other: x");
  }
  auto stranger = parse_dsn(text);
  CHECK(stranger.kind == dsn_class::unmatched);
  CHECK_THAT(stranger.reason, Catch::Contains("X-Baton-Message-Id"));
  // Only the Message-ID left: it is enough (Baton's Message-ID is <id@domain>).
  auto by_message_id = fixture("postfix-soft-expired.eml");
  auto at = by_message_id.find("X-Baton-Message-Id:");
  by_message_id.replace(at, 19, "X-Something-Else:");
  auto r = parse_dsn(by_message_id);
  CHECK(r.kind == dsn_class::soft);
  CHECK(r.message_id == "1a1b2c3d4e5f60718293a4b5c6d7e8f9");
}

TEST_CASE("feedback-loop reports (RFC 5965) are complaints", "[dsn]") {
  auto r = parse_dsn(fixture("arf-abuse.eml"));
  CHECK(r.kind == dsn_class::complaint);
  CHECK(r.message_id == "7a1b2c3d4e5f60718293a4b5c6d7e8f9");
  CHECK(r.recipient == "ada@mailbox.example");
  CHECK(r.status == "abuse");
  CHECK(r.report_id == "arf-1@mailbox.example");
  CHECK(r.date == 1'772'992'800'000'000LL);  // Sun, 8 Mar 2026 14:00:00 -0400 = 18:00 UTC
  // Recipient redacted, headers only: the recipient comes from the returned To.
  auto redacted = parse_dsn(fixture("arf-headers-only-redacted.eml"));
  CHECK(redacted.kind == dsn_class::complaint);
  CHECK(redacted.message_id == "8a1b2c3d4e5f60718293a4b5c6d7e8f9");
  CHECK(redacted.recipient == "redacted@isp.example");
  CHECK(redacted.report_id.rfind("sha256:", 0) == 0);  // no Message-ID of its own
  auto text = fixture("arf-headers-only-redacted.eml");
  text.replace(text.find("Feedback-Type: abuse"), 20, "Feedback-Type: not-spam");
  CHECK(parse_dsn(text).kind == dsn_class::unmatched);
}

TEST_CASE("a mail to the unsubscribe address unsubscribes its message", "[dsn]") {
  auto text = fixture("postfix-unsubscribe-mailto.eml");
  dsn_options o{"unsubscribe@shop.example", &test_signer()};
  auto r = parse_dsn(text, o);
  CHECK(r.kind == dsn_class::unsubscribe);
  CHECK(r.message_id == "6a1b2c3d4e5f60718293a4b5c6d7e8f9");
  CHECK(r.recipient == "ada@example.com");
  CHECK(r.unsubscribe_token == "AQNqGyw9Tl9gcYKTpLXG1-j5u5jcnSuiEb8oAsEQVWejeA");
  // Another secret: the token is not ours.
  auto other = token_signer::from_hex(std::string(64, 'b'));
  auto forged = parse_dsn(text, {"unsubscribe@shop.example", &*other});
  CHECK(forged.kind == dsn_class::unmatched);
  CHECK_THAT(forged.reason, Catch::Contains("token"));
  // No unsubscribe address configured, or another one: not an unsubscribe.
  CHECK(parse_dsn(text).kind == dsn_class::unmatched);
  CHECK(parse_dsn(text, {"leave@shop.example", &test_signer()}).kind == dsn_class::unmatched);
  CHECK(unsubscribe_token_of("unsubscribe@shop.example", "Unsubscribe+Tok@SHOP.example") == "Tok");
  CHECK(unsubscribe_token_of("unsubscribe@shop.example", "unsubscribe@shop.example").empty());
  CHECK(unsubscribe_token_of("unsubscribe@shop.example", "unsubscribe+x@evil.example").empty());
}

TEST_CASE("garbage, truncated and mangled reports are unmatched, never a crash", "[dsn]") {
  for (std::string bad : {std::string(), std::string("\0\0\0", 3), std::string("not a mail"),
                          std::string("Content-Type: multipart/report; boundary=x\n\n--x\n"),
                          std::string(100000, '\n'), std::string(5000, '-')}) {
    auto r = parse_dsn(bad);
    CHECK(r.kind == dsn_class::unmatched);
    CHECK_FALSE(r.reason.empty());
    CHECK_FALSE(r.report_id.empty());
  }
  // A status that is not one.
  auto text = fixture("postfix-hard-utf8.eml");
  text.replace(text.find("Status: 5.1.1"), 13, "Status: 9.9.9");
  CHECK(parse_dsn(text).kind == dsn_class::unmatched);
  // Every prefix of every fixture, and random bytes: a report each time.
  std::mt19937 rng(42);
  for (const char* name : {"postfix-hard-utf8.eml", "postfix-hard-headers-only.eml",
                           "arf-abuse.eml", "postfix-unsubscribe-mailto.eml"}) {
    auto full = fixture(name);
    for (std::size_t n = 0; n < full.size(); n += 37) {
      auto r = parse_dsn(std::string_view(full).substr(0, n));
      CHECK_FALSE(r.report_id.empty());
    }
    for (int i = 0; i < 200; ++i) {  // flipped bytes
      auto copy = full;
      for (int k = 0; k < 8; ++k) copy[rng() % copy.size()] = static_cast<char>(rng());
      auto r = parse_dsn(copy);
      CHECK_FALSE(r.report_id.empty());
    }
  }
  // The same mail twice has the same report id (how ingest finds duplicates).
  CHECK(parse_dsn("garbage").report_id == parse_dsn("garbage").report_id);
  CHECK(parse_dsn("garbage").report_id != parse_dsn("garbage!").report_id);
}

TEST_CASE("mail_files lists an .eml file, a directory and a maildir", "[dsn]") {
  scratch_dir d;
  std::filesystem::create_directories(d.path / "box" / "new");
  std::filesystem::create_directories(d.path / "box" / "cur");
  std::filesystem::create_directories(d.path / "box" / "tmp");
  std::ofstream(d.path / "box" / "new" / "1.eml") << "a";
  std::ofstream(d.path / "box" / "cur" / "2.eml:2,S") << "b";
  std::ofstream(d.path / "box" / "tmp" / "3") << "being written";
  std::ofstream(d.path / "one.eml") << "c";
  auto box = mail_files((d.path / "box").string());
  REQUIRE(box.ok());
  CHECK(box->size() == 2);
  auto one = mail_files((d.path / "one.eml").string());
  REQUIRE(one.ok());
  CHECK(*one == std::vector<std::string>{(d.path / "one.eml").string()});
  auto dir = mail_files(std::string(BATON_SOURCE_DIR) + "/tests/fixtures/dsn");
  REQUIRE(dir.ok());
  CHECK(dir->size() >= 9);  // the fixtures (and the script that made them)
  auto missing = mail_files((d.path / "nope").string());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.err().code == errc::not_found);
}
