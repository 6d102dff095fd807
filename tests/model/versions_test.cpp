// Versions of a published campaign (INTERFACES.md §10) through decide and the shared fold: an
// edit of a published recurring campaign is version N+1 applying from the next run (the run in
// progress finishes on its own version); stopped, closed and one-shot campaigns refuse; with
// security.requireApproval an edit is proposed and another approver approves it; a log or a
// snapshot from before versions folds as version 1; diffs name JSON pointers.
#include <catch2/catch.hpp>

#include "campaign_fixture.hpp"
#include "model/campaign_view.hpp"
#include "model/definition_diff.hpp"

using namespace campaign_fixture;

namespace {

errc code_of(const decision& d) {
  REQUIRE_FALSE(d.ok());
  return d.err().code;
}

// linear() with another subject, a new variable, and a third activity after the mail.
std::string edited(const json& settings) {
  json s = settings;
  s["variables"] = {{"season", "spring"}};
  json mail = {{"id", "mail"}, {"type", "email"}, {"subject", "Hey"}, {"body", "Hello"}};
  return campaign_json(
      json::array({{{"id", "aud"}, {"type", "build_audience"}},
                   mail,
                   {{"id", "note"}, {"type", "alert"}, {"title", "sent"}, {"message", "done"}}}),
      json::array({{{"from", "aud"}, {"to", "mail"}}, {{"from", "mail"}, {"to", "note"}}}), s);
}

std::string canonical(const std::string& text) {
  return definition_of(text).to_json().dump();
}

}  // namespace

TEST_CASE("an edit of a published signal campaign applies from the next run", "[versions][model]") {
  json settings = {{"schedule", signal_schedule()}};
  campaign c(linear(settings));
  auto admin = c.ctx(role::admin, "ada");
  c.accept(decide_publish(c.s, admin));
  c.accept(decide_trigger(c.s, {}, "api", admin));
  c.step();
  REQUIRE(c.s.active_run());
  CHECK(c.last().version == 1);

  auto evs = c.accept(decide_edit(c.s, canonical(edited(settings)), admin), "ada");
  CHECK(names(evs) == std::vector<std::string>{"definition_versioned"});
  CHECK(c.s.latest_version() == 2);
  CHECK(c.s.def_version == 1);  // run 1 finishes on its own version
  CHECK(c.s.def->find_activity("mail")->options.value("subject", "") == "Hi");
  CHECK(campaign_to_json(c.s)["version"] == 1);
  CHECK(campaign_to_json(c.s)["nextVersion"] == 2);

  c.complete("aud", 3);
  c.step();
  c.complete("mail", 3);
  c.step();
  REQUIRE_FALSE(c.s.active_run());
  CHECK(c.run(1).status == "completed");
  CHECK(c.s.def_version == 2);  // the run's end brought version 2 in
  CHECK(c.s.def->find_activity("mail")->options.value("subject", "") == "Hey");

  c.accept(decide_trigger(c.s, {}, "api", admin));
  c.step();
  CHECK(c.last().version == 2);
  CHECK(c.last().vars.at("season") == "spring");
  auto view = campaign_to_json(c.s);
  CHECK(view["version"] == 2);
  CHECK(view["streamVersion"] == c.log.size());
  CHECK(view["runs"][0]["version"] == 1);
  CHECK(view["runs"][0]["tasks"].size() == 2);  // run 1 shows the graph it ran
  CHECK(view["runs"][1]["version"] == 2);
  CHECK(view["runs"][1]["tasks"].size() == 3);

  auto versions = versions_json(c.s);
  REQUIRE(versions.size() == 2);
  CHECK(versions[1]["version"] == 2);
  CHECK(versions[1]["createdBy"] == "ada");
  auto d = diff_versions(c.s, 1, 2);
  REQUIRE(d.ok());
  CHECK(d->dump().find(R"("pointer":"/activities/1/subject")") != std::string::npos);
  CHECK(code_of(decide_edit(c.s, c.s.definition_json, c.ctx(role::viewer, "vic"))) ==
        errc::refused);
  CHECK(diff_versions(c.s, 1, 3).err().code == errc::not_found);
  CHECK(diff_versions(c.s, 0, 2).err().where == "--from");

  // The snapshot keeps versions, the version in force and each run's version.
  auto back = decode_state(encode_state(c.s));
  REQUIRE(back.ok());
  CHECK(back->versions == c.s.versions);
  CHECK(back->def_version == 2);
  CHECK(back->runs[0].version == 1);
  CHECK(encode_state(back.value()) == encode_state(c.s));
}

TEST_CASE("edit: a draft is replaced; stopped, closed and one-shot campaigns refuse",
          "[versions][model]") {
  auto admin = [](const campaign& c) { return c.ctx(role::admin, "ada"); };
  campaign draft(linear());
  draft.accept(decide_edit(draft.s, canonical(edited({})), admin(draft)));
  CHECK(draft.s.latest_version() == 1);
  CHECK(draft.s.def->find_activity("note"));

  campaign once(linear());  // as soon as possible: not recurring
  once.accept(decide_publish(once.s, admin(once)));
  CHECK(code_of(decide_edit(once.s, canonical(edited({})), admin(once))) == errc::refused);

  json cron = {{"schedule", cron_daily_9()}};
  campaign stopped(linear(cron));
  stopped.accept(decide_publish(stopped.s, admin(stopped)));
  stopped.accept(decide_stop(stopped.s, admin(stopped)));
  CHECK(code_of(decide_edit(stopped.s, canonical(edited(cron)), admin(stopped))) == errc::refused);

  json sig = {{"schedule", signal_schedule()}};
  campaign closed(linear(sig));
  closed.accept(decide_publish(closed.s, admin(closed)));
  closed.accept(decide_trigger(closed.s, {}, "api", admin(closed)));
  closed.accept(decide_close(closed.s, admin(closed)));
  CHECK(closed.s.status == campaign_status::closed);
  CHECK(code_of(decide_edit(closed.s, canonical(edited(sig)), admin(closed))) == errc::refused);

  campaign live(linear(cron));
  live.accept(decide_publish(live.s, admin(live)));
  // The kind of schedule stays; a manager may not publish a version without the approval flow.
  auto to_signal = decide_edit(live.s, canonical(edited(sig)), admin(live));
  CHECK(code_of(to_signal) == errc::validation);
  CHECK(to_signal.err().where == "/schedule");
  auto by_manager = decide_edit(live.s, canonical(edited(cron)), live.ctx(role::manager, "mia"));
  CHECK(code_of(by_manager) == errc::refused);
  CHECK(by_manager.err().where == "permission");
  // A new cron plans its next slot at once when no run is in progress.
  json evening = {{"schedule", {{"cron", "0 18 * * *"}, {"timezone", "UTC"}}}};
  live.accept(decide_edit(live.s, canonical(edited(evening)), admin(live)));
  CHECK(live.s.def_version == 2);
  CHECK(live.s.next_run == at("2030-01-01T18:00:00Z"));
}

TEST_CASE("with requireApproval an edit of a live campaign waits for another approver",
          "[versions][approval][model]") {
  json sig = {{"schedule", signal_schedule()}};
  campaign c(linear(sig));
  auto with_approval = [&](const std::string& who, role r) {
    auto x = c.ctx(r, who);
    x.require_approval = true;
    return x;
  };
  auto mia = with_approval("mia", role::manager), abe = with_approval("abe", role::approver);
  c.accept(decide_approval(c.s, "submit", "", mia), "mia");
  c.accept(decide_approval(c.s, "approve", "", abe), "abe");
  c.accept(decide_publish(c.s, abe), "abe");

  auto evs = c.accept(decide_edit(c.s, canonical(edited(sig)), mia), "mia");
  CHECK(names(evs) == std::vector<std::string>{"version_proposed"});
  CHECK(c.s.status == campaign_status::live);  // stays published, on version 1
  CHECK(c.s.latest_version() == 1);
  CHECK(campaign_to_json(c.s)["proposedVersion"] == 2);
  CHECK(campaign_to_json(c.s)["approval"]["state"] == "submitted");
  CHECK(code_of(decide_edit(c.s, canonical(edited(sig)), mia)) == errc::refused);  // one waits
  CHECK(code_of(decide_approval(c.s, "approve", "", with_approval("mia", role::admin))) ==
        errc::refused);  // four eyes
  CHECK(code_of(decide_approval(c.s, "reject", "", abe)) == errc::validation);
  c.accept(decide_approval(c.s, "reject", "too early", abe), "abe");
  CHECK_FALSE(c.s.proposed);
  CHECK(c.s.latest_version() == 1);

  c.accept(decide_edit(c.s, canonical(edited(sig)), mia), "mia");
  evs = c.accept(decide_approval(c.s, "approve", "", abe), "abe");
  CHECK(names(evs) == std::vector<std::string>{"approval_changed", "definition_versioned"});
  CHECK(c.s.def_version == 2);
  CHECK(c.s.versions[1].created_by == "abe");
  CHECK_FALSE(c.s.proposed);
  CHECK(code_of(decide_approval(c.s, "approve", "", abe)) == errc::refused);  // nothing waits
}

TEST_CASE("a snapshot from before versions reads as version 1", "[versions][model]") {
  campaign c(linear({{"schedule", signal_schedule()}}));
  c.accept(decide_publish(c.s, c.ctx()));
  c.accept(decide_trigger(c.s, {}, "api", c.ctx()));
  auto old = json::parse(encode_state(c.s));
  old.erase("versions");
  old.erase("defVersion");
  for (auto& r : old["runs"]) r.erase("version");
  auto s = decode_state(old.dump());
  REQUIRE(s.ok());
  REQUIRE(s->versions.size() == 1);
  CHECK(s->versions[0].definition == c.s.definition_json);
  CHECK(s->def_version == 1);
  CHECK(s->runs[0].version == 1);
  CHECK(campaign_to_json(s.value())["version"] == 1);
}

TEST_CASE("diff names options, activities and transitions by JSON pointer", "[versions][model]") {
  json a = json::parse(R"({"name":"a","schedule":{"cron":"0 9 * * *"},"variables":{"x":"1"},
    "activities":[{"id":"aud","type":"build_audience"},{"id":"mail","type":"email","subject":"Hi"},
                  {"id":"old","type":"alert"}],
    "transitions":[{"from":"aud","to":"mail"},{"from":"mail","to":"old"}]})");
  json b = json::parse(R"({"name":"a","schedule":{"cron":"0 18 * * *"},"variables":{"y":"2"},
    "activities":[{"id":"aud","type":"build_audience"},{"id":"new","type":"alert"},
                  {"id":"mail","type":"email","subject":"Hey","throttle":{"perSecond":10}}],
    "transitions":[{"from":"aud","to":"mail"},{"from":"mail","to":"new"}]})");
  auto d = diff_definitions(a, b);
  std::vector<std::string> got;
  for (auto& c : d)
    got.push_back(c["change"].get<std::string>() + " " + c["pointer"].get<std::string>());
  CHECK(got == std::vector<std::string>{"changed /schedule/cron", "removed /variables/x",
                                        "added /variables/y", "added /activities/1",
                                        "changed /activities/2/subject",
                                        "added /activities/2/throttle", "removed /activities/2",
                                        "removed /transitions/1", "added /transitions/1"});
  CHECK(d[0]["from"] == "0 9 * * *");
  CHECK(d[0]["to"] == "0 18 * * *");
  CHECK(d[3]["from"].is_null());
  CHECK(d[6]["to"].is_null());
  CHECK(diff_definitions(a, a).empty());
}
