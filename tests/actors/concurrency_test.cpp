// Two clients (two threads, each with its own scoped actor) send conflicting commands to one
// campaign at the same moment: the campaign actor serialises them, exactly one wins where the
// lifecycle allows only one, the loser is refused, and the event log agrees with the replies.
#include <latch>
#include <thread>

#include "engine_fixture.hpp"

using namespace baton;
using namespace baton::testing;

namespace {

const char* waiting_campaign = R"({"name": "long", "dimension": "profiles",
  "activities": [{"id": "hold", "type": "wait", "duration": "PT1H"}, {"id": "fin", "type": "end"}],
  "transitions": [{"from": "hold", "to": "fin"}]})";

// Sends `a` and `b` from two threads released together; returns both replies.
std::pair<result<json>, result<json>> race(engine_fixture& f, api_command a, api_command b) {
  std::latch go(2);
  auto send = [&](api_command cmd) {
    caf::scoped_actor self{*f.sys};
    if (cmd.actor.empty()) cmd.actor = "client-" + cmd.verb;
    result<json> out = make_error(errc::unavailable, "engine", "no reply");
    go.arrive_and_wait();
    self->request(f.h.api, std::chrono::seconds(10), command_atom::value, std::move(cmd))
        .receive([&](std::string& r) { out = json::parse(r); },
                 [&](caf::error& e) { out = from_caf(e); });
    return out;
  };
  result<json> ra = make_error(errc::unavailable, "", ""), rb = ra;
  std::thread ta([&] { ra = send(std::move(a)); });
  std::thread tb([&] { rb = send(std::move(b)); });
  ta.join();
  tb.join();
  return {ra, rb};
}

std::vector<std::string> statuses_in_log(engine_fixture& f, const std::string& id) {
  std::vector<std::string> out;
  for (auto& e : f.events(id))
    if (e["type"] == "campaign_published" || e["type"] == "campaign_status_changed")
      out.push_back(e["payload"]["status"].get<std::string>());
  return out;
}

std::string live_campaign(engine_fixture& f) {
  auto id = f.create(waiting_campaign);
  f.ok("publish", id);
  f.await(
      id,
      [](const json& v) {
        return !v["runs"].empty() && task_of(v["runs"][0], "hold").contains("waitUntil");
      },
      "the run to reach its wait");
  return id;
}

constexpr int rounds = 12;

}  // namespace

TEST_CASE("publish twice at once: one publishes, the other is refused", "[engine][race]") {
  engine_fixture f;
  for (int i = 0; i < rounds; ++i) {
    auto id = f.create(waiting_campaign);
    auto [a, b] =
        race(f, {"publish", id, "", "a-" + id, "", {}}, {"publish", id, "", "b-" + id, "", {}});
    INFO("round " << i << ": " << (a ? a->dump() : a.err().message()) << " / "
                  << (b ? b->dump() : b.err().message()));
    CHECK(a.ok() != b.ok());
    auto& loser = a.ok() ? b : a;
    if (!loser.ok()) CHECK(loser.err().code == errc::refused);
    CHECK(f.events_of_type(id, "campaign_published").size() == 1);
    CHECK(f.events_of_type(id, "run_started").size() == 1);
  }
}

TEST_CASE("pause and stop at once: the log orders them and the replies agree", "[engine][race]") {
  engine_fixture f;
  int pause_won = 0;
  for (int i = 0; i < rounds; ++i) {
    auto id = live_campaign(f);
    auto [p, s] = race(f, {"pause", id, "", "", "", {}}, {"stop", id, "", "", "", {}});
    INFO("round " << i << ": " << (p ? p->dump() : p.err().message()) << " / "
                  << (s ? s->dump() : s.err().message()));
    // Stop wins from live and from paused; pause only if it came first.
    REQUIRE(s.ok());
    CHECK(s.value()["status"] == "stopped");
    auto log = statuses_in_log(f, id);
    if (p.ok()) {
      ++pause_won;
      CHECK(p.value()["status"] == "paused");
      CHECK(log == std::vector<std::string>{"live", "paused", "stopped"});
    } else {
      CHECK(p.err().code == errc::refused);
      CHECK(log == std::vector<std::string>{"live", "stopped"});
    }
    CHECK(f.show(id)["status"] == "stopped");
    CHECK(f.refused_code("resume", id) == errc::refused);
  }
  INFO("pause came first in " << pause_won << " of " << rounds << " rounds");
  SUCCEED();
}

TEST_CASE("stop twice, delete against publish, resume against stop: one winner each",
          "[engine][race]") {
  engine_fixture f;
  for (int i = 0; i < rounds; ++i) {
    INFO("round " << i);
    {
      auto id = live_campaign(f);
      auto [a, b] = race(f, {"stop", id, "", "", "", {}}, {"stop", id, "", "", "", {}});
      CHECK(a.ok() != b.ok());
      auto& loser = a.ok() ? b : a;
      if (!loser.ok()) CHECK(loser.err().code == errc::refused);
      CHECK(f.events_of_type(id, "run_ended").size() == 1);
      CHECK(statuses_in_log(f, id) == std::vector<std::string>{"live", "stopped"});
    }
    {
      auto id = f.create(waiting_campaign);
      auto [d, p] = race(f, {"delete", id, "", "", "", {}}, {"publish", id, "", "", "", {}});
      CHECK(d.ok() != p.ok());
      auto log = statuses_in_log(f, id);
      if (d.ok()) {
        CHECK(p.err().code == errc::not_found);
        CHECK(log == std::vector<std::string>{"deleted"});
        CHECK(f.call({"show", id, "", "", "", {}}).err().code == errc::not_found);
      } else {
        CHECK(d.err().code == errc::refused);
        CHECK(log == std::vector<std::string>{"live"});
      }
    }
    {
      auto id = live_campaign(f);
      f.ok("pause", id);
      auto [r, s] = race(f, {"resume", id, "", "", "", {}}, {"stop", id, "", "", "", {}});
      REQUIRE(s.ok());
      auto log = statuses_in_log(f, id);
      if (r.ok())
        CHECK(log == std::vector<std::string>{"live", "paused", "live", "stopped"});
      else
        CHECK(log == std::vector<std::string>{"live", "paused", "stopped"});
    }
  }
}

TEST_CASE("the same command id from two clients at once is carried out once", "[engine][race]") {
  engine_fixture f;
  for (int i = 0; i < rounds; ++i) {
    INFO("round " << i);
    auto before = f.ok("list", "").size();
    auto cid = "create-" + std::to_string(i);
    auto [a, b] = race(f, {"create", "", "", cid, waiting_campaign, {}},
                       {"create", "", "", cid, waiting_campaign, {}});
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a.value()["id"] == b.value()["id"]);
    CHECK(a.value().value("duplicate", false) != b.value().value("duplicate", false));
    CHECK(f.ok("list", "").size() == before + 1);
    std::string id = a.value()["id"];
    CHECK(f.show(id)["status"] == "draft");

    auto pid = "publish-" + std::to_string(i);
    auto [p, q] = race(f, {"publish", id, "", pid, "", {}}, {"publish", id, "", pid, "", {}});
    REQUIRE(p.ok());
    REQUIRE(q.ok());
    CHECK(p.value().value("duplicate", false) != q.value().value("duplicate", false));
    CHECK(f.events_of_type(id, "campaign_published").size() == 1);
    f.ok("stop", id);
  }
}
