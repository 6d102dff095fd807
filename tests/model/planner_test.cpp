// Run planning (PRODUCT.md §2 flow control): graph order, ready tasks and skips, fork branches,
// and_join waiting for every inbound transition and continuing with its primary population, test
// conditions and stopped branches, disabled activities, combine with a dead input, and when a run
// has nothing left to do.
#include <catch2/catch.hpp>

#include "campaign_fixture.hpp"

using namespace campaign_fixture;
using ts = task_status;
using strings = std::vector<std::string>;

namespace {

json act(const std::string& id, const std::string& type, const json& options = json::object()) {
  json a = {{"id", id}, {"type", type}};
  for (auto& [k, v] : options.items()) a[k] = v;
  return a;
}
json tr(const std::string& from, const std::string& to, const std::string& output = "out") {
  json t = {{"from", from}, {"to", to}};
  if (output != "out") t["output"] = output;
  return t;
}
json email(const std::string& id) {
  return act(id, "email", {{"subject", "s"}, {"body", "b"}});
}

campaign published(const std::string& text) {
  campaign c(text);
  c.accept(decide_publish(c.s, c.ctx()));
  c.step();
  return c;
}

strings skip_names(const run_plan& p) {
  strings out;
  for (auto& k : p.skips) out.push_back(k.activity + ":" + k.reason);
  return out;
}

// aud -> t (test: big if count >= 100, winter if season = winter, default unless disabled);
// big -> al_big -> end_big; winter -> al_w; default -> al_d.
std::string test_campaign(const std::string& season, bool with_default) {
  json acts = json::array(
      {act("aud", "build_audience"),
       act("t", "test",
           {{"default", with_default},
            {"conditions",
             {{{"name", "big"}, {"count", {{"op", "ge"}, {"value", 100}}}},
              {{"name", "winter"}, {"variable", "season"}, {"op", "eq"}, {"value", "winter"}}}}}),
       act("al_big", "alert", {{"title", "big"}}), act("end_big", "end"),
       act("al_w", "alert", {{"title", "winter"}})});
  json trs = json::array({tr("aud", "t"), tr("t", "al_big", "big"), tr("al_big", "end_big"),
                          tr("t", "al_w", "winter")});
  if (with_default) {
    acts.push_back(act("al_d", "alert", {{"title", "default"}}));
    trs.push_back(tr("t", "al_d", "default"));
  }
  return campaign_json(acts, trs, {{"variables", {{"season", season}}}});
}

}  // namespace

TEST_CASE("topological order: sources first, ties in definition order", "[planner]") {
  auto def = definition_of(campaign_json(
      json::array({act("m", "email", {{"subject", "s"}, {"body", "b"}}), act("b", "build_audience"),
                   act("j", "and_join", {{"primary", "a"}}), act("a", "build_audience"),
                   act("f", "fork", {{"branches", {"x"}}}), act("al", "alert", {{"title", "t"}})}),
      json::array({tr("b", "j"), tr("a", "j"), tr("j", "m"), tr("f", "al", "x")})));
  CHECK(topological_order(def) == strings{"b", "a", "j", "m", "f", "al"});
}

TEST_CASE("plan_run: roots are ready first, a run is finished when every task is terminal",
          "[planner]") {
  campaign c(linear());
  c.accept(decide_publish(c.s, c.ctx()));
  auto plan = plan_run(*c.s.def, c.last());
  CHECK(plan.ready == strings{"aud"});
  CHECK(plan.skips.empty());
  CHECK_FALSE(plan.finished);
  c.step();
  plan = plan_run(*c.s.def, c.last());
  CHECK(plan.ready.empty());  // aud is running; mail waits for it
  CHECK_FALSE(plan.finished);
  c.complete("aud", 3);
  CHECK(plan_run(*c.s.def, c.last()).ready == strings{"mail"});
  auto inputs = inputs_of(*c.s.def, c.last(), "mail");
  REQUIRE(inputs.size() == 1);
  CHECK(inputs[0].first == "aud");
  CHECK(inputs[0].second == pop(3));
  CHECK(inputs_of(*c.s.def, c.last(), "aud").empty());
  c.step();
  c.complete("mail", 3);
  plan = plan_run(*c.s.def, c.last());
  CHECK(plan.ready.empty());
  CHECK(plan.finished);
}

TEST_CASE("fork: every branch continues with the same population", "[planner][fork]") {
  campaign c = published(campaign_json(
      json::array({act("aud", "build_audience"), act("f", "fork", {{"branches", {"a", "b", "c"}}}),
                   act("al_a", "alert", {{"title", "a"}}), act("al_b", "alert", {{"title", "b"}})}),
      json::array({tr("aud", "f"), tr("f", "al_a", "a"), tr("f", "al_b", "b")})));
  c.complete("aud", 10, "wt_aud");
  c.step();
  REQUIRE(c.task("f").outputs.size() == 3);
  for (auto& out : c.task("f").outputs) {
    CHECK(out.count == 10);
    CHECK(out.table == "wt_aud");
  }
  CHECK(c.last().transition_counts == std::map<std::string, std::uint64_t>{
                                          {"aud|out|f", 10}, {"f|a|al_a", 10}, {"f|b|al_b", 10}});
  CHECK(c.task("al_a").count_in == 10);
  CHECK(c.task("al_b").count_in == 10);
  CHECK(c.last().status == "completed");
}

TEST_CASE("and_join waits for every inbound transition and continues with the primary",
          "[planner][and_join]") {
  auto text = [](const json& join_options) {
    return campaign_json(json::array({act("aud1", "build_audience"), act("aud2", "build_audience"),
                                      act("j", "and_join", join_options), act("fin", "end")}),
                         json::array({tr("aud1", "j"), tr("aud2", "j"), tr("j", "fin")}));
  };
  SECTION("with a primary") {
    campaign c = published(text({{"primary", "aud2"}}));
    c.complete("aud2", 7, "wt2");
    CHECK(c.step().empty());
    CHECK(c.status_of("j") == ts::pending);
    c.complete("aud1", 5, "wt1");
    auto started = only<ev::task_started>(c.step());
    REQUIRE(started.size() == 2);
    CHECK(started[0].activity == "j");
    CHECK(started[0].count_in == 7);
    auto inputs = inputs_of(*c.s.def, c.last(), "j");
    REQUIRE(inputs.size() == 2);
    CHECK(inputs[0].first == "aud1");  // in transition order
    CHECK(inputs[1].first == "aud2");
    REQUIRE(c.task("j").outputs.size() == 1);
    CHECK(c.task("j").outputs[0] == pop(7, "out", "wt2"));
    CHECK(c.last().transition_counts.at("j|out|fin") == 7);
    CHECK(c.status_of("fin") == ts::done);
    CHECK(c.last().status == "completed");
  }
  SECTION("without one: the first inbound") {
    campaign c = published(text(json::object()));
    c.complete("aud2", 7, "wt2");
    c.complete("aud1", 5, "wt1");
    c.step();
    CHECK(c.task("j").outputs.at(0) == pop(5, "out", "wt1"));
  }
  SECTION("a dead primary stops the join") {
    campaign c = published(
        campaign_json(json::array({act("aud1", "build_audience"),
                                   act("aud2", "build_audience", {{"disabled", true}}),
                                   act("j", "and_join", {{"primary", "aud2"}}), act("fin", "end")}),
                      json::array({tr("aud1", "j"), tr("aud2", "j"), tr("j", "fin")})));
    c.complete("aud1", 5);
    c.step();
    CHECK(c.status_of("j") == ts::skipped);
    CHECK(c.task("j").skip_reason == "upstream skipped");
    CHECK(c.status_of("fin") == ts::skipped);
    CHECK(c.last().status == "completed");
  }
}

TEST_CASE("and_join after a fork waits for the slow branch", "[planner][and_join]") {
  campaign c = published(campaign_json(
      json::array({act("f", "fork", {{"branches", {"a", "b"}}}),
                   act("w", "wait", {{"duration", "PT1H"}}), act("al", "alert", {{"title", "t"}}),
                   act("j", "and_join", {{"primary", "al"}}), act("fin", "end")}),
      json::array(
          {tr("f", "w", "a"), tr("f", "al", "b"), tr("w", "j"), tr("al", "j"), tr("j", "fin")})));
  CHECK(c.status_of("f") == ts::done);
  CHECK(c.status_of("al") == ts::done);
  CHECK(c.status_of("w") == ts::running);
  CHECK(c.status_of("j") == ts::pending);
  c.now += us_per_hour;
  c.accept(decide_wait_elapsed(c.s, 1, "w", c.ctx()));
  c.step();
  CHECK(c.status_of("j") == ts::done);
  CHECK(c.status_of("fin") == ts::done);
  CHECK(c.last().status == "completed");
}

TEST_CASE("test: first matching condition wins, else default, else the branch stops",
          "[planner][test]") {
  SECTION("count condition first") {
    campaign c = published(test_campaign("winter", true));
    c.complete("aud", 150);
    c.step();
    CHECK(c.task("t").outputs.at(0).output == "big");
    CHECK(c.status_of("al_big") == ts::done);
    CHECK(c.status_of("end_big") == ts::done);
    CHECK(c.status_of("al_w") == ts::skipped);
    CHECK(c.task("al_w").skip_reason == "branch stopped");
    CHECK(c.status_of("al_d") == ts::skipped);
    CHECK(c.task("al_d").skip_reason == "branch stopped");
    CHECK(c.last().status == "completed");
  }
  SECTION("variable condition") {
    campaign c = published(test_campaign("winter", true));
    c.complete("aud", 10);
    c.step();
    CHECK(c.status_of("al_w") == ts::done);
    CHECK(c.task("al_w").count_in == 10);
    CHECK(c.status_of("al_big") == ts::skipped);
    CHECK(c.status_of("al_d") == ts::skipped);
  }
  SECTION("default") {
    campaign c = published(test_campaign("summer", true));
    c.complete("aud", 10);
    c.step();
    CHECK(c.status_of("al_d") == ts::done);
    CHECK(c.status_of("al_big") == ts::skipped);
    CHECK(c.status_of("al_w") == ts::skipped);
  }
  SECTION("no match and no default: every branch stops") {
    campaign c = published(test_campaign("summer", false));
    c.complete("aud", 10);
    c.step();
    CHECK(c.status_of("t") == ts::done);
    CHECK(c.task("t").outputs.empty());
    CHECK(c.status_of("al_big") == ts::skipped);
    CHECK(c.task("al_big").skip_reason == "branch stopped");
    CHECK(c.status_of("al_w") == ts::skipped);
    CHECK(c.task("al_w").skip_reason == "branch stopped");
    CHECK(c.status_of("end_big") == ts::skipped);
    CHECK(c.task("end_big").skip_reason == "upstream skipped");
    CHECK(c.last().status == "completed");
    CHECK(c.s.status == campaign_status::completed);
  }
}

TEST_CASE("a test at the root tests the run's variables", "[planner][test]") {
  std::string text = campaign_json(
      json::array(
          {act("t", "test",
               {{"conditions",
                 {{{"name", "vip"}, {"variable", "tier"}, {"op", "eq"}, {"value", "gold"}}}}}),
           act("al_vip", "alert", {{"title", "vip"}}),
           act("al_other", "alert", {{"title", "other"}})}),
      json::array({tr("t", "al_vip", "vip"), tr("t", "al_other", "default")}),
      {{"schedule", signal_schedule()}, {"variables", {{"tier", "basic"}}}});
  campaign c(text);
  c.accept(decide_publish(c.s, c.ctx()));
  c.accept(decide_trigger(c.s, {{"tier", "gold"}}, "api", c.ctx()));
  c.step();
  CHECK(c.status_of("al_vip") == ts::done);
  CHECK(c.status_of("al_other") == ts::skipped);
  c.accept(decide_trigger(c.s, {}, "api", c.ctx()));
  c.step();
  CHECK(c.last().number == 2);
  CHECK(c.status_of("al_vip") == ts::skipped);
  CHECK(c.status_of("al_other") == ts::done);
}

TEST_CASE("a disabled activity is skipped with what follows on its path", "[planner][disabled]") {
  campaign c = published(campaign_json(
      json::array({act("aud", "build_audience"),
                   act("d", "deduplication", {{"keys", {"email"}}, {"disabled", true}}),
                   email("mail"), act("al", "alert", {{"title", "t"}})}),
      json::array({tr("aud", "d"), tr("d", "mail"), tr("aud", "al")})));
  c.complete("aud", 10);
  auto plan = plan_run(*c.s.def, c.last());
  CHECK(skip_names(plan) == strings{"d:disabled", "mail:upstream skipped"});
  CHECK(plan.ready == strings{"al"});
  c.step();
  CHECK(c.status_of("d") == ts::skipped);
  CHECK(c.status_of("mail") == ts::skipped);
  CHECK(c.status_of("al") == ts::done);  // the other path goes on
  CHECK(c.last().status == "completed");
}

TEST_CASE("a disabled root skips its whole path at once", "[planner][disabled]") {
  campaign c(campaign_json(json::array({act("f", "fork", {{"branches", {"a"}}, {"disabled", true}}),
                                        act("al", "alert", {{"title", "t"}}), act("fin", "end")}),
                           json::array({tr("f", "al", "a"), tr("al", "fin")})));
  c.accept(decide_publish(c.s, c.ctx()));
  auto plan = plan_run(*c.s.def, c.last());
  CHECK(skip_names(plan) == strings{"f:disabled", "al:upstream skipped", "fin:upstream skipped"});
  CHECK(plan.ready.empty());
  CHECK(plan.finished);
  auto evs = c.step();
  CHECK(names(evs) == strings{"task_skipped", "task_skipped", "task_skipped", "run_ended",
                              "campaign_status_changed"});
  CHECK(c.last().status == "completed");
}

TEST_CASE("combine runs with the inputs that arrive, with none it is skipped",
          "[planner][combine]") {
  SECTION("one dead input") {
    campaign c = published(campaign_json(
        json::array({act("a1", "build_audience"), act("a2", "build_audience"),
                     act("d", "deduplication", {{"keys", {"email"}}, {"disabled", true}}),
                     act("c", "combine", {{"mode", "union"}})}),
        json::array({tr("a1", "c"), tr("a2", "d"), tr("d", "c")})));
    c.complete("a1", 4, "wt1");
    CHECK(c.step().empty());  // a2 still running: c waits
    c.complete("a2", 6, "wt2");
    c.step();
    CHECK(c.status_of("d") == ts::skipped);
    CHECK(c.status_of("c") == ts::running);
    CHECK(c.task("c").count_in == 4);
    auto inputs = inputs_of(*c.s.def, c.last(), "c");
    REQUIRE(inputs.size() == 1);
    CHECK(inputs[0].first == "a1");
  }
  SECTION("every input dead") {
    campaign c =
        published(campaign_json(json::array({act("a1", "build_audience", {{"disabled", true}}),
                                             act("a2", "build_audience", {{"disabled", true}}),
                                             act("c", "combine", {{"mode", "union"}}),
                                             act("al", "alert", {{"title", "t"}})}),
                                json::array({tr("a1", "c"), tr("a2", "c"), tr("c", "al")})));
    CHECK(c.status_of("c") == ts::skipped);
    CHECK(c.task("c").skip_reason == "upstream skipped");
    CHECK(c.status_of("al") == ts::skipped);
    CHECK(c.last().status == "completed");
  }
  SECTION("both inputs: the counts add up") {
    campaign c = published(
        campaign_json(json::array({act("a1", "build_audience"), act("a2", "build_audience"),
                                   act("c", "combine", {{"mode", "union"}})}),
                      json::array({tr("a1", "c"), tr("a2", "c")})));
    c.complete("a1", 4, "wt1");
    c.complete("a2", 6, "wt2");
    c.step();
    CHECK(c.task("c").count_in == 10);
  }
}

TEST_CASE("a failed task's path is skipped under ignore", "[planner]") {
  campaign c = published(linear({{"errorPolicy", "ignore"}}));
  c.fail("aud");
  auto plan = plan_run(*c.s.def, c.last());
  CHECK(skip_names(plan) == strings{"mail:upstream failed"});
  CHECK(plan.finished);
}

TEST_CASE("a running, waiting or unconfirmed task keeps the run open", "[planner]") {
  campaign c = published(linear({}, {{"confirm", true}}));
  c.complete("aud", 1);
  c.step();
  REQUIRE(c.status_of("mail") == ts::needs_confirmation);
  auto plan = plan_run(*c.s.def, c.last());
  CHECK(plan.ready.empty());
  CHECK(plan.skips.empty());
  CHECK_FALSE(plan.finished);
}

TEST_CASE("and_join: a stopped non-primary branch does not hold the primary back",
          "[planner][and_join]") {
  campaign c = published(
      campaign_json(json::array({act("aud1", "build_audience"),
                                 act("aud2", "build_audience", {{"disabled", true}}),
                                 act("j", "and_join", {{"primary", "aud1"}}), act("fin", "end")}),
                    json::array({tr("aud1", "j"), tr("aud2", "j"), tr("j", "fin")})));
  c.complete("aud1", 5, "wt1");
  c.step();
  CHECK(c.status_of("j") == ts::done);
  CHECK(c.task("j").outputs.at(0) == pop(5, "out", "wt1"));
  CHECK(c.last().status == "completed");
}

TEST_CASE("enrichment with a join follows its main input, not the joined one",
          "[planner][enrichment]") {
  auto text = [](bool main_disabled, bool joined_disabled) {
    return campaign_json(
        json::array(
            {act("a1", "build_audience", {{"disabled", main_disabled}}),
             act("a2", "build_audience", {{"disabled", joined_disabled}}),
             act("en", "enrichment",
                 {{"join", {{"with", "a2"}, {"on", json::array({json::array({"id", "id"})})}}}})}),
        json::array({tr("a2", "en"), tr("a1", "en")}));
  };
  SECTION("the joined input is missing: it still runs") {
    campaign c = published(text(false, true));
    c.complete("a1", 3);
    c.step();
    CHECK(c.status_of("en") == ts::running);
    CHECK(c.task("en").count_in == 3);
  }
  SECTION("the main input is missing: skipped") {
    campaign c = published(text(true, false));
    c.complete("a2", 3);
    c.step();
    CHECK(c.status_of("en") == ts::skipped);
    CHECK(c.last().status == "completed");
  }
}

TEST_CASE("a test run skips update_data: it writes no customer data") {
  auto def = baton::validate_campaign(R"({"name": "t", "dimension": "profiles",
    "activities": [{"id": "all", "type": "build_audience"},
                   {"id": "upd", "type": "update_data", "entity": "profiles", "operation": "update",
                    "keys": [["id", "id"]], "fields": {"loyalty": "loyalty"}}],
    "transitions": [{"from": "all", "to": "upd"}]})",
                                      nullptr);
  REQUIRE(def.ok());
  baton::run_state run;
  run.number = 1;
  run.test = true;
  run.tasks["all"].activity = "all";
  run.tasks["all"].status = baton::task_status::done;
  run.tasks["all"].outputs.push_back({"out", "wt", 5, "profiles", "f"});
  run.tasks["upd"].activity = "upd";
  auto plan = baton::plan_run(*def.definition, run);
  REQUIRE(plan.skips.size() == 1);
  CHECK(plan.skips[0].activity == "upd");
  CHECK(plan.skips[0].reason == "test run");
  run.test = false;
  auto live = baton::plan_run(*def.definition, run);
  CHECK(live.skips.empty());
  REQUIRE(live.ready.size() == 1);
  CHECK(live.ready[0] == "upd");
}
