// The operator's event filters and positions (batonctl events, baton-replay): each filter keeps
// exactly the events it names.
#include <catch2/catch.hpp>

#include "events/campaign_events.hpp"
#include "events/catalog.hpp"
#include "model/event_json.hpp"
#include "tools/common/cli.hpp"
#include "tools/common/event_view.hpp"

using namespace baton;

namespace {

event make(const ev::campaign_event& ce, const std::string& stream, std::uint64_t seq, time_us t,
           const std::string& actor) {
  auto e = ev::to_event(ce);
  e.stream = stream;
  e.global_seq = seq;
  e.stream_seq = seq;
  e.time = t;
  e.actor = actor;
  return e;
}

bool keeps(const cli::event_filter& f, const event& e) {
  const auto& c = baton_event_catalog();
  return f.matches(e, event_to_json(e, c), c);
}

}  // namespace

TEST_CASE("event filters keep exactly what they name") {
  auto started = make(ev::task_started{2, "gold", 1, 10}, "campaign/c-1", 5, 1000, "engine");
  auto other = make(ev::task_started{1, "mail", 1, 10}, "campaign/c-2", 6, 2000, "alice");
  auto fired =
      make(ev::transition_fired{2, "gold", "out", "mail", 7}, "campaign/c-1", 7, 3000, "engine");
  cli::event_filter none;
  CHECK(keeps(none, started));
  cli::event_filter by_campaign;
  by_campaign.campaign = "c-1";
  CHECK(keeps(by_campaign, started));
  CHECK_FALSE(keeps(by_campaign, other));
  CHECK(by_campaign.only_stream() == std::optional<std::string>("campaign/c-1"));
  cli::event_filter by_type;
  by_type.type = "transition_fired";
  CHECK(keeps(by_type, fired));
  CHECK_FALSE(keeps(by_type, started));
  cli::event_filter by_run;
  by_run.run = 2;
  CHECK(keeps(by_run, started));
  CHECK_FALSE(keeps(by_run, other));
  cli::event_filter by_activity;
  by_activity.activity = "mail";
  CHECK(keeps(by_activity, other));
  CHECK(keeps(by_activity, fired));  // a transition into it
  CHECK_FALSE(keeps(by_activity, started));
  cli::event_filter by_actor;
  by_actor.actor = "alice";
  CHECK(keeps(by_actor, other));
  CHECK_FALSE(keeps(by_actor, started));
  cli::event_filter by_time;
  by_time.since_us = 1500;
  by_time.until_us = 2500;
  CHECK(keeps(by_time, other));
  CHECK_FALSE(keeps(by_time, started));
  CHECK_FALSE(keeps(by_time, fired));
  cli::event_filter by_seq;
  by_seq.since_seq = 6;
  CHECK_FALSE(keeps(by_seq, started));
  CHECK(keeps(by_seq, fired));
}

TEST_CASE("positions are an ISO-8601 time or @SEQ, anything else is a usage error") {
  auto t = cli::parse_position("2026-11-22T10:00:00Z", "--since");
  REQUIRE(t.ok());
  CHECK(t->time_us.has_value());
  CHECK_FALSE(t->seq.has_value());
  auto s = cli::parse_position("@42", "--since");
  REQUIRE(s.ok());
  CHECK(*s->seq == 42);
  CHECK(cli::parse_position("@4x2", "--since").err().code == errc::validation);
  CHECK(cli::parse_position("yesterday", "--until").err().where == "--until");
}

TEST_CASE("an event line fits the width it is given") {
  auto e = make(
      ev::task_completed{1, "gold", 5, {{"out", "t", 5, "profiles", "f"}}, {"a long log line"}},
      "campaign/c-1", 9, 1000, "engine");
  auto j = event_to_json(e, baton_event_catalog());
  auto line = cli::format_event_line(j, 80);
  CHECK(line.size() <= 80);
  CHECK(line.find("task_completed") != std::string::npos);
  CHECK(line.find("a long log line") == std::string::npos);  // logs are left to --json
  CHECK(cli::format_event_line(j, 400).find("outputs=[out:5]") != std::string::npos);
}
