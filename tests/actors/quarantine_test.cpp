// A campaign whose log cannot be read or folded is quarantined (issue 10, item 4): every command
// and query on it answers the error — `integrity` naming the event (stream, sequence, type)
// where the fold broke, or the cause of a failed read — never "no such campaign", an empty
// state, or the state it had before its log changed under it.
#include "engine_fixture.hpp"
#include "support/table_damage.hpp"

using namespace baton;
using namespace baton::testing;

namespace {

const char* draft_json = R"({"name": "q", "dimension": "profiles",
  "activities": [{"id": "note", "type": "alert", "title": "t", "message": "m"}],
  "transitions": []})";

// A second campaign_created at the end of the stream: well-formed, but no fold can take it.
void append_unfoldable(event_store& store, const std::string& id) {
  auto stream = "campaign/" + id;
  auto v = store.stream_version(stream);
  REQUIRE(v.ok());
  auto e = ev::to_event(ev::campaign_created{id, draft_json, ""});
  e.actor = "intruder";
  REQUIRE(store.append(stream, v.value(), {e}).ok());
}

// Every verb a client may send to one campaign answers `code`, with `where` and `what` in it.
void every_verb_answers(engine_fixture& f, const std::string& id, errc code,
                        const std::string& where, const std::string& what) {
  for (const char* verb :
       {"show", "graph", "report", "wait", "publish", "pause", "resume", "stop", "close", "archive",
        "delete", "test", "start", "update", "duplicate", "confirm", "trigger", "back-to-draft"}) {
    auto r = f.call({verb, id, "", "", verb == std::string("update") ? draft_json : "", {}});
    INFO(verb << ": " << (r ? r->dump() : r.err().message()));
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == code);
    CHECK(r.err().where.find(where) != std::string::npos);
    CHECK(r.err().what.find(what) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("a recovered campaign whose log does not fold answers integrity naming the event",
          "[engine][quarantine]") {
  engine_fixture f;
  auto id = f.create(draft_json);
  auto other = f.create(draft_json);
  f.restart(f.dir.str("events"), [&] {
    store_options so;
    auto s = event_store::open(f.dir.str("events"), so);
    REQUIRE(s.ok());
    append_unfoldable(*s.value(), id);
  });
  every_verb_answers(f, id, errc::integrity, "campaign/" + id + "#2", "campaign_created v1");
  CHECK(f.show(other)["status"] == "draft");  // the others go on
  // Still quarantined afterwards (not passivated into "no such campaign").
  auto r = f.call({"show", id, "", "", "", {}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::integrity);
}

TEST_CASE("a campaign whose log changed under it and no longer folds is quarantined",
          "[engine][quarantine]") {
  engine_fixture f;
  auto id = f.create(draft_json);
  CHECK(f.show(id)["status"] == "draft");  // its actor is alive, with the state of event #1
  append_unfoldable(*f.store, id);
  // The publish meets the changed stream (a conflict), re-reads the log and cannot fold it.
  auto r = f.call({"publish", id, "", "", "", {}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::integrity);
  CHECK(r.err().where == "campaign/" + id + "#2");
  CHECK(r.err().what.find("campaign_created v1") != std::string::npos);
  // Never the old state again: every later command answers the same.
  every_verb_answers(f, id, errc::integrity, "campaign/" + id + "#2", "campaign_created");
  CHECK(f.events_of_type(id, "campaign_published").empty());
}

TEST_CASE("a campaign whose log cannot be read answers the cause, not no such campaign",
          "[engine][quarantine]") {
  engine_fixture f;
  auto id = f.create(draft_json);
  f.ok("publish", id);
  f.restart(f.dir.str("events"), [&] { damage_family(f.dir.str("events"), "streams"); });
  auto r = f.call({"show", id, "", "", "", {}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::integrity);
  CHECK(r.err().what.find("cannot read the campaign's log") != std::string::npos);
  every_verb_answers(f, id, errc::integrity, "campaign/" + id, "cannot read the campaign's log");
}

TEST_CASE("a campaign whose head cannot be read answers the cause, not no such campaign",
          "[engine][quarantine]") {
  engine_fixture f;
  auto id = f.create(draft_json);
  f.restart(f.dir.str("events"), [&] { damage_family(f.dir.str("events"), "heads"); });
  auto r = f.call({"show", id, "", "", "", {}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::integrity);
  CHECK(r.err().what.find("cannot read the stream's head") != std::string::npos);
  auto list = f.call({"list", "", "", "", "", {}});
  REQUIRE_FALSE(list.ok());
  CHECK(list.err().what.find("cannot list the streams") != std::string::npos);
}
