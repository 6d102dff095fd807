// Shared by the campaign definition tests: an entity schema, a campaign that uses every
// activity type (whose indices the tests address by JSON pointer), and helpers that validate a
// changed copy and return the sorted pointers of the errors.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "model/definition.hpp"

namespace definition_fixture {

using namespace baton;
using nlohmann::json;

inline const char* k_schema = R"({"entities": [
  {"name": "profiles", "key": "id",
   "columns": [{"name": "id", "type": "integer"}, {"name": "email", "type": "string"},
               {"name": "phone", "type": "string"}, {"name": "push_token", "type": "string"},
               {"name": "first_name", "type": "string"}, {"name": "loyalty", "type": "string"},
               {"name": "email_opt_in", "type": "boolean"}, {"name": "sms_opt_in", "type": "boolean"},
               {"name": "push_opt_in", "type": "boolean"}, {"name": "birth_date", "type": "date"},
               {"name": "household_id", "type": "integer"}, {"name": "score", "type": "float"},
               {"name": "created_at", "type": "datetime"}],
   "addresses": {"email": "email", "sms": "phone", "push": "push_token"},
   "consent": {"email": "email_opt_in", "sms": "sms_opt_in", "push": "push_opt_in"},
   "links": [{"name": "purchases", "to": "purchases", "on": [["id", "profile_id"]], "cardinality": "one-to-many"},
             {"name": "household", "to": "households", "on": [["household_id", "id"]], "cardinality": "many-to-one"}]},
  {"name": "households", "key": "id",
   "columns": [{"name": "id", "type": "integer"}, {"name": "city", "type": "string"},
               {"name": "size", "type": "integer"}]},
  {"name": "purchases", "key": "id",
   "columns": [{"name": "id", "type": "integer"}, {"name": "profile_id", "type": "integer"},
               {"name": "amount", "type": "float"}, {"name": "bought_at", "type": "datetime"},
               {"name": "sku", "type": "string"}],
   "links": [{"name": "profile", "to": "profiles", "on": [["profile_id", "id"]], "cardinality": "many-to-one"}]}
]})";

// Uses all 21 activity types. Indices matter: the tests below change members by pointer.
inline const char* k_campaign = R"({
  "name": "Winter sale", "description": "every activity type", "dimension": "profiles",
  "schedule": {"cron": "0 9 * * MON-FRI", "timezone": "Europe/Paris",
               "from": "2026-12-01T00:00:00Z", "until": "2027-01-31T00:00:00Z"},
  "errorPolicy": {"mode": "ignore", "maxConsecutiveErrors": 3},
  "variables": {"season": "winter"},
  "activities": [
    {"id": "gold", "type": "build_audience", "label": "Gold members", "emitEmpty": false,
     "filter": {"all": [
       {"field": "loyalty", "op": "eq", "value": "gold"},
       {"exists": {"link": "purchases", "where": {"field": "amount", "op": "ge", "value": 100}}},
       {"field": "household.city", "op": "in", "value": ["Paris", "Lyon"]},
       {"field": "birth_date", "op": "lt", "value": {"daysAgo": 6570}},
       {"not": {"field": "email", "op": "is_null"}},
       {"aggregate": {"link": "purchases", "fn": "sum", "field": "amount",
                      "where": {"field": "bought_at", "op": "gt", "value": {"daysAgo": 30}}},
        "op": "gt", "value": 500},
       {"not": {"feedback": {"campaign": "c1", "activity": "mail", "event": "clicked"}}},
       {"field": "score", "op": "between", "value": [1, 5.5]},
       {"field": "first_name", "op": "starts_with", "value": {"variable": "season"}},
       {"any": [{"field": "email_opt_in", "op": "eq", "value": true},
                {"field": "created_at", "op": "ge", "value": "2026-01-01T00:00:00Z"}]}]}},
    {"id": "saved", "type": "read_audience", "audience": "vip"},
    {"id": "new_buyers", "type": "incremental_query", "dimension": "purchases",
     "filter": {"field": "amount", "op": "gt", "value": 10}, "mode": "date_field", "field": "bought_at"},
    {"id": "buyers", "type": "change_dimension", "to": "profiles", "via": "profile"},
    {"id": "merged", "type": "combine", "mode": "union", "inputs": ["gold", "saved", "buyers"], "match": "key"},
    {"id": "dedup", "type": "deduplication", "keys": ["email"], "keep": 1, "method": "expression",
     "orderBy": {"field": "score", "direction": "desc"}, "complement": true},
    {"id": "load", "type": "load_file", "path": "/data/in.csv", "delimiter": ";", "header": true,
     "columns": [{"name": "email_col", "type": "string", "nulls": "required"},
                 {"name": "amount", "type": "float", "onError": "default", "default": 0}],
     "maxErrors": 10},
    {"id": "reconcile", "type": "reconciliation", "dimension": "profiles",
     "rules": [["email_col", "email"]], "keepUnreconciled": false},
    {"id": "enrich", "type": "enrichment",
     "attributes": [
       {"name": "city", "field": "household.city"},
       {"name": "total", "link": "purchases", "aggregate": "sum", "field": "amount",
        "where": {"field": "bought_at", "op": "gt", "value": {"daysAgo": 365}}},
       {"name": "orders", "link": "purchases", "aggregate": "count"},
       {"name": "last", "link": "purchases", "collect": 3, "fields": ["sku", "amount"],
        "orderBy": {"field": "bought_at", "direction": "desc"}}],
     "join": {"with": "reconcile", "on": [["id", "id"]]}},
    {"id": "splitter", "type": "split", "overlap": false, "complement": true,
     "subsets": [
       {"name": "high", "filter": {"field": "total", "op": "gt", "value": 1000}, "limit": "10%",
        "orderBy": {"field": "total", "direction": "desc"}},
       {"name": "rest", "filter": {"all": [{"field": "city", "op": "eq", "value": "Paris"},
                                           {"field": "orders", "op": "ge", "value": 2}]},
        "limit": 500, "skipEmpty": true}]},
    {"id": "keep", "type": "save_audience", "audience": "high_value"},
    {"id": "mail", "type": "email", "channel": "email", "category": "marketing",
     "subject": "Hello {{first_name}}", "body": "Your city: {{city}}", "from": "shop@example.com",
     "throttle": {"perSecond": 500},
     "waves": {"mode": "percent", "sizes": [20, 30, 50], "interval": "PT1H"}, "confirm": true,
     "onError": "abort"},
    {"id": "texts", "type": "sms", "category": "transactional", "text": "Hi {{first_name}}", "waves": 3},
    {"id": "pushes", "type": "push", "title": "Sale", "body": "Now", "waves": {"count": 2, "interval": "PT30M"}},
    {"id": "after", "type": "wait", "duration": "P3D"},
    {"id": "check", "type": "test", "default": true,
     "conditions": [{"name": "big", "count": {"op": "ge", "value": 100}},
                    {"name": "winter", "variable": "season", "op": "eq", "value": "winter"}]},
    {"id": "notify", "type": "alert", "title": "Big send", "message": "more than 100", "disabled": true},
    {"id": "fan", "type": "fork", "branches": ["a", "b"]},
    {"id": "sync", "type": "update_data", "entity": "profiles", "operation": "update",
     "keys": [["id", "id"]], "fields": {"loyalty": "loyalty"}},
    {"id": "done", "type": "end", "signal": {"campaign": "followup", "variables": {"source": "winter"}}},
    {"id": "join_all", "type": "and_join", "primary": "sync"},
    {"id": "finish", "type": "end"}
  ],
  "transitions": [
    {"from": "gold", "to": "merged"},
    {"from": "saved", "to": "merged"},
    {"from": "new_buyers", "to": "buyers"},
    {"from": "buyers", "to": "merged"},
    {"from": "merged", "to": "dedup"},
    {"from": "dedup", "to": "enrich"},
    {"from": "load", "to": "reconcile"},
    {"from": "reconcile", "to": "enrich"},
    {"from": "enrich", "to": "splitter"},
    {"from": "splitter", "output": "high", "to": "keep"},
    {"from": "keep", "to": "mail"},
    {"from": "splitter", "output": "rest", "to": "texts"},
    {"from": "splitter", "output": "complement", "to": "pushes"},
    {"from": "mail", "to": "after"},
    {"from": "after", "to": "check"},
    {"from": "check", "output": "big", "to": "notify"},
    {"from": "check", "output": "winter", "to": "fan"},
    {"from": "fan", "output": "a", "to": "sync"},
    {"from": "fan", "output": "b", "to": "done"},
    {"from": "sync", "to": "join_all"},
    {"from": "notify", "to": "join_all"},
    {"from": "join_all", "to": "finish"}
  ]
})";

inline const entity_schema& schema() {
  static const entity_schema s = *parse_entity_schema(k_schema).schema;
  return s;
}

inline json valid_doc() {
  return json::parse(k_campaign);
}

inline campaign_validation run(const json& doc, bool with_schema = true, const guardrails& g = {}) {
  return parse_campaign_json(doc, with_schema ? &schema() : nullptr, g);
}

// The pointers of the errors (not warnings), sorted.
inline std::vector<std::string> errors(const campaign_validation& v) {
  std::vector<std::string> ptrs;
  for (const auto& p : v.issues)
    if (p.level == problem::severity::error) ptrs.push_back(p.pointer);
  std::sort(ptrs.begin(), ptrs.end());
  return ptrs;
}

inline std::string dump(const campaign_validation& v) {
  std::string s;
  for (const auto& p : v.issues)
    s += (p.level == problem::severity::error ? "E " : "W ") + p.pointer + ": " + p.message + "\n";
  return s;
}

// The errors of the valid campaign with the member at `ptr` set to `value`.
inline std::vector<std::string> errors_with(const std::string& ptr, const json& value,
                                            bool with_schema = true) {
  json doc = valid_doc();
  doc[json::json_pointer(ptr)] = value;
  auto v = run(doc, with_schema);
  UNSCOPED_INFO(dump(v));
  return errors(v);
}

inline std::vector<std::string> errors_without(const std::string& ptr) {
  json doc = valid_doc();
  auto p = json::json_pointer(ptr);
  doc[p.parent_pointer()].erase(p.back());
  auto v = run(doc);
  UNSCOPED_INFO(dump(v));
  return errors(v);
}

inline std::string message_at(const campaign_validation& v, const std::string& ptr) {
  for (const auto& p : v.issues)
    if (p.pointer == ptr) return p.message;
  return "";
}

using ptrs = std::vector<std::string>;

// A small campaign: one build_audience into `tail` activities given as JSON.
inline json small(const json& second, const std::string& output = "out") {
  json doc = {{"name", "small"},
              {"dimension", "profiles"},
              {"activities", json::array({{{"id", "a"}, {"type", "build_audience"}}, second})},
              {"transitions", json::array({{{"from", "a"}, {"to", second.value("id", "b")}}})}};
  if (output != "out") doc["transitions"][0]["output"] = output;
  return doc;
}

}  // namespace definition_fixture
