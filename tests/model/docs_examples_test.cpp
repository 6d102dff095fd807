// Keeps docs/campaigns.md honest: every ```json block of the page is validated by the campaign
// validator against the example schema (which the page shows and this test defines), every
// activity type has an example in its own section, and each type's section names every option
// the validator accepts for it.
//
// Block kinds, by their top-level members:
//   "entities"                     the example schema: must equal k_schema below
//   "activities"                   a whole campaign: validated as it is
//   "id" (and "type")              one activity: validated inside a small campaign (wrap_activity)
//   "at" / "cron" / "signal"       a schedule: validated in a one-activity campaign
//   a filter node (all, any, ...)  a filter: validated as a build_audience filter on profiles
// Anything else is a test failure: a ```json block on the page is always checked. A valid
// example must give no error and no warning.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "model/definition.hpp"
#include "model/definition_checks.hpp"

namespace {

using namespace baton;
using nlohmann::json;

const char* k_schema = R"({"entities": [
  {"name": "profiles", "key": "id",
   "columns": [{"name": "id", "type": "integer"}, {"name": "email", "type": "string"},
               {"name": "phone", "type": "string"}, {"name": "push_token", "type": "string"},
               {"name": "first_name", "type": "string"}, {"name": "last_name", "type": "string"},
               {"name": "loyalty", "type": "string"}, {"name": "country", "type": "string"},
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
               {"name": "sku", "type": "string"}, {"name": "store", "type": "string"}],
   "links": [{"name": "profile", "to": "profiles", "on": [["profile_id", "id"]], "cardinality": "many-to-one"}]}
]})";

const entity_schema& schema() {
  static const entity_schema s = [] {
    auto v = parse_entity_schema(k_schema);
    INFO(v.issues.size() << " problems in the test schema");
    REQUIRE(v.ok());
    return *v.schema;
  }();
  return s;
}

struct block {
  std::string lang;  // the info string after ```
  std::string text;
  int line = 0;         // of the opening fence, 1-based
  std::string section;  // the activity type of the enclosing "### `type`" section, or ""
};

struct page {
  std::vector<block> blocks;
  std::map<std::string, std::string> sections;  // activity type -> the text of its section
};

std::string read_page() {
  std::ifstream in(std::string(BATON_SOURCE_DIR) + "/docs/campaigns.md");
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Splits the page into fenced blocks and "### `type`" sections (a section ends at the next
// "## " or "### " heading).
page parse_page(const std::string& text) {
  page p;
  std::istringstream in(text);
  std::string line, section;
  block* open = nullptr;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (open) {
      if (line.rfind("```", 0) == 0)
        open = nullptr;
      else
        open->text += line + "\n";
      continue;
    }
    if (line.rfind("```", 0) == 0) {
      p.blocks.push_back({line.substr(3), "", n, section});
      open = &p.blocks.back();
      continue;
    }
    if (line.rfind("## ", 0) == 0 || line.rfind("### ", 0) == 0) {
      section.clear();
      if (line.rfind("### `", 0) == 0) {
        auto end = line.find('`', 5);
        if (end != std::string::npos) section = line.substr(5, end - 5);
      }
    }
    if (!section.empty()) p.sections[section] += line + "\n";
  }
  REQUIRE(open == nullptr);  // every fence is closed
  return p;
}

std::string dump(const campaign_validation& v) {
  std::string s;
  for (const auto& p : v.issues)
    s += (p.level == problem::severity::error ? "E " : "W ") + p.pointer + ": " + p.message + "\n";
  return s;
}

// An activity that produces rows of `entity` (for the sources of a wrapped activity).
json source(const std::string& id, const std::string& entity = "profiles") {
  return {{"id", id}, {"type", "build_audience"}, {"dimension", entity}};
}

// The entity owning the link `via` that leads to `to` (for a change_dimension's source).
std::string entity_with_link(const std::string& via, const std::string& to) {
  for (const auto& e : schema().entities)
    for (const auto& l : e.links)
      if (l.name == via && l.to == to) return e.name;
  return "profiles";
}

std::string campaign_text(const std::string& activities, const std::string& transitions,
                          const std::string& schedule = "") {
  return R"({"name": "docs example", "dimension": "profiles", "variables": {"season": "winter"},)" +
         (schedule.empty() ? std::string() : "\"schedule\": " + schedule + ",") +
         "\"activities\": [" + activities + "], \"transitions\": [" + transitions + "]}";
}

// One activity inside a small campaign, behind the sources its type needs (as the page says in
// §6): the activity's raw text is kept, so a member given twice is still reported.
std::string wrap_activity(const std::string& raw, const json& a) {
  auto type = activity_type_from_string(a.value("type", ""));
  if (type && is_population_source(*type)) return campaign_text(raw, "");
  std::vector<json> sources;
  auto named = [&](const std::string& id) {
    for (const auto& s : sources)
      if (s["id"] == id) return;
    sources.push_back(source(id));
  };
  if (type == activity_type::reconciliation) {
    sources.push_back({{"id", "file"}, {"type", "load_file"}, {"path", "/data/in.csv"}});
  } else if (type == activity_type::change_dimension) {
    sources.push_back(source("in", entity_with_link(a.value("via", ""), a.value("to", ""))));
  } else {
    if (a.contains("inputs") && a["inputs"].is_array())
      for (const auto& id : a["inputs"]) named(id.get<std::string>());
    if (a.contains("primary") && a["primary"].is_string()) named(a["primary"]);
    bool join = a.contains("join") && a["join"].is_object() && a["join"].contains("with");
    if (join) named(a["join"]["with"]);
    bool several = type == activity_type::combine || type == activity_type::and_join || join;
    for (const char* id : {"in", "in2"})
      if (sources.size() < (several ? 2u : 1u)) named(id);
  }
  std::string acts, trs;
  for (const auto& s : sources) {
    acts += s.dump() + ", ";
    if (!trs.empty()) trs += ", ";
    trs += json{{"from", s["id"]}, {"to", a.value("id", "")}}.dump();
  }
  return campaign_text(acts + raw, trs);
}

bool is_filter(const json& j) {
  for (const char* k : {"all", "any", "not", "field", "exists", "aggregate", "feedback"})
    if (j.contains(k)) return true;
  return false;
}

struct checked_page {
  page p;
  std::map<std::string, std::set<std::string>> examples;  // section -> activity types shown
  std::set<std::string> types;                            // every type in an example
};

// Validates every ```json block; records which activity types each section shows.
checked_page check_blocks() {
  checked_page c{parse_page(read_page()), {}, {}};
  int json_blocks = 0;
  for (const auto& b : c.p.blocks) {
    if (b.lang != "json") continue;
    ++json_blocks;
    INFO("docs/campaigns.md, the ```json block at line " << b.line);
    json j;
    REQUIRE_NOTHROW(j = json::parse(b.text));
    REQUIRE(j.is_object());
    if (j.contains("entities")) {
      CHECK(j == json::parse(k_schema));  // the page shows the schema the examples are checked on
      continue;
    }
    std::string text;
    std::vector<std::string> types;
    if (j.contains("activities")) {
      text = b.text;
      for (const auto& a : j["activities"]) types.push_back(a.value("type", ""));
    } else if (j.contains("id")) {
      text = wrap_activity(b.text, j);
      types.push_back(j.value("type", ""));
    } else if (j.contains("at") || j.contains("cron") || j.contains("signal")) {
      text = campaign_text(R"({"id": "a", "type": "build_audience"})", "", b.text);
    } else if (is_filter(j)) {
      text =
          campaign_text(R"({"id": "a", "type": "build_audience", "filter": )" + b.text + "}", "");
    } else {
      FAIL(
          "a ```json block that is neither a campaign, an activity, a schedule, a filter nor the "
          "schema (mark it ```text if it is not meant to be checked)");
    }
    auto v = validate_campaign(text, &schema());
    INFO(text);
    INFO(dump(v));
    CHECK(v.ok());
    CHECK(v.issues.empty());
    for (const auto& t : types) {
      c.types.insert(t);
      c.examples[b.section].insert(t);
    }
  }
  CHECK(json_blocks > 30);
  return c;
}

}  // namespace

TEST_CASE("every json example of docs/campaigns.md validates", "[docs]") {
  auto c = check_blocks();
  // every activity type appears in an example, and in an example in its own section
  for (const auto& name : activity_type_names()) {
    INFO("activity type " << name);
    CHECK(c.types.count(name));
    CHECK(c.p.sections.count(name));
    CHECK(c.examples[name].count(name));
  }
  CHECK(c.p.sections.size() == activity_type_names().size());
}

TEST_CASE("the activity wrapper itself catches a wrong example", "[docs]") {
  // a sanity check of the harness: an invalid snippet or a duplicate member is refused
  json bad = {{"id", "x"}, {"type", "split"}, {"subsets", json::array()}};
  CHECK_FALSE(validate_campaign(wrap_activity(bad.dump(), bad), &schema()).ok());
  std::string twice = R"({"id": "x", "type": "wait", "duration": "P1D", "duration": "P2D"})";
  CHECK_FALSE(validate_campaign(wrap_activity(twice, json::parse(twice)), &schema()).ok());
  json ok = {{"id", "x"}, {"type", "combine"}, {"mode", "union"}};
  auto v = validate_campaign(wrap_activity(ok.dump(), ok), &schema());
  INFO(dump(v));
  CHECK(v.ok());
}

TEST_CASE("docs/campaigns.md names every option the validator knows", "[docs]") {
  auto p = parse_page(read_page());
  for (const auto& name : activity_type_names()) {
    auto t = *activity_type_from_string(name);
    const std::string& section = p.sections[name];
    for (const auto& option : detail::allowed_options(t)) {
      INFO("section `" << name << "` should document the option `" << option << "`");
      CHECK(section.find("| `" + option + "` |") != std::string::npos);
    }
  }
  std::string all = read_page();
  for (const char* member :
       {"name", "description", "dimension", "schedule", "errorPolicy", "variables", "activities",
        "transitions", "id", "type", "label", "disabled", "onError"}) {
    INFO("the page should document the member `" << member << "`");
    CHECK(all.find("| `" + std::string(member) + "` |") != std::string::npos);
  }
}
