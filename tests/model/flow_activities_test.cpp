// The flow-control activities that need no data plane (PRODUCT.md §2): fork, and_join, test,
// alert and end, as pure functions from a task's inputs to its outcome, and what their outcomes
// become once the engine decides on them.
#include <catch2/catch.hpp>

#include "campaign_fixture.hpp"

using namespace campaign_fixture;
using strings = std::vector<std::string>;

namespace {

// A campaign holding `a` after a build_audience "aud" (or at the root when `root`).
campaign_definition holding(const json& a, bool root = false,
                            const json& variables = {
                                {"season", "winter"}, {"n", "12"}, {"other", ""}}) {
  json acts = json::array({{{"id", "aud"}, {"type", "build_audience"}}, a});
  json trs = root ? json::array() : json::array({{{"from", "aud"}, {"to", a.at("id")}}});
  return definition_of(campaign_json(acts, trs, {{"variables", variables}}));
}

struct flow_case {
  campaign_definition def;
  task_input in;
  flow_case(const json& a, std::vector<std::pair<std::string, ev::population>> inputs,
            ev::variables vars = {}, bool root = false)
      : def(holding(a, root)) {
    in.campaign = "c-1";
    in.run = 3;
    in.act = def.find_activity(a.at("id").get<std::string>());
    REQUIRE(in.act);
    in.inputs = std::move(inputs);
    in.vars = std::move(vars);
    in.now = t0();
  }
  task_outcome run() const {
    auto o = run_flow_activity(in);
    INFO((o.ok() ? "" : describe(o.err())));
    REQUIRE(o.ok());
    return *o;
  }
};

strings outputs(const task_outcome& o) {
  strings out;
  for (auto& p : o.outputs) out.push_back(p.output);
  return out;
}

// The output a test activity with these conditions picks for `count` rows and `vars`
// ("" when none).
std::string test_pick(const json& conditions, std::uint64_t count, ev::variables vars = {},
                      bool with_default = true) {
  flow_case f(
      {{"id", "t"}, {"type", "test"}, {"conditions", conditions}, {"default", with_default}},
      {{"aud", pop(count)}}, std::move(vars));
  auto o = f.run();
  CHECK(o.count_in == count);
  if (o.outputs.empty()) return "";
  REQUIRE(o.outputs.size() == 1);
  CHECK(o.outputs[0].count == count);
  return o.outputs[0].output;
}

json count_is(const std::string& op, const json& value) {
  return json::array({{{"name", "hit"}, {"count", {{"op", op}, {"value", value}}}}});
}
json var_is(const std::string& var, const std::string& op, const json& value) {
  json c = {{"name", "hit"}, {"variable", var}, {"op", op}};
  if (!value.is_null()) c["value"] = value;
  return json::array({c});
}

}  // namespace

TEST_CASE("flow activities are fork, and_join, test, alert and end", "[flow]") {
  CHECK(is_flow_activity(activity_type::fork));
  CHECK(is_flow_activity(activity_type::and_join));
  CHECK(is_flow_activity(activity_type::test));
  CHECK(is_flow_activity(activity_type::alert));
  CHECK(is_flow_activity(activity_type::end));
  CHECK_FALSE(is_flow_activity(activity_type::wait));
  CHECK_FALSE(is_flow_activity(activity_type::email));
  CHECK_FALSE(is_flow_activity(activity_type::build_audience));

  flow_case f({{"id", "d"}, {"type", "deduplication"}, {"keys", {"email"}}}, {{"aud", pop(1)}});
  auto o = run_flow_activity(f.in);
  REQUIRE_FALSE(o.ok());
  CHECK(o.err().what.find("not a flow-control activity") != std::string::npos);
}

TEST_CASE("fork: one output per branch, each with the whole population", "[flow][fork]") {
  flow_case f({{"id", "f"}, {"type", "fork"}, {"branches", {"x", "y"}}},
              {{"aud", pop(42, "out", "wt_a")}});
  auto o = f.run();
  CHECK(o.count_in == 42);
  REQUIRE(outputs(o) == strings{"x", "y"});
  CHECK(o.outputs[0] == pop(42, "x", "wt_a"));
  CHECK(o.outputs[1] == pop(42, "y", "wt_a"));
  CHECK_FALSE(o.alert);
  CHECK_FALSE(o.signal);

  flow_case root({{"id", "f"}, {"type", "fork"}, {"branches", {"x"}}}, {}, {}, true);
  auto r = root.run();
  CHECK(outputs(r) == strings{"x"});
  CHECK(r.outputs[0].count == 0);
  CHECK(r.outputs[0].table.empty());
}

TEST_CASE("and_join continues with its primary input, else the first", "[flow][and_join]") {
  auto def = definition_of(
      campaign_json(json::array({{{"id", "a"}, {"type", "build_audience"}},
                                 {{"id", "b"}, {"type", "build_audience"}},
                                 {{"id", "j"}, {"type", "and_join"}, {"primary", "b"}},
                                 {{"id", "k"}, {"type", "and_join"}}}),
                    json::array({{{"from", "a"}, {"to", "j"}},
                                 {{"from", "b"}, {"to", "j"}},
                                 {{"from", "a"}, {"to", "k"}},
                                 {{"from", "b"}, {"to", "k"}}})));
  task_input in;
  in.inputs = {{"a", pop(5, "out", "wt_a")}, {"b", pop(9, "out", "wt_b")}};
  in.act = def.find_activity("j");
  auto o = run_flow_activity(in);
  REQUIRE(o.ok());
  CHECK(o->count_in == 9);
  REQUIRE(o->outputs.size() == 1);
  CHECK(o->outputs[0] == pop(9, "out", "wt_b"));

  in.act = def.find_activity("k");
  o = run_flow_activity(in);
  REQUIRE(o.ok());
  CHECK(o->outputs.at(0) == pop(5, "out", "wt_a"));
}

TEST_CASE("test: count conditions", "[flow][test]") {
  CHECK(test_pick(count_is("eq", 10), 10) == "hit");
  CHECK(test_pick(count_is("eq", 10), 11) == "default");
  CHECK(test_pick(count_is("ne", 10), 11) == "hit");
  CHECK(test_pick(count_is("lt", 10), 9) == "hit");
  CHECK(test_pick(count_is("lt", 10), 10) == "default");
  CHECK(test_pick(count_is("le", 10), 10) == "hit");
  CHECK(test_pick(count_is("gt", 10), 10) == "default");
  CHECK(test_pick(count_is("gt", 9), 10) == "hit");  // numerically, not as text
  CHECK(test_pick(count_is("ge", 100), 100) == "hit");
  CHECK(test_pick(count_is("ge", 100), 0) == "default");
  CHECK(test_pick(count_is("in", {1, 2, 3}), 2) == "hit");
  CHECK(test_pick(count_is("in", {1, 2, 3}), 4) == "default");
  CHECK(test_pick(count_is("not_in", {1, 2, 3}), 4) == "hit");
  CHECK(test_pick(count_is("not_in", {1, 2, 3}), 3) == "default");
  CHECK(test_pick(count_is("between", {10, 20}), 10) == "hit");
  CHECK(test_pick(count_is("between", {10, 20}), 20) == "hit");
  CHECK(test_pick(count_is("between", {10, 20}), 21) == "default");
  CHECK(test_pick(count_is("between", {10, 20}), 9) == "default");
  CHECK(test_pick(count_is("ge", {{"variable", "n"}}), 12, {{"n", "12"}}) == "hit");
  CHECK(test_pick(count_is("ge", {{"variable", "n"}}), 11, {{"n", "12"}}) == "default");
}

TEST_CASE("test: variable conditions", "[flow][test]") {
  ev::variables winter{{"season", "winter"}, {"n", "12"}};
  CHECK(test_pick(var_is("season", "eq", "winter"), 0, winter) == "hit");
  CHECK(test_pick(var_is("season", "eq", "summer"), 0, winter) == "default");
  CHECK(test_pick(var_is("season", "ne", "summer"), 0, winter) == "hit");
  CHECK(test_pick(var_is("n", "gt", 9), 0, winter) == "hit");  // "12" > 9 as numbers
  CHECK(test_pick(var_is("n", "lt", 100), 0, winter) == "hit");
  CHECK(test_pick(var_is("season", "in", {"autumn", "winter"}), 0, winter) == "hit");
  CHECK(test_pick(var_is("season", "not_in", {"autumn", "winter"}), 0, winter) == "default");
  CHECK(test_pick(var_is("n", "between", {10, 15}), 0, winter) == "hit");
  CHECK(test_pick(var_is("season", "starts_with", "win"), 0, winter) == "hit");
  CHECK(test_pick(var_is("season", "starts_with", "ter"), 0, winter) == "default");
  CHECK(test_pick(var_is("season", "contains", "nte"), 0, winter) == "hit");
  CHECK(test_pick(var_is("season", "contains", "x"), 0, winter) == "default");
  CHECK(test_pick(var_is("season", "like", "w%r"), 0, winter) == "hit");
  CHECK(test_pick(var_is("season", "like", "_inter"), 0, winter) == "hit");
  CHECK(test_pick(var_is("season", "like", "w_r"), 0, winter) == "default");
  CHECK(test_pick(var_is("season", "not_null", nullptr), 0, winter) == "hit");
  CHECK(test_pick(var_is("season", "is_null", nullptr), 0, winter) == "default");
  CHECK(test_pick(var_is("season", "is_null", nullptr), 0, {{"season", ""}}) == "hit");
  CHECK(test_pick(var_is("season", "eq", {{"variable", "other"}}), 0,
                  {{"season", "winter"}, {"other", "winter"}}) == "hit");
  CHECK(test_pick(var_is("season", "eq", "winter"), 0, {}) == "default");  // not set in the run
}

TEST_CASE("test: the first matching condition wins, no match and no default stops",
          "[flow][test]") {
  json conditions = json::array(
      {{{"name", "big"}, {"count", {{"op", "ge"}, {"value", 100}}}},
       {{"name", "winter"}, {"variable", "season"}, {"op", "eq"}, {"value", "winter"}}});
  CHECK(test_pick(conditions, 150, {{"season", "winter"}}) == "big");
  CHECK(test_pick(conditions, 10, {{"season", "winter"}}) == "winter");
  CHECK(test_pick(conditions, 10, {{"season", "summer"}}) == "default");
  CHECK(test_pick(conditions, 10, {{"season", "summer"}}, false) == "");

  flow_case f({{"id", "t"}, {"type", "test"}, {"conditions", conditions}, {"default", false}},
              {{"aud", pop(10)}}, {{"season", "summer"}});
  auto o = f.run();
  CHECK(o.outputs.empty());
  CHECK(o.logs == strings{"no condition matched and no default: the branch stops"});
}

TEST_CASE("alert: raises the alert and lets the population through", "[flow][alert]") {
  flow_case f({{"id", "al"}, {"type", "alert"}, {"title", "Big send"}, {"message", "over 100"}},
              {{"aud", pop(120)}});
  auto o = f.run();
  REQUIRE(o.alert);
  CHECK(*o.alert == ev::alert_raised{3, "al", "Big send", "over 100"});
  CHECK(o.outputs == std::vector<ev::population>{pop(120)});

  // Decided and folded, it is recorded on the campaign.
  campaign c(campaign_json(
      json::array({{{"id", "aud"}, {"type", "build_audience"}},
                   {{"id", "al"}, {"type", "alert"}, {"title", "Big send"}, {"message", "m"}}}),
      json::array({{{"from", "aud"}, {"to", "al"}}})));
  c.accept(decide_publish(c.s, c.ctx()));
  c.step();
  c.complete("aud", 120);
  c.now += us_per_minute;
  auto evs = c.step();
  CHECK(names(evs) == strings{"task_started", "alert_raised", "task_completed", "run_ended",
                              "campaign_status_changed"});
  REQUIRE(c.s.alerts.size() == 1);
  CHECK(c.s.alerts[0].run == 1);
  CHECK(c.s.alerts[0].activity == "al");
  CHECK(c.s.alerts[0].title == "Big send");
  CHECK(c.s.alerts[0].message == "m");
  CHECK(c.s.alerts[0].at == c.now);
}

TEST_CASE("end: ends its branch, optionally signalling another campaign", "[flow][end]") {
  flow_case plain({{"id", "e"}, {"type", "end"}}, {{"aud", pop(5)}});
  auto o = plain.run();
  CHECK(o.outputs.empty());
  CHECK(o.count_in == 5);
  CHECK_FALSE(o.signal);

  flow_case sig({{"id", "e"},
                 {"type", "end"},
                 {"signal", {{"campaign", "followup"}, {"variables", {{"source", "winter"}}}}}},
                {{"aud", pop(5)}});
  o = sig.run();
  REQUIRE(o.signal);
  CHECK(*o.signal == ev::signal_sent{3, "e", "followup", {{"source", "winter"}}});

  campaign c(campaign_json(
      json::array({{{"id", "aud"}, {"type", "build_audience"}},
                   {{"id", "e"}, {"type", "end"}, {"signal", {{"campaign", "followup"}}}}}),
      json::array({{{"from", "aud"}, {"to", "e"}}})));
  c.accept(decide_publish(c.s, c.ctx()));
  c.step();
  c.complete("aud", 5);
  auto evs = c.step();
  auto sent = only<ev::signal_sent>(evs);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].target == "followup");
  CHECK(sent[0].run == 1);
  CHECK(c.last().status == "completed");
}

TEST_CASE("an end activity does not signal during a test run") {
  auto def = baton::validate_campaign(R"({"name": "t", "dimension": "profiles",
    "activities": [{"id": "go", "type": "fork", "branches": ["a"]},
                   {"id": "fin", "type": "end", "signal": {"campaign": "c-2", "variables": {"k": "v"}}}],
    "transitions": [{"from": "go", "output": "a", "to": "fin"}]})",
                                      nullptr);
  REQUIRE(def.ok());
  baton::task_input in;
  in.act = def.definition->find_activity("fin");
  in.test = true;
  auto o = baton::run_flow_activity(in);
  REQUIRE(o.ok());
  CHECK_FALSE(o->signal.has_value());
  REQUIRE(o->logs.size() == 1);
  CHECK(o->logs[0].find("not sent") != std::string::npos);
  in.test = false;
  auto live = baton::run_flow_activity(in);
  REQUIRE(live.ok());
  REQUIRE(live->signal.has_value());
  CHECK(live->signal->target == "c-2");
}
