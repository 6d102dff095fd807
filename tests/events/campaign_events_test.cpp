// Every campaign event type survives the whole trip: typed -> payload -> envelope bytes ->
// decoded -> checked by the catalog -> typed again, and prints as JSON by its schema.
#include <catch2/catch.hpp>

#include "events/campaign_events.hpp"
#include "events/catalog.hpp"
#include "events/envelope_codec.hpp"

using namespace baton;
using namespace baton::ev;

namespace {

std::vector<campaign_event> one_of_each() {
  variables vars{{"season", "winter"}, {"tier", "gold"}};
  population p{"out", "wt_c1_r2_gold_out", 1234, "profiles", "ab12"};
  return {
      campaign_created{"c-1", R"({"name":"x"})", "c-0"},
      campaign_updated{R"({"name":"y"})"},
      campaign_published{"scheduled", 1'767'225'600'000'000},
      campaign_status_changed{"paused", "pause"},
      confirmation_given{2, "mail"},
      signal_received{vars, "campaign/c-9"},
      run_started{3, true, "test", vars},
      run_ended{3, "failed", "boom", 42},
      next_run_planned{77},
      task_started{3, "gold", 2, 99},
      task_completed{
          3, "split", 99, {p, population{"complement", "", 0, "profiles", ""}}, {"log a", "log b"}},
      task_failed{3, "gold", "no such table", "suspend"},
      task_skipped{3, "mail", "test run", true},
      task_waiting{3, "pause", 1'767'229'200'000'000, "wait"},
      transition_fired{3, "split", "vip", "mail", 17},
      alert_raised{3, "warn", "Heads up", "Low count"},
      signal_sent{3, "end", "c-2", vars},
      delivery_progress{3, "mail", 1, 500, 480, 2, {{"no consent", "18"}}, "wt_sent"},
      feedback_received{3, "mail", "ab12", "clicked", 1'767'229'200'000'000, "42"},
      task_cancelled{3, "mail", "run failed", "running"},
      approval_changed{"rejected", "the subject is wrong"}};
}

}  // namespace

TEST_CASE("every campaign event type round-trips through the store's encoding") {
  const auto& catalog = baton_event_catalog();
  auto all = one_of_each();
  REQUIRE(all.size() == std::variant_size_v<campaign_event>);  // a new type needs a case here
  for (auto& ce : all) {
    INFO(name_of(ce));
    auto e = to_event(ce);
    e.stream = "campaign/c-1";
    e.global_seq = 1;
    auto back = decode_envelope(encode_envelope(e));
    REQUIRE(back.ok());
    auto up = catalog.upcast(back.value());
    REQUIRE(up.ok());
    auto typed = from_event(up.value());
    REQUIRE(typed.ok());
    CHECK(typed.value() == ce);
    CHECK(catalog.type_name(e.type) == name_of(ce));
    auto json = catalog.payload_json(e);
    REQUIRE(json.ok());
    CHECK(json->front() == '{');
  }
}

TEST_CASE("a campaign event with a corrupt payload or unknown type is an error") {
  auto e = to_event(task_started{1, "a", 1, 0});
  e.payload = std::string(24, '\x7f');
  auto r = from_event(e);
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::integrity);
  e.type = 999;
  CHECK_FALSE(from_event(e).ok());
}

TEST_CASE("payload JSON uses the schema's field names") {
  auto e = to_event(transition_fired{2, "a", "out", "b", 5});
  auto j = baton_event_catalog().payload_json(e);
  REQUIRE(j.ok());
  CHECK(j.value() == R"({"run":2,"from":"a","output":"out","to":"b","count":"5"})");
}
