// The campaign fold: events that do not fit the state are errors (nothing before
// campaign_created, no unknown run or activity, no gap in the stream, no other stream), the
// snapshot encoding gives back exactly the folded state, and a snapshot plus the tail of the log
// folds to the same state as the whole log.
#include <catch2/catch.hpp>

#include "campaign_fixture.hpp"

using namespace campaign_fixture;
using cs = campaign_status;

namespace {

// A store-like event for `ce` at the given stream position.
event at_seq(const ev::campaign_event& ce, std::uint64_t seq,
             const std::string& stream = k_stream) {
  event e = ev::to_event(ce);
  e.stream = stream;
  e.stream_seq = seq;
  e.global_seq = 500 + seq;
  e.time = t0();
  e.actor = "alice";
  return e;
}

// The campaign folded from the first `n` events of `log`.
campaign_state replay(const std::vector<event>& log, std::size_t n,
                      campaign_state from = campaign_state{}) {
  for (std::size_t i = from.version; i < n; ++i) {
    auto st = apply(from, log[i]);
    INFO("event " << i + 1 << ": " << (st.ok() ? "" : describe(st.err())));
    REQUIRE(st.ok());
  }
  return from;
}

error apply_error(campaign_state& s, const event& e) {
  auto before = encode_state(s);
  auto st = apply(s, e);
  REQUIRE_FALSE(st.ok());
  CHECK(encode_state(s) == before);  // a refused event changes nothing
  return st.err();
}

// A recurring campaign with a history touching most of the state: test runs, alerts, an error
// marker and a pause, signals queued during a run, a wait, skips and transition counts.
campaign rich_history() {
  std::string text = campaign_json(
      json::array({{{"id", "aud"}, {"type", "build_audience"}},
                   {{"id", "keep"}, {"type", "save_audience"}, {"audience", "kept"}},
                   {{"id", "t"},
                    {"type", "test"},
                    {"conditions", {{{"name", "big"}, {"count", {{"op", "ge"}, {"value", 100}}}}}}},
                   {{"id", "al"}, {"type", "alert"}, {"title", "big"}, {"message", "m"}},
                   {{"id", "w"}, {"type", "wait"}, {"duration", "PT1H"}},
                   {{"id", "mail"}, {"type", "email"}, {"subject", "s"}, {"body", "b"}}}),
      json::array({{{"from", "aud"}, {"to", "keep"}},
                   {{"from", "keep"}, {"to", "t"}},
                   {{"from", "t"}, {"output", "big"}, {"to", "al"}},
                   {{"from", "t"}, {"output", "default"}, {"to", "w"}},
                   {{"from", "w"}, {"to", "mail"}}}),
      {{"schedule", signal_schedule()}, {"variables", {{"season", "winter"}}}});
  campaign c(text);
  c.accept(decide_test(c.s, c.ctx(role::manager)));
  c.step();
  c.complete("aud", 150);
  c.step();  // test run: keep passes through, t -> big -> al
  c.accept(decide_publish(c.s, c.ctx(role::approver, "bob")), "bob");
  c.now += us_per_minute;
  c.accept(decide_trigger(c.s, {{"season", "summer"}}, "api", c.ctx()));
  c.step();
  c.accept(decide_trigger(c.s, {{"season", "spring"}}, "campaign/c-7", c.ctx()));  // queued
  c.fail("aud", "flaky");                                                          // suspend
  c.accept(decide_resume(c.s, c.ctx()));
  c.step();
  c.complete("aud", 20, "wt_2");
  c.step();
  c.complete("keep", 20, "wt_2");
  c.step();  // t -> default -> w waits
  REQUIRE(c.s.pending_signals.size() == 1);
  REQUIRE(c.task("w").wait_until != 0);
  return c;
}

}  // namespace

TEST_CASE("nothing folds before campaign_created", "[state]") {
  campaign_state s;
  auto e = apply_error(s, at_seq(ev::run_started{1, false, "start", {}}, 1));
  CHECK(e.code == errc::integrity);
  CHECK(e.what == "run_started before campaign_created");
  CHECK_FALSE(s.exists());
}

TEST_CASE("events that do not fit the state are errors", "[state]") {
  campaign c(linear());
  c.accept(decide_publish(c.s, c.ctx()));  // run 1 in progress
  auto next = c.log.size() + 1;

  CHECK(apply_error(c.s, at_seq(ev::campaign_created{"c-1", linear(), ""}, next)).what ==
        "campaign created twice");
  CHECK(apply_error(c.s, at_seq(ev::task_started{2, "aud", 1, 0}, next)).what ==
        "event names unknown run 2");
  CHECK(apply_error(c.s, at_seq(ev::task_completed{0, "aud", 0, {}, {}}, next)).what ==
        "event names unknown run 0");
  CHECK(apply_error(c.s, at_seq(ev::run_ended{7, "completed", "", 0}, next)).what ==
        "event names unknown run 7");
  CHECK(apply_error(c.s, at_seq(ev::transition_fired{3, "aud", "out", "mail", 1}, next)).what ==
        "event names unknown run 3");
  CHECK(apply_error(c.s, at_seq(ev::task_started{1, "ghost", 1, 0}, next)).what ==
        "event names unknown activity 'ghost'");
  CHECK(apply_error(c.s, at_seq(ev::task_skipped{1, "ghost", "disabled", false}, next)).what ==
        "event names unknown activity 'ghost'");
  CHECK(apply_error(c.s, at_seq(ev::confirmation_given{1, "ghost"}, next)).what ==
        "event names unknown activity 'ghost'");
  CHECK(apply_error(c.s, at_seq(ev::run_started{3, false, "start", {}}, next)).what ==
        "run 3 out of order");
  CHECK(apply_error(c.s, at_seq(ev::campaign_status_changed{"sleeping", "x"}, next)).what ==
        "unknown status 'sleeping'");
  // A published status no build knows is refused too, not folded as `none`.
  auto unknown = apply_error(c.s, at_seq(ev::campaign_published{"sleeping", 0}, next));
  CHECK(unknown.what == "unknown status 'sleeping'");
  CHECK(unknown.where == k_stream + "#" + std::to_string(next));
  auto e = apply_error(c.s, at_seq(ev::campaign_updated{"{\"name\": 1}"}, next));
  CHECK(e.code == errc::integrity);
  CHECK(e.where == k_stream + "#" + std::to_string(next));
}

TEST_CASE("the stream must be folded in order, from its first event, and only its own", "[state]") {
  campaign c(linear());
  auto next = c.log.size() + 1;
  ev::campaign_event paused = ev::campaign_status_changed{"paused", "pause"};
  CHECK(apply_error(c.s, at_seq(paused, next + 1)).what == "expected stream sequence 2");
  CHECK(apply_error(c.s, at_seq(paused, next - 1)).what == "expected stream sequence 2");
  CHECK(apply_error(c.s, at_seq(paused, next, "campaign/c-2")).code == errc::integrity);

  campaign_state fresh;
  CHECK(apply_error(fresh, at_seq(ev::campaign_created{"c-1", linear(), ""}, 2)).what ==
        "expected stream sequence 1");
  CHECK(apply_error(fresh, at_seq(ev::campaign_created{"c-1", linear(), ""}, 1, "campaign/c-2"))
            .code == errc::integrity);

  event garbage = at_seq(paused, next);
  garbage.type = 999;
  CHECK_FALSE(apply(c.s, garbage).ok());
  CHECK(c.s.version == next - 1);
}

TEST_CASE("the fold records who, when and where", "[state]") {
  campaign c(linear());
  CHECK(c.s.version == 1);
  CHECK(c.s.last_global == c.global);
  c.now += us_per_hour;
  c.fold(decide_publish(c.s, c.ctx()).value(), "bob");
  CHECK(c.s.version == 3);
  CHECK(c.s.last_global == c.log.back().global_seq);
  CHECK(c.run(1).started_at == t0() + us_per_hour);
  CHECK(c.s.created_by == "alice");
  CHECK(c.s.created_at == t0());
}

TEST_CASE("the typed apply and the stored-event apply fold alike", "[state]") {
  campaign c = rich_history();
  campaign_state typed;
  for (auto& e : c.log) {
    auto ce = ev::from_event(e);
    REQUIRE(ce.ok());
    REQUIRE(apply(typed, ce.value(), e).ok());
  }
  CHECK(encode_state(typed) == encode_state(c.s));
}

TEST_CASE("snapshots give back the folded state at every point of the log", "[state][snapshot]") {
  campaign c = rich_history();
  auto full = encode_state(c.s);
  for (std::size_t n = 1; n <= c.log.size(); ++n) {
    INFO("after " << n << " events");
    campaign_state folded = replay(c.log, n);
    auto bytes = encode_state(folded);
    auto decoded = decode_state(bytes);
    REQUIRE(decoded.ok());
    CHECK(encode_state(*decoded) == bytes);
    REQUIRE(decoded->def.has_value());
    CHECK(decoded->def->to_json() == folded.def->to_json());
    // snapshot + tail == the whole log
    CHECK(encode_state(replay(c.log, c.log.size(), *decoded)) == full);
  }
}

TEST_CASE("a decoded snapshot carries every part of the state", "[state][snapshot]") {
  campaign c = rich_history();
  auto decoded = decode_state(encode_state(c.s));
  REQUIRE(decoded.ok());
  const campaign_state& d = *decoded;
  CHECK(d.id == "c-1");
  CHECK(d.version == c.log.size());
  CHECK(d.last_global == c.log.back().global_seq);
  CHECK(d.status == cs::live);
  CHECK(d.status_before_pause == cs::live);
  CHECK(d.published);
  CHECK(d.created_by == "alice");
  CHECK(d.runs.size() == 2);
  CHECK(d.runs[0].test);
  CHECK(d.runs[0].status == "completed");
  CHECK(d.runs[0].task("keep")->pass_through);
  CHECK(d.runs[0].task("keep")->skip_reason == "test run");
  CHECK(d.runs[1].vars.at("season") == "summer");
  CHECK(d.runs[1].task("aud")->attempt == 2);
  CHECK(d.runs[1].task("aud")->outputs == std::vector<ev::population>{pop(20, "out", "wt_2")});
  CHECK(d.runs[1].task("t")->logs ==
        std::vector<std::string>{"no condition matched: default branch"});
  CHECK(d.runs[1].task("w")->wait_until == c.task("w").wait_until);
  CHECK(d.runs[1].transition_counts.at("t|default|w") == 20);
  REQUIRE(d.pending_signals.size() == 1);
  CHECK(d.pending_signals[0].at("season") == "spring");
  REQUIRE(d.alerts.size() == 1);
  CHECK(d.alerts[0].activity == "al");
  CHECK_FALSE(d.error);  // cleared by the resume

  // The encoding is sensitive to what it carries.
  campaign_state changed = d;
  changed.runs[1].tasks["w"].wait_until += 1;
  CHECK(encode_state(changed) != encode_state(d));
}

TEST_CASE("an error marker survives a snapshot", "[state][snapshot]") {
  campaign c(linear());
  c.accept(decide_publish(c.s, c.ctx()));
  c.step();
  c.fail("aud", "no rows table");
  REQUIRE(c.s.error);
  auto d = decode_state(encode_state(c.s));
  REQUIRE(d.ok());
  REQUIRE(d->error);
  CHECK(d->error->activity == "aud");
  CHECK(d->error->message == "no rows table");
  CHECK(d->error->run == 1);
  CHECK(d->status == cs::paused);
  CHECK(d->runs.at(0).task("aud")->policy == "suspend");
}

TEST_CASE("unreadable snapshots are integrity errors", "[state][snapshot]") {
  CHECK(decode_state("not json").err().code == errc::integrity);
  CHECK(decode_state("{}").err().code == errc::integrity);
  campaign c(linear());
  auto j = json::parse(encode_state(c.s));
  j.erase("runs");
  CHECK(decode_state(j.dump()).err().code == errc::integrity);
  j = json::parse(encode_state(c.s));
  j["definition"] = "{}";
  CHECK(decode_state(j.dump()).err().code == errc::integrity);
}

TEST_CASE("status names and state queries", "[state]") {
  for (auto st : {cs::none, cs::draft, cs::scheduled, cs::live, cs::paused, cs::stopped,
                  cs::completed, cs::closed, cs::archived, cs::deleted}) {
    campaign_status back = cs::none;
    REQUIRE(parse_campaign_status(to_string(st), back));
    CHECK(back == st);
  }
  campaign_status out = cs::live;
  CHECK_FALSE(parse_campaign_status("sleeping", out));
  CHECK(std::string(to_string(task_status::needs_confirmation)) == "needs-confirmation");
  CHECK(std::string(to_string(task_status::skipped)) == "skipped");

  CHECK_FALSE(campaign(linear()).s.recurring());
  CHECK_FALSE(campaign(linear({{"schedule", {{"at", "2030-02-01T00:00:00Z"}}}})).s.recurring());
  CHECK(campaign(linear({{"schedule", cron_daily_9()}})).s.recurring());
  CHECK(campaign(linear({{"schedule", signal_schedule()}})).s.recurring());

  campaign c(linear());
  c.accept(decide_test(c.s, c.ctx()));
  c.step();
  c.complete("aud", 1);
  c.step();
  REQUIRE(c.last().status == "completed");
  CHECK_FALSE(c.s.any_run_completed());  // a test run does not count
  CHECK(c.s.active_run() == nullptr);
  c.accept(decide_publish(c.s, c.ctx()));
  CHECK(c.s.active_run() == &c.s.runs.back());
  c.step();
  c.complete("aud", 1);
  c.step();
  c.complete("mail", 1);
  c.step();
  CHECK(c.s.any_run_completed());
}

TEST_CASE("a campaign created under loose limits still folds after the limits are tightened",
          "[state][guardrails]") {
  // Validated when created under a config allowing 5000 messages/s and 20 activities; today's
  // limits (the defaults: 2000/s, and a config tightened to 3 activities) refuse it.
  std::string text =
      campaign_json(json::array({{{"id", "aud"}, {"type", "build_audience"}},
                                 {{"id", "keep"}, {"type", "save_audience"}, {"audience", "kept"}},
                                 {{"id", "mail"},
                                  {"type", "email"},
                                  {"subject", "s"},
                                  {"body", "b"},
                                  {"throttle", {{"perSecond", 5000}}}},
                                 {{"id", "fin"}, {"type", "end"}}}),
                    json::array({{{"from", "aud"}, {"to", "keep"}},
                                 {{"from", "keep"}, {"to", "mail"}},
                                 {{"from", "mail"}, {"to", "fin"}}}));
  guardrails loose;
  loose.max_throttle = 5000;
  loose.max_activities = 20;
  REQUIRE(validate_campaign(text, nullptr, loose).ok());
  guardrails tight;
  tight.max_activities = 3;
  REQUIRE_FALSE(validate_campaign(text, nullptr, tight).ok());
  REQUIRE_FALSE(validate_campaign(text, nullptr).ok());  // today's default throttle limit

  std::vector<event> log = {at_seq(ev::campaign_created{"c-1", text, ""}, 1),
                            at_seq(ev::campaign_updated{text}, 2),
                            at_seq(ev::run_started{1, true, "test", {}}, 3)};
  auto s = replay(log, log.size());
  REQUIRE(s.def);
  CHECK(s.def->activities.size() == 4);
  CHECK(s.runs.size() == 1);
  CHECK(s.runs[0].tasks.count("mail") == 1);
  // The snapshot of that state decodes too.
  auto back = decode_state(encode_state(s));
  REQUIRE(back.ok());
  CHECK(encode_state(back.value()) == encode_state(s));
}

TEST_CASE("a stored definition that cannot be read at all is an integrity error naming the event",
          "[state][guardrails]") {
  campaign_state s;
  auto e = apply_error(s, at_seq(ev::campaign_created{"c-1", "{not json", ""}, 1));
  CHECK(e.code == errc::integrity);
  CHECK(e.where == k_stream + "#1");
  CHECK(e.what.find("not JSON") != std::string::npos);
}
