// Every campaign event type survives the whole trip: typed -> payload -> envelope bytes ->
// decoded -> checked by the catalog -> typed again, and prints as JSON by its schema.
#include <sys/resource.h>

#include <fstream>
#include <iterator>

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
      run_data_dropped{4, 7},
      approval_changed{"rejected", "the subject is wrong"},
      definition_versioned{2, R"({"name":"z"})"},
      version_proposed{R"({"name":"w"})"},
      variant_chosen{3, "mail", "b", "opens", {{"a", 10, 7, 5, 3, 2}, {"b", 10, 9, 6, 8, 4}}}};
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

TEST_CASE("a few hundred stored bytes cannot claim millions of list elements") {
  // The events fuzzer's input: an envelope whose task_completed payload's list pointers claim
  // millions of zero-sized elements (Cap'n Proto charges each one word of an 8 Mi-word default
  // budget): decoding it allocated ~1 GB and took 10 s before the budget ran out and it was
  // refused. The readers' budget now follows the bytes' size, so the refusal (or a small result)
  // costs no more memory than the bytes. CTest runs each case in its own process, so the peak
  // resident size below is this decode's.
  std::ifstream in(std::string(BATON_SOURCE_DIR) + "/fuzz/corpus/events/found-list-amplification",
                   std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(bytes.size() == 384);
  const auto& catalog = baton_event_catalog();
  std::size_t decoded = 0;
  auto check = [&](const event& e) {
    auto up = catalog.upcast(e);
    if (!up.ok()) return;
    if (auto json = catalog.payload_json(up.value()); json.ok())
      CHECK(json->size() < 64 * bytes.size());
    auto r = from_event(up.value());
    if (!r.ok()) return;
    ++decoded;
    if (auto* t = std::get_if<task_completed>(&r.value()))
      CHECK(t->outputs.size() + t->logs.size() <= bytes.size());
  };
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  auto envelope = decode_envelope(bytes);
  REQUIRE(envelope.ok());
  check(envelope.value());
  for (const auto* type : catalog.all()) {
    for (std::uint16_t v = 1; v <= type->current_version(); ++v) {
      event e;
      e.type = type->id;
      e.version = v;
      e.payload = bytes;
      check(e);
    }
  }
  CHECK(decoded > 0);
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  CHECK(after.ru_maxrss - before.ru_maxrss < 100 * 1024);  // KiB: well under 100 MiB
}
