// A user command decided while other security facts are on their way to the log (refusals,
// failed logins: appended at any version) is decided again on the fresh book instead of failing
// with a version conflict that has nothing to do with it.
#include "actors/messages.hpp"
#include "engine_fixture.hpp"
#include "events/security_events.hpp"

using namespace baton;
using namespace baton::testing;
using nlohmann::json;

TEST_CASE("user commands do not fail when refusals are appended to the security stream meanwhile",
          "[security]") {
  engine_fixture f;
  for (int round = 0; round < 10; ++round) {
    // Refusals first (as the gate records failed logins), then at once a user command: its
    // decision sees the book before those appends are durable.
    for (int i = 0; i < 20; ++i)
      caf::anon_send(f.h.registry, record_atom::value,
                     security_record{{ev::auth_failed{"10.0.0." + std::to_string(i), false}}, ""});
    auto name = "user" + std::to_string(round);
    auto r = f.call({"user-add", "", "", "", "", {{"name", name}, {"role", "viewer"}}});
    INFO("round " << round << ": " << (r ? r->dump() : r.err().message()));
    REQUIRE(r.ok());
    CHECK(r.value()["token"].is_string());
  }
  auto users = f.ok("user-list", "");
  INFO(users.dump());
  CHECK(users.dump().find("user9") != std::string::npos);
  auto log = f.store->read_stream(ev::security_stream);
  REQUIRE(log.ok());
  std::size_t failed = 0, added = 0;
  for (auto& e : log.value()) {
    auto type = event_to_json(e, baton_event_catalog())["type"];
    failed += type == "auth_failed";
    added += type == "user_added";
  }
  CHECK(failed == 200);
  CHECK(added == 10);
}
