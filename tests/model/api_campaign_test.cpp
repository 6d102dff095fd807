// {"api": true} campaigns (INTERFACES.md §10): a category is required and not contradicted by a
// channel activity; the graph starts at a channel activity or at enrichment, test, split or
// deduplication, which receive the triggered recipients as rows of the campaign's dimension;
// population sources are refused; each problem at its JSON pointer.
#include <catch2/catch.hpp>

#include "definition_fixture.hpp"
#include "model/lifecycle.hpp"

using namespace definition_fixture;

namespace {

json api_doc() {
  return {{"name", "receipts"},
          {"dimension", "profiles"},
          {"schedule", {{"api", true}}},
          {"category", "transactional"},
          {"activities",
           {{{"id", "mail"},
             {"type", "email"},
             {"subject", "Order {{context.order.id}}"},
             {"body", "Hi {{first_name}}"}}}},
          {"transitions", json::array()}};
}

}  // namespace

TEST_CASE("an api campaign starting at a channel activity is valid", "[definition][api]") {
  auto v = run(api_doc());
  INFO(dump(v));
  REQUIRE(v.ok());
  CHECK(v.issues.empty());
  CHECK(v.definition->schedule.k == schedule::kind::api);
  CHECK(v.definition->category == "transactional");
  auto j = v.definition->to_json();
  CHECK(j["category"] == "transactional");
  CHECK(j["schedule"] == json{{"api", true}});
  CHECK(run(j).ok());
  auto preview = preview_schedule(v.definition->schedule, 0, 3);
  CHECK(preview.next.empty());
  CHECK(preview.note.find("trigger") != std::string::npos);
}

TEST_CASE("api campaigns: the category", "[definition][api]") {
  auto doc = api_doc();
  doc.erase("category");
  auto v = run(doc);
  CHECK(errors(v) == ptrs{"/category"});
  CHECK(message_at(v, "/category").find("needs a category") != std::string::npos);
  doc = api_doc();
  doc["category"] = "promo";
  CHECK(errors(run(doc)) == ptrs{"/category"});
  // An activity may repeat the campaign's category, not contradict it.
  doc = api_doc();
  doc["activities"][0]["category"] = "transactional";
  CHECK(run(doc).ok());
  doc["activities"][0]["category"] = "marketing";
  v = run(doc);
  CHECK(errors(v) == ptrs{"/activities/0/category"});
  CHECK(message_at(v, "/activities/0/category").find("contradicts") != std::string::npos);
  // A campaign-wide category belongs to api campaigns only.
  doc = small({{"id", "b"}, {"type", "email"}, {"subject", "s"}, {"body", "b"}});
  doc["category"] = "marketing";
  CHECK(errors(run(doc)) == ptrs{"/category"});
  // The flag must be true; it excludes the other forms.
  doc = api_doc();
  doc["schedule"] = {{"api", false}};
  CHECK(errors(run(doc)) == ptrs{"/schedule/api"});
  doc["schedule"] = {{"api", true}, {"signal", true}};
  CHECK(errors(run(doc)) == ptrs{"/schedule"});
}

TEST_CASE("api campaigns: where the graph may start", "[definition][api]") {
  // Population sources are refused wherever they are.
  for (const char* type : {"build_audience", "read_audience", "incremental_query"}) {
    auto doc = api_doc();
    doc["activities"].push_back({{"id", "src"}, {"type", type}});
    INFO(type);
    auto e = errors(run(doc));
    CHECK(std::count(e.begin(), e.end(), "/activities/1/type") == 1);
  }
  auto doc = api_doc();
  doc["activities"].push_back({{"id", "file"}, {"type", "load_file"}, {"path", "x.csv"}});
  auto e = errors(run(doc));
  CHECK(std::count(e.begin(), e.end(), "/activities/1/type") == 1);
  // Enrichment, test, split or deduplication may start it: the recipients are profiles rows.
  doc = api_doc();
  doc["activities"] = {
      {{"id", "vip"},
       {"type", "split"},
       {"subsets",
        {{{"name", "gold"}, {"filter", {{"field", "loyalty"}, {"op", "eq"}, {"value", "gold"}}}}}},
       {"complement", true}},
      doc["activities"][0]};
  doc["transitions"] = {{{"from", "vip"}, {"output", "gold"}, {"to", "mail"}}};
  auto v = run(doc);
  INFO(dump(v));
  CHECK(v.ok());
  // A fork (or wait, alert) has no population to start an api campaign with.
  doc = api_doc();
  doc["activities"].push_back({{"id", "f"}, {"type", "fork"}, {"branches", {"x"}}});
  doc["transitions"] = {{{"from", "f"}, {"output", "x"}, {"to", "mail"}}};
  v = run(doc);
  CHECK(errors(v) == ptrs{"/activities/1"});
  CHECK(message_at(v, "/activities/1").find("api-triggered") != std::string::npos);
}

TEST_CASE("api campaigns: one root, one message per trigger", "[definition][api]") {
  // A second root: the trigger's recipient would enter twice.
  auto doc = api_doc();
  doc["activities"].push_back(
      {{"id", "sms"}, {"type", "sms"}, {"text", "Order {{context.order.id}}"}});
  auto v = run(doc);
  CHECK(errors(v) == ptrs{"/activities/1"});
  CHECK(message_at(v, "/activities/1").find("second") != std::string::npos);
  // A disabled second root is not a root of the trigger.
  doc["activities"][1]["disabled"] = true;
  CHECK(run(doc).ok());
  // fork and wait anywhere, and an overlapping split, could send more than one message or later.
  doc = api_doc();
  doc["activities"] = {{{"id", "enrich"},
                        {"type", "enrichment"},
                        {"attributes", {{{"name", "city"}, {"field", "household.city"}}}}},
                       {{"id", "f"}, {"type", "fork"}, {"branches", {"x"}}},
                       doc["activities"][0]};
  doc["transitions"] = {{{"from", "enrich"}, {"to", "f"}},
                        {{"from", "f"}, {"output", "x"}, {"to", "mail"}}};
  CHECK(errors(run(doc)) == ptrs{"/activities/1/type"});
  doc["activities"][1] = {{"id", "f"}, {"type", "wait"}, {"duration", "PT1H"}};
  doc["transitions"][1] = {{"from", "f"}, {"to", "mail"}};
  CHECK(errors(run(doc)) == ptrs{"/activities/1/type"});
  doc["activities"][1] = {
      {"id", "f"}, {"type", "split"}, {"overlap", true}, {"subsets", {{{"name", "x"}}}}};
  doc["transitions"][1] = {{"from", "f"}, {"output", "x"}, {"to", "mail"}};
  CHECK(errors(run(doc)) == ptrs{"/activities/1/overlap"});
  doc["activities"][1]["overlap"] = false;
  v = run(doc);
  INFO(dump(v));
  CHECK(v.ok());
}

TEST_CASE("api campaigns publish live, have no runs and no test runs", "[lifecycle][api]") {
  campaign_state s;
  command_context admin{"ann", role::admin, 1'000'000, false};
  auto created = decide_create(s, "c-1", api_doc().dump(), "", admin);
  REQUIRE(created.ok());
  for (auto& e : created.value()) {
    event env;
    REQUIRE(apply(s, e, env).ok());
  }
  CHECK_FALSE(decide_test(s, admin).ok());
  auto published = decide_publish(s, admin);
  REQUIRE(published.ok());
  REQUIRE(published->size() == 1);  // no run starts
  for (auto& e : published.value()) {
    event env;
    REQUIRE(apply(s, e, env).ok());
  }
  CHECK(s.status == campaign_status::live);
  auto start = decide_start(s, admin);
  REQUIRE_FALSE(start.ok());
  CHECK(start.err().code == errc::refused);
}
