// Deliveries and feedback (audience/deliveries.hpp) and the `feedback` filter (retargeting:
// "received campaign X but did not click"), on a hand-checked data set, both backends.
#include "audience/deliveries.hpp"
#include "fixture.hpp"

using namespace baton;
using namespace baton::audience;
using namespace baton::audience::test;

namespace {

strings build(runner& r, const json& filter, const std::string& dimension = "profiles") {
  static int n = 0;
  auto o = r.ok({{"id", "fb" + std::to_string(++n)},
                 {"type", "build_audience"},
                 {"dimension", dimension},
                 {"filter", filter}});
  return ids(*r.db.b, output(o, "out"));
}

json fb(const char* campaign, const char* event, const char* activity = nullptr) {
  json j = {{"campaign", campaign}, {"event", event}};
  if (activity) j["activity"] = activity;
  return {{"feedback", j}};
}

std::int64_t count(backend& b, const std::string& table) {
  auto n = query_int(b, "SELECT count(*) FROM " + table);
  REQUIRE(n.ok());
  return *n;
}

// Profiles 1-6 (load_sample). c-1 sent email1 to 1, 2, 3 (run 1) and sms1 to 4 (run 2); c-2 sent
// to 5; c-1 also sent to household 1. Clicks: m1 (profile 1), m4 (profile 4), m5, m6 (household).
void record_sample(backend& b) {
  REQUIRE(ensure_delivery_tables(b).ok());
  std::vector<delivery_row> rows = {
      {"m1", "c-1", 1, "email1", "email", "1", "profiles"},
      {"m2", "c-1", 1, "email1", "email", "2", "profiles"},
      {"m3", "c-1", 1, "email1", "email", "3", "profiles"},
      {"m5", "c-2", 1, "email1", "email", "5", "profiles"},
      {"m6", "c-1", 1, "email1", "email", "1", "households"},
  };
  REQUIRE(record_deliveries(b, rows, "2026-11-01T10:00:00.000000Z").ok());
  REQUIRE(record_deliveries(b, {{"m4", "c-1", 2, "sms1", "sms", "4", "profiles"}},
                            "2026-11-02T10:00:00.000000Z")
              .ok());
  for (auto [m, e] : std::vector<std::pair<const char*, const char*>>{{"m1", "delivered"},
                                                                      {"m1", "opened"},
                                                                      {"m1", "clicked"},
                                                                      {"m2", "opened"},
                                                                      {"m4", "clicked"},
                                                                      {"m5", "clicked"},
                                                                      {"m6", "clicked"}})
    REQUIRE(record_feedback(b, m, e, "2026-11-03T10:00:00.000000Z").ok());
}

}  // namespace

TEST_CASE("feedback filters retarget on recorded deliveries", "[audience][feedback]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  runner r(db);
  record_sample(*db.b);
  // Received c-1 but did not click.
  CHECK(build(r, {{"all", {fb("c-1", "sent"), {{"not", fb("c-1", "clicked")}}}}}) ==
        strings{"2", "3"});
  CHECK(build(r, fb("c-1", "sent")) == strings{"1", "2", "3", "4"});
  CHECK(build(r, fb("c-1", "opened")) == strings{"1", "2"});
  CHECK(build(r, fb("c-1", "delivered")) == strings{"1"});
  CHECK(build(r, fb("c-1", "bounced")).empty());
  CHECK(build(r, {{"not", fb("c-1", "clicked")}}) == strings{"2", "3", "5", "6"});
  CHECK(build(r, fb("c-2", "clicked")) == strings{"5"});
  CHECK(build(r, fb("c-3", "sent")).empty());
  // The activity restricts.
  CHECK(build(r, fb("c-1", "sent", "email1")) == strings{"1", "2", "3"});
  CHECK(build(r, fb("c-1", "clicked", "sms1")) == strings{"4"});
  CHECK(build(r, fb("c-1", "clicked", "email1")) == strings{"1"});
  CHECK(build(r, fb("c-1", "sent", "push1")).empty());
  // The dimension: household 1 got m6 (and no profile-dimension delivery counts for it).
  CHECK(build(r, fb("c-1", "clicked"), "households") == strings{"1"});
  CHECK(build(r, fb("c-2", "sent"), "households").empty());
  // On a worktable (split of a population): the key comes from the worktable.
  auto all = r.ok({{"id", "all"}, {"type", "build_audience"}});
  json subsets = {{{"name", "clicked"}, {"filter", fb("c-1", "clicked")}},
                  {{"name", "sent"}, {"filter", fb("c-1", "sent")}}};
  auto s = r.ok({{"id", "s"}, {"type", "split"}, {"subsets", subsets}, {"complement", true}},
                {{"all", output(all, "out")}});
  CHECK(ids(*db.b, output(s, "clicked")) == strings{"1", "4"});
  CHECK(ids(*db.b, output(s, "sent")) == strings{"2", "3"});
  CHECK(ids(*db.b, output(s, "complement")) == strings{"5", "6"});
  // Values are bound: injection attempts are just campaign/activity names that match nothing.
  CHECK(build(r, fb("c-1' OR '1'='1", "sent")).empty());
  CHECK(build(r, fb("c-1", "sent", "x' OR 1=1 --")).empty());
  CHECK(build(r, {{"not", fb("c-1\"); DROP TABLE baton_deliveries; --", "sent")}}).size() == 6);
  CHECK(count(*db.b, "baton_deliveries") == 6);
}

TEST_CASE("recording deliveries and feedback is idempotent", "[audience][feedback]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  runner r(db);
  REQUIRE(ensure_delivery_tables(*db.b).ok());
  REQUIRE(ensure_delivery_tables(*db.b).ok());  // again: nothing changes
  record_sample(*db.b);
  CHECK(count(*db.b, "baton_deliveries") == 6);
  CHECK(count(*db.b, "baton_feedback") == 7);
  // A message_id already recorded is left alone (even with other values).
  auto again = record_deliveries(*db.b, {{"m1", "c-9", 7, "x", "sms", "9", "profiles"}},
                                 "2030-01-01T00:00:00.000000Z");
  REQUIRE(again.ok());
  CHECK(again.value() == 0);  // nothing new: the caller can tell a repeat
  REQUIRE(record_deliveries(*db.b, {}, "2030-01-01T00:00:00.000000Z").ok());
  CHECK(count(*db.b, "baton_deliveries") == 6);
  // Inside the caller's transaction, with a duplicate in the same batch.
  std::uint64_t added = 0;
  auto st = with_transaction(*db.b, [&]() -> status {
    auto r = record_deliveries(*db.b,
                               {{"m7", "c-1", 3, "email1", "email", "6", "profiles"},
                                {"m7", "c-1", 3, "email1", "email", "6", "profiles"}},
                               "2026-11-04T10:00:00.000000Z");
    if (!r) return r.err();
    added = r.value();
    return ok_status();
  });
  REQUIRE(st.ok());
  CHECK(added == 1);
  CHECK(count(*db.b, "baton_deliveries") == 7);
  // Feedback: the same (message_id, event, at) once; another time is another row.
  REQUIRE(record_feedback(*db.b, "m2", "opened", "2026-11-03T10:00:00.000000Z").ok());
  CHECK(count(*db.b, "baton_feedback") == 7);
  REQUIRE(record_feedback(*db.b, "m2", "opened", "2026-11-05T10:00:00.000000Z").ok());
  CHECK(count(*db.b, "baton_feedback") == 8);
  CHECK(build(r, fb("c-1", "opened")) == strings{"1", "2"});
  CHECK(build(r, fb("c-1", "sent")) == strings{"1", "2", "3", "4", "6"});
}

TEST_CASE("find_delivery looks a message up", "[audience][feedback]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  record_sample(*db.b);
  auto m4 = find_delivery(*db.b, "m4");
  REQUIRE(m4.ok());
  REQUIRE(m4->has_value());
  CHECK((*m4)->campaign == "c-1");
  CHECK((*m4)->run == 2);
  CHECK((*m4)->activity == "sms1");
  CHECK((*m4)->channel == "sms");
  CHECK((*m4)->recipient == "4");
  auto m1 = find_delivery(*db.b, "m1");
  REQUIRE(m1.ok());
  REQUIRE(m1->has_value());
  CHECK((*m1)->run == 1);
  CHECK((*m1)->recipient == "1");
  auto none = find_delivery(*db.b, "nope");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  auto inj = find_delivery(*db.b, "x' OR '1'='1");
  REQUIRE(inj.ok());
  CHECK_FALSE(inj->has_value());
  // Odd message ids are stored and found as they are.
  const std::string odd = "o'dd\"; --";
  REQUIRE(record_deliveries(*db.b,
                            {{odd, "c'3", 4'000'000'000u, "a\"b", "push", "k'1", "profiles"}},
                            "2026-11-04T10:00:00.000000Z")
              .ok());
  auto o = find_delivery(*db.b, odd);
  REQUIRE(o.ok());
  REQUIRE(o->has_value());
  CHECK((*o)->campaign == "c'3");
  CHECK((*o)->run == 4'000'000'000u);
  CHECK((*o)->activity == "a\"b");
  CHECK((*o)->recipient == "k'1");
}

TEST_CASE("feedback filters match nothing where nothing was ever sent", "[audience][feedback]") {
  auto kind = GENERATE(from_range(backend_kinds()));
  test_db db(kind);
  db.load_sample();
  runner r(db);
  CHECK(build(r, fb("c-1", "sent")).empty());
  CHECK(build(r, {{"not", fb("c-1", "clicked", "email1")}}) ==
        strings{"1", "2", "3", "4", "5", "6"});
  CHECK(build(r, {{"all", {fb("c-1", "sent"), {{"not", fb("c-1", "clicked")}}}}}).empty());
  // Tables there but empty: the same.
  REQUIRE(ensure_delivery_tables(*db.b).ok());
  CHECK(build(r, fb("c-1", "sent")).empty());
  CHECK(build(r, {{"not", fb("c-1", "clicked")}}).size() == 6);
  // A malformed feedback node is a validation error naming it.
  auto res = r.go({{"id", "bad"},
                   {"type", "build_audience"},
                   {"filter", {{"feedback", {{"event", "opened"}}}}}});
  REQUIRE_FALSE(res.ok());
  CHECK(res.err().code == errc::validation);
  CHECK(res.err().message().find("feedback") != std::string::npos);
}
