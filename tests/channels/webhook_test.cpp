// The webhook connector against a real HTTP server (cpp-httplib, in the test process, on a free
// loopback port): the JSON body, the Idempotency-Key header, 409 as "already received", status
// classes, extra headers, connection reuse and an unreachable receiver.
#include <catch2/catch.hpp>

#include <mutex>
#include <set>

#include "channels/webhook.hpp"
#include "support.hpp"

using namespace baton;
using namespace baton::channels;
using namespace baton::channels::testing;
using nlohmann::json;

namespace {

using receiver = test_servers::webhook_receiver;

webhook_options options_for(const std::string& url) {
  webhook_options o;
  o.url = url;
  o.timeout_seconds = 5;
  return o;
}

}  // namespace

TEST_CASE("webhook posts the message JSON with Idempotency-Key = message_id", "[webhook]") {
  receiver rx;
  auto o = options_for(rx.url());
  o.headers["Authorization"] = "Bearer t0ken";
  webhook_connector hook(o);
  auto batch = sample_batch(0, 6);
  auto rs = hook.send(batch);
  for (const auto& r : rs) {
    CHECK(r.sent());
    CHECK_FALSE(r.repeated);
  }
  std::lock_guard lock(rx.mu);
  REQUIRE(rx.bodies.size() == 6);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    CHECK(rx.keys[i] == batch[i].message_id);
    CHECK(rx.bodies[i] == to_json(batch[i]));
    CHECK(rx.bodies[i]["message_id"] == batch[i].message_id);
    CHECK(rx.auth[i] == "Bearer t0ken");
    CHECK(rx.content_types[i] == "application/json");
  }
  CHECK(rx.peers.size() == 1);  // one kept-alive connection
}

TEST_CASE("webhook treats 409 as already received and replays are harmless", "[webhook]") {
  receiver rx;
  webhook_connector hook(options_for(rx.url()));
  auto batch = sample_batch(0, 3);
  for (const auto& r : hook.send(batch)) CHECK(r.sent());
  webhook_connector after_restart(options_for(rx.url()));  // a new process replays the batch
  for (const auto& r : after_restart.send(batch)) {
    CHECK(r.sent());
    CHECK(r.repeated);
  }
  std::lock_guard lock(rx.mu);
  CHECK(rx.bodies.size() == 3);
  CHECK(rx.keys.size() == 6);
}

TEST_CASE("webhook status classes: 5xx retryable, other 4xx final", "[webhook]") {
  receiver rx;
  webhook_connector hook(options_for(rx.url()));
  auto batch = sample_batch(0, 3);
  batch[0].recipient = "boom";
  batch[1].recipient = "bad";
  auto rs = hook.send(batch);
  CHECK_FALSE(rs[0].sent());
  CHECK(rs[0].retryable);
  CHECK(rs[0].reason == "HTTP 500: internal trouble");
  CHECK_FALSE(rs[1].sent());
  CHECK_FALSE(rs[1].retryable);
  CHECK_THAT(rs[1].reason, Catch::StartsWith("HTTP 400"));
  CHECK(rs[2].sent());
}

TEST_CASE("webhook without a receiver fails the batch at once, retryably", "[webhook]") {
  webhook_connector hook(options_for("http://127.0.0.1:" + std::to_string(free_port()) + "/h"));
  auto rs = hook.send(sample_batch(0, 10));
  for (const auto& r : rs) {
    CHECK_FALSE(r.sent());
    CHECK(r.retryable);
  }
  CHECK(rs[9].reason == rs[0].reason);
}
