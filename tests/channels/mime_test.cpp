// Real messages: marketing and transactional emails rendered from channel activities, sent
// over SMTP to real servers (aiosmtpd storing a Maildir, postfix's smtp-sink dumping each
// message), then read back by Python's email package (tests/channels/mime_check.py): valid MIME,
// headers decoded back to the original text, both parts of multipart/alternative, the
// unsubscribe headers on marketing mail only. Plus the header and body encoders on their own.
#include <catch2/catch.hpp>

#include <cstdio>

#include "channels/channel_activity.hpp"
#include "channels/mime.hpp"
#include "channels/smtp.hpp"
#include "support.hpp"

using namespace baton;
using namespace baton::channels;
using namespace baton::channels::testing;
using nlohmann::json;

namespace {

// What Python's email package makes of the mail files under `path`.
json python_reads(const std::string& path) {
  std::string cmd = std::string(k_python) + " " + BATON_SOURCE_DIR +
                    "/tests/channels/mime_check.py " + path + " 2>&1";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ::pclose(p);
  }
  auto j = json::parse(out, nullptr, false);
  INFO(out);
  REQUIRE(j.is_array());
  return j;
}

std::string lf(std::string s) {
  for (auto at = s.find("\r\n"); at != std::string::npos; at = s.find("\r\n", at)) s.erase(at, 1);
  return s;
}

tracking_setup test_tracking() {
  tracking_config c;
  c.base_url = "https://t.shop.example";
  c.secret = std::string(64, 'a');
  c.unsubscribe_mailto = "unsubscribe@shop.example";
  return *make_tracking_setup(c);
}

// A rendered email of a channel activity with these options, for recipient `key`.
message render(const json& options, const std::string& key, const tracking_setup* t,
               const std::string& email) {
  activity a;
  a.id = "mail";
  a.type = activity_type::email;
  a.options = options;
  auto act = parse_channel_activity(a);
  REQUIRE(act.ok());
  recipient_rules rules;
  rules.channel = baton::channel::email;
  rules.category = act->category;
  rules.address_column = "email";
  rules.consent_column = "optin";
  json row = {{"email", email}, {"optin", true}, {"first_name", "Zoë"}, {"city", "Köln"}};
  auto r = prepare_message(*act, rules, {"c-winter", 3, t, ""}, key, row);
  REQUIRE(std::holds_alternative<message>(r));
  return std::get<message>(r);
}

const std::string k_subject =
    "Grüße aus {{city}}, {{first_name}} — 🎉 der Winterschlussverkauf "
    "beginnt: bis zu 50 % auf alles, was Sie lieben ❄️☃️";

json marketing_options() {
  return {{"subject", k_subject},
          {"from", "Café Zürich, Inc. <news@shop.example>"},
          {"body", "Hallo {{first_name}},\nunser Angebot: https://shop.example/sale?src=mail.\n" +
                       std::string(1200, 'x') + "\nAbmelden: {{baton.unsubscribe_url}}\n"},
          {"html",
           "<html><body><p>Hallo {{first_name}} — <a href=\"https://shop.example/sale"
           "?src=mail&amp;x=1\">zum Angebot</a></p><p><a href=\"{{baton.unsubscribe_url}}"
           "\">Abmelden</a></p></body></html>\n"}};
}

void check_marketing(const json& got, const message& sent) {
  INFO(got.dump(2));
  CHECK(got["defects"] == json::array());
  CHECK(got["content_type"] == "multipart/alternative");
  CHECK(got["subject"] == sent.subject);
  CHECK(got["from_name"] == "Café Zürich, Inc.");
  CHECK(got["from_address"] == "news@shop.example");
  CHECK(got["mime_version"] == "1.0");
  CHECK(got["baton_id"] == sent.message_id);
  CHECK(got["message_id"] == "<" + sent.message_id + "@test.example>");
  CHECK(got["list_unsubscribe_post"] == "List-Unsubscribe=One-Click");
  CHECK(got["list_unsubscribe"] == sent.headers.at(0).second);
  REQUIRE(got["parts"].size() == 2);
  CHECK(got["parts"][0]["type"] == "text/plain");
  CHECK(got["parts"][0]["charset"] == "utf-8");
  CHECK(lf(got["parts"][0]["text"]) == sent.body);
  CHECK(got["parts"][1]["type"] == "text/html");
  CHECK(lf(got["parts"][1]["text"]) == sent.html);
  CHECK(got["longest_line"].get<int>() <= 998);
  CHECK(got["ascii"] == true);
}

}  // namespace

TEST_CASE("a marketing email arrives as valid MIME with its unsubscribe headers", "[mime]") {
  auto t = test_tracking();
  auto m = render(marketing_options(), "1042", &t, "ada@example.com");
  // What prepare_message made: decoded subject, tracked links, the unsubscribe link kept.
  CHECK(m.subject ==
        "Grüße aus Köln, Zoë — 🎉 der Winterschlussverkauf beginnt: bis zu 50 % auf alles, was "
        "Sie lieben ❄️☃️");
  CHECK(m.links == std::vector<std::string>{"https://shop.example/sale?src=mail",
                                            "https://shop.example/sale?src=mail&x=1"});
  REQUIRE(m.headers.size() == 2);
  auto unsub = m.headers[0].second;
  auto token = unsub.substr(unsub.find("/t/u/") + 5, 46);
  CHECK(unsub == "<https://t.shop.example/t/u/" + token + ">, <mailto:unsubscribe+" + token +
                     "@shop.example>");
  CHECK(t.signer.verify(token, token_kind::unsubscribe)->message_id == m.message_id);
  CHECK(m.body.find("Abmelden: https://t.shop.example/t/u/" + token) != std::string::npos);
  CHECK(m.html.find("href=\"https://t.shop.example/t/u/" + token + "\"") != std::string::npos);
  CHECK(m.html.find("/t/o/") != std::string::npos);

  smtp_server server;
  smtp_options o;
  o.url = server.url();
  o.message_id_domain = "test.example";
  smtp_connector smtp(o, nullptr);
  REQUIRE(smtp.send({m})[0].sent());
  auto got = python_reads((server.maildir / "new").string());
  REQUIRE(got.size() == 1);
  check_marketing(got[0], m);

  test_servers::smtp_sink sink(false, {"-d", (server.dir.path / "sink" / "msg.").string()});
  std::filesystem::create_directories(server.dir.path / "sink");
  ::chmod((server.dir.path / "sink").c_str(), 0777);
  o.url = sink.url();
  smtp_connector to_sink(o, nullptr);
  REQUIRE(to_sink.send({m})[0].sent());
  for (int i = 0; i < 100 && std::filesystem::is_empty(server.dir.path / "sink"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto dumped = python_reads((server.dir.path / "sink").string());
  REQUIRE(dumped.size() == 1);
  check_marketing(dumped[0], m);
  // What went over the wire (both servers store LF line ends): CRLF everywhere, short lines.
  auto text = format_email(m, mail_defaults_of(o), 0);
  auto lines = lines_of(text);
  CHECK(lines.size() > 30);
  for (const auto& line : lines) {
    CHECK((!line.empty() && line.back() == '\r'));
    CHECK(line.size() <= 999);
  }
}

TEST_CASE("transactional and text-only email: one part, no unsubscribe headers", "[mime]") {
  auto t = test_tracking();
  json options = {{"subject", "Your order {{first_name}}"},
                  {"category", "transactional"},
                  {"from", "\"Shop \\\"Support\\\"\" <help@shop.example>"},
                  {"body", "Order confirmed, {{first_name}}.\nhttps://shop.example/orders\n"}};
  auto m = render(options, "7", &t, "bob@example.com");
  CHECK(m.headers.empty());
  CHECK(m.links.empty());  // tracking defaults to false for transactional mail
  CHECK(m.body == "Order confirmed, Zoë.\nhttps://shop.example/orders\n");
  // An older HTML-looking body alone, ASCII only.
  json old = {{"subject",
               "Plain ASCII subject that is long enough to be folded by the builder at "
               "a space somewhere after seventy-eight characters"},
              {"from", "help@shop.example"},
              {"category", "transactional"},
              {"body", "<p>Hello {{first_name}}</p>\n"}};
  auto h = render(old, "8", &t, "cy@example.com");
  CHECK(h.body.empty());
  CHECK(h.html == "<p>Hello Zoë</p>\n");

  smtp_server server;
  smtp_options o;
  o.url = server.url();
  smtp_connector smtp(o, nullptr);
  for (const auto& r : smtp.send({m, h})) CHECK(r.sent());
  auto got = python_reads((server.maildir / "new").string());
  REQUIRE(got.size() == 2);
  for (const auto& g : got) {
    INFO(g.dump(2));
    CHECK(g["defects"] == json::array());
    CHECK(g["list_unsubscribe"].is_null());
    CHECK(g["list_unsubscribe_post"].is_null());
    REQUIRE(g["parts"].size() == 1);
    bool is_m = g["baton_id"] == m.message_id;
    const message& sent = is_m ? m : h;
    CHECK(g["subject"] == sent.subject);
    CHECK(g["content_type"] == (is_m ? "text/plain" : "text/html"));
    CHECK(lf(g["parts"][0]["text"]) == (is_m ? sent.body : sent.html));
    CHECK(g["from_name"] == (is_m ? "Shop \"Support\"" : ""));
    CHECK(g["longest_line"].get<int>() <= 78 + 20);  // folded subject; short bodies
  }
}

TEST_CASE("header and body encoders keep RFC 5322 line limits", "[mime]") {
  CHECK(format_mailbox("Shop <news@shop.example>") == "Shop <news@shop.example>");
  CHECK(format_mailbox("news@shop.example") == "news@shop.example");
  CHECK(format_mailbox("Shop, Inc. <a@b.example>") == "\"Shop, Inc.\" <a@b.example>");
  CHECK(format_mailbox("\"Shop, Inc.\" <a@b.example>") == "\"Shop, Inc.\" <a@b.example>");
  CHECK(format_mailbox("Café <a@b.example>") == "=?UTF-8?B?Q2Fmw6k=?= <a@b.example>");
  CHECK(format_mailbox("Evil\r\nBcc: x@y <a@b.example>") == "\"Evil  Bcc: x@y\" <a@b.example>");
  CHECK(encode_unstructured("Hello", 7) == "Hello");
  CHECK(encode_unstructured("looks =?UTF-8?B?eA==?= encoded", 7).rfind("=?UTF-8?B?", 0) == 0);
  std::string words;
  for (int i = 0; i < 60; ++i) words += "word" + std::to_string(i) + " ";
  auto folded = encode_unstructured(words, 7);
  for (const auto& line : lines_of(folded + "\r\n")) CHECK(line.size() <= 79);
  CHECK(lf(folded).size() == words.size() + std::count(folded.begin(), folded.end(), '\r'));
  auto encoded = encode_unstructured(std::string(300, 'x') + "é", 7);
  for (const auto& line : lines_of(encoded + "\r\n")) CHECK(line.size() <= 76);
  // Quoted-printable: at most 76 characters a line, '=' and 8-bit bytes and trailing spaces
  // encoded, hard line breaks kept.
  auto qp = quoted_printable(std::string(200, 'a') + "=é \r\nnext\t\r\n");
  for (const auto& line : lines_of(qp)) CHECK(line.size() <= 77);  // 76 + the CR
  CHECK(qp.find("=3D=C3=A9=20\r\nnext=09\r\n") != std::string::npos);
  CHECK(rfc5322_date(1'767'225'600'000'000LL) == "Thu, 01 Jan 2026 00:00:00 +0000");
}
