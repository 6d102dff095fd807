// Feedback folds into per-activity tallies once per (message, event, time), and the campaign
// report adds delivery progress and feedback up per channel activity.
#include <catch2/catch.hpp>

#include "campaign_fixture.hpp"
#include "model/campaign_view.hpp"

using namespace baton;

namespace {

const char* mail_campaign = R"({"name": "Mail", "dimension": "profiles",
  "activities": [{"id": "all", "type": "build_audience"},
                 {"id": "mail", "type": "email", "category": "marketing", "subject": "Hi", "body": "Hello"}],
  "transitions": [{"from": "all", "to": "mail"}]})";

event env(const campaign_state& s, std::uint64_t seq) {
  event e;
  e.stream = "campaign/c-1";
  e.stream_seq = seq;
  e.global_seq = seq;
  e.time = 1000 * static_cast<time_us>(seq);
  (void)s;
  return e;
}

campaign_state sent_campaign() {
  campaign_state s;
  std::uint64_t seq = 0;
  auto add = [&](const ev::campaign_event& ce) { REQUIRE(apply(s, ce, env(s, ++seq)).ok()); };
  auto v = validate_campaign(mail_campaign, nullptr);
  REQUIRE(v.ok());
  add(ev::campaign_created{"c-1", v.definition->to_json().dump(), ""});
  add(ev::campaign_published{"live", 0});
  add(ev::run_started{1, false, "start", {}});
  add(ev::task_started{1, "all", 1, 0});
  add(ev::task_completed{1, "all", 0, {{"out", "wt", 10, "profiles", "f"}}, {}});
  add(ev::task_started{1, "mail", 1, 10});
  add(ev::delivery_progress{1, "mail", 0, 10, 7, 1, {{"no consent", "2"}}, "wt_sent"});
  return s;
}

}  // namespace

TEST_CASE("the report adds up delivery progress and feedback per channel activity") {
  auto s = sent_campaign();
  command_context c{"svc", role::admin, 5000};
  std::vector<ev::feedback_received> fb = {
      {1, "mail", "m1", "delivered", 10, "1"}, {1, "mail", "m2", "delivered", 10, "2"},
      {1, "mail", "m1", "opened", 20, "1"},    {1, "mail", "m1", "opened", 30, "1"},
      {1, "mail", "m1", "clicked", 40, "1"},   {1, "mail", "m2", "unsubscribed", 50, "2"},
      {1, "mail", "m1", "opened", 20, "1"}};  // a repeat in the batch
  auto d = decide_feedback(s, fb, c);
  REQUIRE(d.ok());
  CHECK(d->size() == 6);
  std::uint64_t seq = s.version;
  for (auto& e : d.value()) REQUIRE(apply(s, e, env(s, ++seq)).ok());
  auto again = decide_feedback(s, fb, c);  // the same file loaded twice records nothing new
  REQUIRE(again.ok());
  CHECK(again->empty());
  auto r = campaign_report(s);
  REQUIRE(r["activities"].size() == 1);
  auto& m = r["activities"][0];
  CHECK(m["people"] == 10);
  CHECK(m["sent"] == 7);
  CHECK(m["errors"] == 1);
  CHECK(m["excluded"] == 2);
  CHECK(m["targeted"] == 8);
  CHECK(m["exclusions"]["no consent"] == 2);
  CHECK(m["delivered"] == 2);
  CHECK(m["opens"] == 2);
  CHECK(m["uniqueOpens"] == 1);
  CHECK(m["clicks"] == 1);
  CHECK(m["uniqueClicks"] == 1);
  CHECK(m["unsubscribes"] == 1);
  CHECK(m["ctr"] == 50.0);                                 // 1 unique click out of 2 delivered
  CHECK(campaign_report(s, "all")["activities"].empty());  // not a channel activity
}

TEST_CASE("feedback is refused for viewers, unknown campaigns and non-channel activities") {
  auto s = sent_campaign();
  std::vector<ev::feedback_received> fb = {{1, "mail", "m1", "delivered", 10, "1"}};
  CHECK(decide_feedback(s, fb, {"v", role::viewer, 0}).err().code == errc::refused);
  CHECK(decide_feedback(campaign_state{}, fb, {"a", role::admin, 0}).err().code == errc::not_found);
  std::vector<ev::feedback_received> wrong = {{1, "all", "m1", "delivered", 10, "1"}};
  CHECK(decide_feedback(s, wrong, {"a", role::admin, 0}).err().code == errc::validation);
}

TEST_CASE("a snapshot of an older release, with the text of each feedback, still dedups") {
  auto s = sent_campaign();
  REQUIRE(
      apply(s, ev::feedback_received{1, "mail", "m1", "clicked", 40, "1"}, env(s, s.version + 1))
          .ok());
  auto j = nlohmann::json::parse(encode_state(s));
  REQUIRE(j.contains("feedbackKeys"));
  j.erase("feedbackKeys");
  j["feedbackSeen"] = {"m1|clicked|40"};  // what snapshots held before the 64-bit keys
  auto old = decode_state(j.dump());
  REQUIRE(old.ok());
  CHECK(old->feedback_seen == s.feedback_seen);
  // Folding the rest of the log after the old snapshot counts what the full fold counts.
  auto rest = [](campaign_state st) {
    for (auto& f : std::vector<ev::feedback_received>{{1, "mail", "m1", "clicked", 40, "1"},
                                                      {1, "mail", "m1", "clicked", 41, "1"}})
      REQUIRE(apply(st, f, env(st, st.version + 1)).ok());
    return st;
  };
  auto from_old = rest(old.value()), from_new = rest(s);
  CHECK(from_old.feedback.at("mail").total.at("clicked") == 2);
  CHECK(from_old.feedback == from_new.feedback);
  CHECK(encode_state(from_old) == encode_state(from_new));
  j["feedbackKeys"] = "not base64!";
  CHECK(decode_state(j.dump()).err().code == errc::integrity);
}

TEST_CASE("feedback tallies survive a snapshot") {
  auto s = sent_campaign();
  REQUIRE(
      apply(s, ev::feedback_received{1, "mail", "m1", "clicked", 40, "1"}, env(s, s.version + 1))
          .ok());
  auto back = decode_state(encode_state(s));
  REQUIRE(back.ok());
  CHECK(back->feedback == s.feedback);
  CHECK(back->feedback_seen == s.feedback_seen);
  CHECK(encode_state(back.value()) == encode_state(s));
  REQUIRE(back->runs[0].task("mail")->progress.has_value());
  CHECK(back->runs[0].task("mail")->progress->sent == 7);
}
