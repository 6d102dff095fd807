// Templates (variables, missing names, arrays, syntax errors), message ids and JSON, and
// reading a channel activity from a validated campaign.
#include <catch2/catch.hpp>

#include "channels/channel_activity.hpp"
#include "channels/message.hpp"
#include "channels/personalise.hpp"

using namespace baton;
using namespace baton::channels;
using nlohmann::json;

namespace {

std::string render(const std::string& text, const json& row, escaping e = escaping::none) {
  auto t = compile_template(text, e);
  REQUIRE(t.ok());
  return t->render(row);
}

}  // namespace

TEST_CASE("templates substitute columns: strings, numbers, booleans, null", "[templates]") {
  json row = {
      {"first_name", "Ada"}, {"points", 1200}, {"ratio", 0.25}, {"vip", true}, {"city", nullptr}};
  CHECK(render("Hello {{first_name}}, {{points}} points ({{ratio}})", row) ==
        "Hello Ada, 1200 points (0.25)");
  CHECK(render("{{#vip}}VIP {{/vip}}{{^city}}somewhere{{/city}}", row) == "VIP somewhere");
  CHECK(render("{{ first_name }}!", row) == "Ada!");
}

TEST_CASE("missing names render as nothing, never as an error", "[templates]") {
  CHECK(render("Hi {{nobody}}.", json::object()) == "Hi .");
  CHECK(render("{{#nothing}}x{{/nothing}}{{^nothing}}y{{/nothing}}", json::object()) == "y");
  CHECK(render("Hi {{name}}", json::array()) == "Hi ");  // not even an object
}

TEST_CASE("enrichment arrays are Mustache lists", "[templates]") {
  json row = {{"first_name", "Ada"},
              {"purchases", json::array({{{"name", "tea"}, {"amount", 3.5}},
                                         {{"name", "cake"}, {"amount", 2}}})}};
  CHECK(render("{{#purchases}}{{name}}={{amount}};{{/purchases}}", row) == "tea=3.5;cake=2;");
  CHECK(render("{{#purchases}}{{first_name}} {{/purchases}}", row) == "Ada Ada ");
  CHECK(render("{{^purchases}}none{{/purchases}}", {{"purchases", json::array()}}) == "none");
  CHECK(render("{{#tags}}[{{.}}]{{/tags}}", {{"tags", {"a", "b"}}}) == "[a][b]");
}

TEST_CASE("floats render in one format, in columns and in arrays alike", "[templates]") {
  // A float that holds a whole number, as SQLite's JSON gives it in a collected array (600.0),
  // renders like the same number anywhere else; binary noise of a sum is rounded away.
  json row = json::parse(R"({"items": [{"amount": 600.0}, {"amount": 12.50}, {"amount": 1e20}],
                             "top": 600.0, "sum": 0.30000000000000004, "neg": -0.0})");
  CHECK(render("{{top}}|{{#items}}{{amount}};{{/items}}|{{sum}}|{{neg}}", row) ==
        "600|600;12.5;1e+20;|0.3|0");
}

TEST_CASE("dotted names reach nested objects and columns named with dots", "[templates]") {
  CHECK(render("{{household.city}}", {{"household", {{"city", "Lyon"}}}}) == "Lyon");
  CHECK(render("{{household.city}}", {{"household.city", "Paris"}}) == "Paris");
}

TEST_CASE("only the columns a template reads are looked at, whatever the syntax", "[templates]") {
  json row = {{"first_name", "Ada"}, {"last_name", "L"}, {"household.city", "Lyon"}, {"n", 2}};
  CHECK(render("{{=<% %>=}}Hi <%first_name%> <%last_name%>", row) == "Hi Ada L");
  CHECK(render("{{#n}}{{household.city}}{{/n}}", row) == "Lyon");
  CHECK(render("{{{first_name}}} {{&last_name}}", row) == "Ada L");
}

TEST_CASE("escaping: none for text, html for HTML mail bodies", "[templates]") {
  json row = {{"name", "O'Brien & <Co>"}};
  CHECK(render("{{name}}", row) == "O'Brien & <Co>");
  CHECK(render("<p>{{name}}</p>", row, escaping::html) == "<p>O&apos;Brien &amp; &lt;Co&gt;</p>");
  CHECK(render("<p>{{{name}}}</p>", row, escaping::html) == "<p>O'Brien & <Co></p>");
  CHECK(looks_like_html("<p>Hello</p>"));
  CHECK(looks_like_html("Hi<br/>there"));
  CHECK_FALSE(looks_like_html("a < b and 3<4"));
}

TEST_CASE("text-and-variable templates render as kainjow does (the fast path)", "[templates]") {
  // A comment tag sends the same template through kainjow: "<{{!c}}" + t renders "<" + t.
  json row = {{"name", "Ada <b>&'\"</b>"},
              {"n", 12},
              {"neg", -3},
              {"f", 0.5},
              {"big", 600.0},
              {"yes", true},
              {"no", false},
              {"none", nullptr},
              {"list", json::array({1, 2})},
              {"obj", {{"x", 1}}},
              {"a.b", "dotted"},
              {"under_score", "u"},
              {"dash-ed", "d"},
              {"utf", "Zo\u00eb \u2713"},
              {"nl", "line\nbreak\r\n"}};
  for (const char* t :
       {"Hello {{name}}!", "{{n}}/{{neg}}/{{f}}/{{big}}", "[{{yes}}][{{no}}][{{none}}]",
        "{{missing}}x{{ name }}y{{{name}}}z{{& name}}", "{{list}}|{{obj}}|{{a}}",
        "{{under_score}}{{dash-ed}}{{utf}}", "a\n{{nl}}\n\n  {{name}}  \nend", "}} {{name}} }}}",
        "", "no tags at all\n", "{{a.b}}{{obj.x}}"})
    for (auto e : {escaping::none, escaping::html}) {
      INFO(t << (e == escaping::html ? " (html)" : ""));
      CHECK(render(t, row, e) == render(std::string("<{{!c}}") + t, row, e).substr(1));
    }
}

TEST_CASE("syntax errors are validation errors with a position", "[templates]") {
  auto unclosed = compile_template("Hello {{first_name");
  REQUIRE_FALSE(unclosed.ok());
  CHECK(unclosed.err().code == errc::validation);
  CHECK_THAT(unclosed.err().what, Catch::Contains("line 1, column 7"));
  auto section = compile_template("line one\n{{#items}}x");
  REQUIRE_FALSE(section.ok());
  CHECK_THAT(section.err().what, Catch::Contains("items"));
  CHECK_THAT(section.err().what, Catch::Contains("line 2"));
  CHECK_FALSE(compile_template("{{/items}}").ok());
  CHECK_FALSE(compile_template("{{#a}}x{{/b}}").ok());
  CHECK_FALSE(compile_template("{{> header}}").ok());
  CHECK(compile_template("").ok());
  CHECK(compile_template("no tags at all").ok());
}

TEST_CASE("a template lists the names it reads at top level", "[templates]") {
  auto t = compile_template("{{a}} {{#list}}{{inner}}{{/list}} {{{raw}}} {{& amp}} {{x.y}} {{a}}");
  REQUIRE(t.ok());
  CHECK(t->names() == std::vector<std::string>{"a", "list", "raw", "amp", "x"});
}

TEST_CASE("message ids are stable, distinct and 32 hex digits", "[message]") {
  auto id = make_message_id("c1", 3, "mail", "42");
  CHECK(id.size() == 32);
  CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(id == make_message_id("c1", 3, "mail", "42"));
  CHECK(id != make_message_id("c1", 4, "mail", "42"));
  CHECK(id != make_message_id("c1", 3, "mail2", "42"));
  CHECK(id != make_message_id("c1", 3, "mail", "43"));
  // Length-prefixed parts: moving a character between parts changes the id.
  CHECK(make_message_id("ab", 1, "c", "d") != make_message_id("a", 1, "bc", "d"));
}

TEST_CASE("message JSON has the fields of INTERFACES.md §6 and round-trips", "[message]") {
  message m{"id1",
            "c1",
            2,
            "mail",
            baton::channel::email,
            "42",
            "a@b.co",
            "S <s@b.co>",
            "Subj",
            "Body",
            "",
            "",
            "<p>Body</p>",
            {{"List-Unsubscribe", "<https://t.example/t/u/x>"}},
            {},
            false,
            ""};
  json j = to_json(m);
  CHECK(j["html"] == "<p>Body</p>");
  CHECK(j["headers"] == json{{"List-Unsubscribe", "<https://t.example/t/u/x>"}});
  for (const char* k : {"message_id", "campaign", "run", "activity", "channel", "recipient",
                        "address", "subject", "body"})
    CHECK(j.contains(k));
  CHECK_FALSE(j.contains("text"));
  CHECK(j["channel"] == "email");
  auto back = message_from_json(j);
  REQUIRE(back.ok());
  CHECK(*back == m);
  message s = m;
  s.channel = baton::channel::sms;
  s.text = "Hi";
  CHECK(to_json(s).contains("text"));
  CHECK_FALSE(to_json(s).contains("subject"));
  message p = m;
  p.channel = baton::channel::push;
  p.title = "T";
  CHECK(to_json(p)["title"] == "T");
  CHECK_FALSE(message_from_json(json{{"message_id", 1}}).ok());
  // Transactional mail: `headers` is there, empty; no `html` without an HTML body.
  message plain = m;
  plain.html.clear();
  plain.headers.clear();
  CHECK(to_json(plain)["headers"] == json::object());
  CHECK_FALSE(to_json(plain).contains("html"));
  CHECK(*message_from_json(to_json(plain)) == plain);
  // The older boolean `html` (the body was the HTML) still reads.
  json old = to_json(plain);
  old["html"] = true;
  auto was = message_from_json(old);
  REQUIRE(was.ok());
  CHECK(was->html == "Body");
  CHECK(was->body.empty());
  old["html"] = 3;
  CHECK_FALSE(message_from_json(old).ok());
  // The JSON line, made ahead or on demand, is the same text; it is not part of the value.
  CHECK(json_line(m) == j.dump());
  // Written directly, it is byte for byte nlohmann's line: escapes, sorted and repeated
  // headers, every channel, invalid UTF-8 replaced.
  for (auto ch : {baton::channel::email, baton::channel::sms, baton::channel::push}) {
    message x = m;
    x.channel = ch;
    x.text = "t\x01\x1f\x7f\"\\/\b\f\n\r\t";
    x.title = "Zo\u00eb \U0001F600";
    x.subject = "S\u00fcbject";
    x.headers = {{"Z-Last", "1"}, {"A-First", "2"}, {"Z-Last", "3"}};
    x.proof = ch == baton::channel::push;
    x.from = ch == baton::channel::sms ? "" : "F <f@example.com>";
    auto dumped = [](const message& y) {
      return to_json(y).dump(-1, ' ', false, json::error_handler_t::replace);
    };
    CHECK(json_line(x) == dumped(x));
    for (const char* bad : {"\xff", "a\xc3", "\xed\xa0\x80", "\xe0\x80\x80", "\xf4\x90\x80\x80"}) {
      INFO(static_cast<int>(ch) << " " << bad);
      x.body = std::string("b") + bad + "c";
      x.text = x.body;
      x.subject = x.body;
      CHECK(json_line(x) == dumped(x));
    }
  }
  message ahead = m;
  ahead.line = json_line(m);
  CHECK(ahead == m);
  CHECK(json_line(ahead) == json_line(m));
  ahead.subject = "changed";
  CHECK_FALSE(ahead == m);
}

TEST_CASE("a channel activity reads its options and compiles its templates", "[activity]") {
  activity a;
  a.id = "mail";
  a.type = activity_type::email;
  a.options = {{"subject", "Hi {{first_name}}"},
               {"body", "<p>{{first_name}}</p>"},
               {"from", "Shop <news@shop.example>"},
               {"throttle", {{"perSecond", 50}}},
               {"waves", 3},
               {"category", "transactional"}};
  auto act = parse_channel_activity(a);
  REQUIRE(act.ok());
  CHECK(act->connector == "email");
  CHECK(act->category == category::transactional);
  CHECK(act->body_is_html);  // the older form: an HTML-looking body without `html`
  CHECK(act->per_second == 50);
  CHECK(act->waves == 3);
  a.options["body"] = "{{#x}}";
  auto bad = parse_channel_activity(a);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.err().where == "body");
}

TEST_CASE("check_channel_templates points at the broken template", "[activity]") {
  std::string doc = R"({"name": "n", "dimension": "profiles",
    "activities": [{"id": "t", "type": "build_audience"},
                   {"id": "s", "type": "sms", "text": "Hi {{#open}} never closed {{x}}"}],
    "transitions": [{"from": "t", "to": "s"}]})";
  auto v = validate_campaign(doc, nullptr);
  REQUIRE(v.ok());  // the validator only checks that braces close
  auto ps = check_channel_templates(*v.definition);
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].pointer == "/activities/1/text");
  CHECK_THAT(ps[0].message, Catch::Contains("open"));
}

TEST_CASE("prepare_message renders a message or says why a row is excluded", "[activity]") {
  activity a;
  a.id = "push1";
  a.type = activity_type::push;
  a.options = {{"title", "Hi {{first_name}}"}, {"body", "{{#items}}{{.}} {{/items}}"}};
  auto act = parse_channel_activity(a);
  REQUIRE(act.ok());
  recipient_rules rules{baton::channel::push, category::marketing, "token", "push_ok"};
  send_context ctx{"c9", 4, nullptr, ""};
  json row = {{"first_name", "Ada"}, {"items", {"x", "y"}}, {"token", "tok-1"}, {"push_ok", 1}};
  auto r = prepare_message(*act, rules, ctx, "7", row);
  REQUIRE(std::holds_alternative<message>(r));
  const auto& m = std::get<message>(r);
  CHECK(m.message_id == make_message_id("c9", 4, "push1", "7"));
  CHECK(m.title == "Hi Ada");
  CHECK(m.body == "x y ");
  CHECK(m.address == "tok-1");
  row["push_ok"] = false;
  auto ex = prepare_message(*act, rules, ctx, "7", row);
  REQUIRE(std::holds_alternative<exclusion>(ex));
  CHECK(std::get<exclusion>(ex).reason == exclusion_reason::no_consent);
}
