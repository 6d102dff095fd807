// The suppression list, the bounce rules of deliverability.suppressAfter and the fatigue counts
// (audience/suppression.hpp, audience/deliveries.hpp), on both backends.
#include "audience/suppression.hpp"
#include "audience/deliveries.hpp"
#include "fixture.hpp"
#include "model/time.hpp"

using namespace baton;
using namespace baton::audience;
using namespace baton::audience::test;

namespace {

constexpr time_us k_day = 86'400'000'000LL;
const time_us k_t0 = *parse_time("2026-03-01T12:00:00Z");

bounce_event bounce(const std::string& id, const std::string& kind, const std::string& address,
                    time_us at) {
  return {id, "email", address, kind, "m-" + id, at, "dsn:" + id};
}

std::string outcome(backend& b, const bounce_event& e, const suppress_rules& rules = {}) {
  auto r = record_bounce(b, e, rules);
  INFO((r.ok() ? "" : r.err().message()));
  REQUIRE(r.ok());
  return r->duplicate ? "duplicate" : r->suppressed.empty() ? "recorded" : r->suppressed;
}

std::set<std::string> suppressed(backend& b, bool marketing, std::vector<std::string> addresses) {
  auto s = suppressed_among(b, "email", marketing, addresses);
  REQUIRE(s.ok());
  return *s;
}

}  // namespace

TEST_CASE("suppression entries: add, list, remove, and unsubscribe applies to marketing only",
          "[audience][suppression]") {
  for (const auto& kind : backend_kinds()) {
    SECTION(kind) {
      test_db db(kind, false);
      auto& b = *db.b;
      REQUIRE(ensure_suppression_tables(b).ok());
      REQUIRE(ensure_suppression_tables(b).ok());  // idempotent
      CHECK(*add_suppression(b, {"email", " Ada@Example.COM ", "unsubscribe", "tracking", "t1"}));
      CHECK_FALSE(*add_suppression(b, {"email", "ada@example.com", "unsubscribe", "again", "t2"}));
      CHECK(*add_suppression(b, {"email", "bob@example.com", "manual", "user:ops", "t3"}));
      CHECK(*add_suppression(b, {"sms", "+44 (20) 7946-0000", "complaint", "webhook:sms", "t4"}));
      auto all = list_suppressions(b);
      REQUIRE(all.ok());
      CHECK(*all == std::vector<suppression_entry>{
                        {"email", "ada@example.com", "unsubscribe", "tracking", "t1"},
                        {"email", "bob@example.com", "manual", "user:ops", "t3"},
                        {"sms", "+442079460000", "complaint", "webhook:sms", "t4"}});
      CHECK(list_suppressions(b, "sms")->size() == 1);
      std::vector<std::string> batch = {"ada@example.com", "bob@example.com", "cy@example.com"};
      CHECK(suppressed(b, true, batch) ==
            std::set<std::string>{"ada@example.com", "bob@example.com"});
      CHECK(suppressed(b, false, batch) == std::set<std::string>{"bob@example.com"});
      // Many addresses: several IN lists.
      std::vector<std::string> many;
      for (int i = 0; i < 1200; ++i) many.push_back("x" + std::to_string(i) + "@example.com");
      many.push_back("bob@example.com");
      CHECK(suppressed(b, false, many) == std::set<std::string>{"bob@example.com"});
      CHECK(*remove_suppression(b, "email", "ADA@example.com") == 1);
      CHECK(*remove_suppression(b, "email", "ada@example.com") == 0);
      CHECK(suppressed(b, true, batch) == std::set<std::string>{"bob@example.com"});
      CHECK_FALSE(check_entry({"fax", "a@b.example", "manual", "", ""}).ok());
      CHECK_FALSE(check_entry({"email", "  ", "manual", "", ""}).ok());
      CHECK_FALSE(check_entry({"email", "a@b.example", "", "", ""}).ok());
      CHECK_FALSE(check_entry({"email", "a@b.example", "bad\nreason", "", ""}).ok());
      CHECK(check_entry({"email", "a@b.example", "legal hold", "", ""}).ok());
    }
  }
}

TEST_CASE("suppressAfter: hard after N, soft N within D days of each DSN, complaints at once",
          "[audience][suppression]") {
  for (const auto& kind : backend_kinds()) {
    SECTION(kind) {
      test_db db(kind, false);
      auto& b = *db.b;
      REQUIRE(ensure_suppression_tables(b).ok());
      suppress_rules rules;  // hard 1, soft 3 within 7 days
      CHECK(outcome(b, bounce("h1", "hard", "hard@example.com", k_t0)) == "hard_bounce");
      CHECK(outcome(b, bounce("h1", "hard", "hard@example.com", k_t0)) == "duplicate");
      // Soft: two, then a third 8 days after the first: only two within 7 days of it.
      CHECK(outcome(b, bounce("s1", "soft", "soft@example.com", k_t0)) == "recorded");
      CHECK(outcome(b, bounce("s2", "soft", "soft@example.com", k_t0 + 3 * k_day)) == "recorded");
      CHECK(outcome(b, bounce("s3", "soft", "soft@example.com", k_t0 + 8 * k_day)) == "recorded");
      CHECK(suppressed(b, false, {"soft@example.com"}).empty());
      // A fourth within 7 days of the second and third: three in its window.
      CHECK(outcome(b, bounce("s4", "soft", "soft@example.com", k_t0 + 9 * k_day)) ==
            "soft_bounce");
      // Exactly 7 days back (to the second) is inside the window; the text times compare right
      // across fractions of a second.
      CHECK(outcome(b, bounce("e1", "soft", "edge@example.com", k_t0 + 500'000)) == "recorded");
      CHECK(outcome(b, bounce("e2", "soft", "edge@example.com", k_t0 + k_day)) == "recorded");
      CHECK(outcome(b, bounce("e3", "soft", "edge@example.com", k_t0 + 7 * k_day)) ==
            "soft_bounce");
      // Reports read out of order count as of their own dates: an old one finds the later ones
      // outside its window.
      CHECK(outcome(b, bounce("o1", "soft", "old@example.com", k_t0 + 30 * k_day)) == "recorded");
      CHECK(outcome(b, bounce("o2", "soft", "old@example.com", k_t0 + 31 * k_day)) == "recorded");
      CHECK(outcome(b, bounce("o3", "soft", "old@example.com", k_t0)) == "recorded");
      CHECK(outcome(b, bounce("c1", "complaint", "angry@example.com", k_t0)) == "complaint");
      CHECK(outcome(b, bounce("u1", "unsubscribe", "bye@example.com", k_t0)) == "unsubscribe");
      // Another rule: two hard bounces.
      suppress_rules two;
      two.hard = 2;
      CHECK(outcome(b, bounce("t1", "hard", "twice@example.com", k_t0), two) == "recorded");
      CHECK(outcome(b, bounce("t2", "hard", "twice@example.com", k_t0), two) == "hard_bounce");
      CHECK(
          suppressed(b, false,
                     {"hard@example.com", "soft@example.com", "edge@example.com", "old@example.com",
                      "angry@example.com", "bye@example.com", "twice@example.com"}) ==
          std::set<std::string>{"hard@example.com", "soft@example.com", "edge@example.com",
                                "angry@example.com", "twice@example.com"});
      CHECK(suppressed(b, true, {"bye@example.com"}) == std::set<std::string>{"bye@example.com"});
      auto entries = list_suppressions(b);
      REQUIRE(entries.ok());
      auto hard = std::find_if(entries->begin(), entries->end(),
                               [](auto& e) { return e.address == "hard@example.com"; });
      REQUIRE(hard != entries->end());
      CHECK(hard->source == "dsn:h1");
      CHECK(hard->created_at == "2026-03-01T12:00:00Z");  // the DSN's date
      CHECK_FALSE(record_bounce(b, bounce("x", "bounced", "a@b.example", k_t0), rules).ok());
      CHECK_FALSE(record_bounce(b, bounce("y", "hard", " ", k_t0), rules).ok());
    }
  }
}

TEST_CASE("suppression CSV: export writes what import reads", "[audience][suppression]") {
  for (const auto& kind : backend_kinds()) {
    SECTION(kind) {
      test_db db(kind, false);
      auto& b = *db.b;
      REQUIRE(ensure_suppression_tables(b).ok());
      REQUIRE(add_suppression(b, {"email", "a@example.com", "hard_bounce", "dsn:1", "t"}).ok());
      REQUIRE(add_suppression(b, {"email", "b,c@example.com", "legal, hold", "user:x", "t"}).ok());
      auto csv = suppression_csv(*list_suppressions(b));
      CHECK(csv ==
            "address,channel,reason\na@example.com,email,hard_bounce\n"
            "\"b,c@example.com\",email,\"legal, hold\"\n");
      test_db other(kind, false);
      REQUIRE(ensure_suppression_tables(*other.b).ok());
      auto path = other.write("s.csv", csv + "d@example.com,fax,manual\n,email,manual\n");
      auto r = import_suppression_csv(*other.b, path, "import", "2026-03-01T00:00:00Z");
      REQUIRE(r.ok());
      CHECK(r->added == 2);
      CHECK(r->rejected.size() == 2);
      CHECK(r->rejected[0].pointer == "line 4");
      CHECK(suppression_csv(*list_suppressions(*other.b)) == csv);
      auto again = import_suppression_csv(*other.b, path, "import", "later");
      CHECK(again->already == 2);
      // reason is optional, columns in any order; a file without the address column is refused.
      auto loose = other.write("l.csv", "channel,address\nsms,+33 6 12 34 56 78\n");
      REQUIRE(import_suppression_csv(*other.b, loose, "import", "t")->added == 1);
      CHECK(list_suppressions(*other.b, "sms")->at(0) ==
            suppression_entry{"sms", "+33612345678", "manual", "import", "t"});
      auto bad = other.write("b.csv", "email,reason\na@b.example,x\n");
      CHECK(import_suppression_csv(*other.b, bad, "import", "t").err().code == errc::validation);
      CHECK(import_suppression_csv(*other.b, other.dir + "/none.csv", "i", "t").err().code ==
            errc::not_found);
    }
  }
}

TEST_CASE("fatigue counts marketing messages per recipient and channel since a time",
          "[audience][fatigue]") {
  for (const auto& kind : backend_kinds()) {
    SECTION(kind) {
      test_db db(kind, false);
      auto& b = *db.b;
      REQUIRE(ensure_delivery_tables(b).ok());
      REQUIRE(ensure_fatigue_index(b).ok());
      auto at = [](int day) { return format_time(k_t0 + day * k_day); };
      REQUIRE(record_deliveries(b,
                                {{"m1", "c-1", 1, "mail", "email", "1", "profiles"},
                                 {"m2", "c-1", 1, "mail", "email", "2", "profiles"},
                                 {"m3", "c-1", 1, "sms", "sms", "1", "profiles"},
                                 {"m4", "c-1", 1, "mail", "email", "1", "households"}},
                                at(0))
                  .ok());
      REQUIRE(
          record_deliveries(b,
                            {{"m5", "c-2", 1, "mail", "email", "1", "profiles"},
                             {"m6", "c-3", 1, "order", "email", "1", "profiles", "transactional"}},
                            at(5))
              .ok());
      auto counts = [&](time_us since) {
        auto c = marketing_sent_since(b, "profiles", "email", since, {"1", "2", "3"});
        REQUIRE(c.ok());
        return *c;
      };
      using counts_t = std::map<std::string, std::int64_t>;
      CHECK(counts(k_t0 - k_day) == counts_t{{"1", 2}, {"2", 1}});
      CHECK(counts(k_t0 + 1) == counts_t{{"1", 2}, {"2", 1}});  // the same second counts
      CHECK(counts(k_t0 + 1'000'000) == counts_t{{"1", 1}});
      CHECK(counts(k_t0 + 6 * k_day).empty());
      // A deliveries table from before the category column: it gets the column, its rows count.
      test_db old(kind, false);
      REQUIRE(old.b
                  ->exec("CREATE TABLE baton_deliveries (message_id TEXT PRIMARY KEY, campaign "
                         "TEXT NOT NULL, run INTEGER NOT NULL, activity TEXT NOT NULL, channel "
                         "TEXT NOT NULL, recipient TEXT NOT NULL, dimension TEXT NOT NULL, "
                         "sent_at TEXT NOT NULL)")
                  .ok());
      REQUIRE(old.b
                  ->exec("INSERT INTO baton_deliveries VALUES ('o1', 'c', 1, 'mail', 'email', "
                         "'1', 'profiles', '" +
                         at(0) + "')")
                  .ok());
      REQUIRE(ensure_delivery_tables(*old.b).ok());
      REQUIRE(ensure_delivery_tables(*old.b).ok());
      REQUIRE(record_deliveries(*old.b, {{"o2", "c", 2, "mail", "email", "1", "profiles"}}, at(1))
                  .ok());
      auto c = marketing_sent_since(*old.b, "profiles", "email", k_t0 - k_day, {"1"});
      REQUIRE(c.ok());
      CHECK(*c == counts_t{{"1", 2}});
    }
  }
}
