// Bad arguments never hurt the engine: every verb of the API, sent with malformed, out-of-range
// and missing arguments, answers (a result or a typed error, never a lost actor), the argument
// errors are validation errors naming the argument, and the campaign keeps answering `show`.
#include "engine_fixture.hpp"

using namespace baton;
using namespace baton::testing;

namespace {

std::string two_alerts_json() {
  return R"({"name": "args", "dimension": "profiles", "schedule": {"signal": true},
    "activities": [
      {"id": "hello", "type": "alert", "title": "hi", "message": "hello"},
      {"id": "bye", "type": "alert", "title": "bye", "message": "bye"}],
    "transitions": [{"from": "hello", "to": "bye"}]})";
}

using arg_map = std::map<std::string, std::string>;

// Malformed values of every argument a verb reads, and none at all.
const std::vector<arg_map>& malformed_args() {
  static const std::vector<arg_map> all = {
      {},
      {{"run", "abc"}},
      {{"run", "-1"}},
      {{"run", "0"}},
      {{"run", ""}},
      {{"run", "1x"}},
      {{"run", " 1"}},
      {{"run", "99999999999999999999999"}},
      {{"run", "4294967296"}},
      {{"format", "png"}},
      {{"format", ""}},
      {{"status", "bogus"}},
      {{"status", ""}},
      {{"activity", ""}},
      {{"activity", "no-such-activity"}},
      {{"next", "abc"}},
      {{"duplicatedFrom", "\x01\xff"}},
  };
  return all;
}

std::string show_args(const arg_map& args) {
  std::string s = "{";
  for (auto& [k, v] : args) s += k + "=" + v + " ";
  return s + "}";
}

}  // namespace

TEST_CASE("malformed and missing arguments of every verb leave the campaign working",
          "[engine][arguments]") {
  engine_fixture f;
  auto id = f.create(two_alerts_json());
  // The verbs that change nothing come first; those that may change the campaign follow, so
  // that each one meets a campaign in a state where it means something. (`feedback` reads no
  // argument and needs a data plane: tests/actors/feedback_loop_test.cpp.)
  const std::vector<std::string> verbs = {
      "show",    "graph",   "report",  "list",  "validate", "wait",     "update",
      "test",    "confirm", "start",   "pause", "resume",   "trigger",  "duplicate",
      "publish", "close",   "archive", "stop",  "delete",   "nonsense", "back-to-draft"};
  for (auto& verb : verbs) {
    for (auto& args : malformed_args()) {
      INFO(verb << " " << show_args(args));
      auto r = f.call({verb, id, "", "", "", args});
      if (!r) {
        // A typed answer of the engine: never "unavailable" (a lost or hung actor).
        CHECK(r.err().code != errc::unavailable);
        CHECK_FALSE(r.err().what.empty());
      }
      auto shown = f.call({"show", id, "", "", "", {}});
      REQUIRE(shown.ok());
      CHECK(shown.value()["id"] == id);
    }
  }
}

TEST_CASE("argument errors are validation errors that name the argument", "[engine][arguments]") {
  engine_fixture f;
  auto id = f.create(two_alerts_json());
  f.ok("publish", id);
  f.ok("trigger", id);
  f.wait_run(id);

  for (auto run :
       {"abc", "-1", "0", "", "1x", " 1", "+1", "1.0", "99999999999999999999999", "4294967296"}) {
    INFO("--run '" << run << "'");
    auto r = f.call({"graph", id, "", "", "", {{"run", run}}});
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == errc::validation);
    CHECK(r.err().where == "--run");
    CHECK(r.err().what.find(std::string("'") + run + "'") != std::string::npos);
  }
  auto r = f.call({"graph", id, "", "", "", {{"run", "2"}}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::not_found);
  CHECK(r.err().where == "--run");
  r = f.call({"graph", id, "", "", "", {{"format", "png"}}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::validation);
  CHECK(r.err().where == "--format");
  r = f.call({"list", "", "", "", "", {{"status", "bogus"}}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::validation);
  CHECK(r.err().where == "--status");

  // The good forms still work, and the campaign answers.
  CHECK(f.ok("graph", id, {{"run", "1"}})["graph"].get<std::string>().find("hello") !=
        std::string::npos);
  CHECK(f.ok("graph", id, {{"format", "dot"}})["graph"].get<std::string>().find("digraph") !=
        std::string::npos);
  CHECK(f.ok("list", "", {{"status", "live"}}).size() == 1);
  CHECK(f.show(id)["runs"][0]["status"] == "completed");
}
