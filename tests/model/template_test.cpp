// Templates as the fold of "template/<name>" (INTERFACES.md §10): each save is the next version,
// the whole definition is kept (variables and guardrail members), names are checked, and only a
// manager or more saves.
#include <catch2/catch.hpp>

#include "model/template_state.hpp"

using namespace baton;

namespace {

event saved(const std::string& name, const std::string& def, std::uint64_t seq) {
  event e = ev::to_event(ev::template_saved{name, def, "c-1"});
  e.stream = template_stream(name);
  e.stream_seq = seq;
  e.global_seq = 100 + seq;
  e.time = static_cast<time_us>(seq) * 1'000'000;
  e.actor = "mia";
  return e;
}

}  // namespace

TEST_CASE("each save of a template is its next version", "[templates][model]") {
  template_state t;
  CHECK_FALSE(t.exists());
  std::string v1 = R"({"name":"a","variables":{"season":"winter"},"errorPolicy":{"mode":"skip"}})";
  REQUIRE(apply(t, saved("weekly", v1, 1)).ok());
  REQUIRE(apply(t, saved("weekly", R"({"name":"b"})", 2)).ok());
  CHECK(t.name == "weekly");
  REQUIRE(t.find() != nullptr);
  CHECK(t.find()->version == 2);
  CHECK(t.find(1)->definition == v1);
  CHECK(t.find(3) == nullptr);
  auto j = template_json(t, *t.find(1));
  CHECK(j["name"] == "weekly");
  CHECK(j["version"] == 1);
  CHECK(j["definition"]["variables"]["season"] == "winter");
  CHECK(j["definition"]["errorPolicy"]["mode"] == "skip");
  CHECK(template_summary_json(t)["version"] == 2);
  CHECK(template_summary_json(t)["savedBy"] == "mia");
  // Out of order, or another template's event: the log and the fold disagree.
  CHECK(apply(t, saved("weekly", "{}", 5)).err().code == errc::integrity);
  auto other = saved("other", "{}", 3);
  CHECK(apply(t, other).err().code == errc::integrity);
}

TEST_CASE("template names and roles", "[templates][model]") {
  CHECK(check_template_name("weekly-news_2.0").empty());
  for (auto bad : {"", "-x", ".x", "a/b", "a b", std::string(65, 'a').c_str()})
    CHECK_FALSE(check_template_name(bad).empty());
  template_state t;
  auto viewer = decide_template_save(t, "w", "{}", "c-1", "vic", role::viewer);
  REQUIRE_FALSE(viewer.ok());
  CHECK(viewer.err().code == errc::refused);
  CHECK(viewer.err().message() == "permission: vic (viewer) may not template save");
  auto bad = decide_template_save(t, "a/b", "{}", "c-1", "mia", role::manager);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.err().code == errc::validation);
  auto ok = decide_template_save(t, "w", "{}", "c-1", "mia", role::manager);
  REQUIRE(ok.ok());
  CHECK(ok->name == "w");
  CHECK(ok->source_campaign == "c-1");
}
