// Link rewriting with gumbo: which hrefs and text URLs become click URLs, that the link table
// gives the redirect target, that the rest of the HTML stays byte for byte, and odd HTML.
#include <catch2/catch.hpp>

#include "channels/link_rewrite.hpp"
#include "channels/message.hpp"

using namespace baton;
using namespace baton::channels;

namespace {

const token_signer& test_signer() {
  static const token_signer s = *token_signer::from_hex(std::string(64, 'a'));
  return s;
}

link_context ctx() {
  return {&test_signer(), "https://t.shop.example", make_message_id("c", 1, "mail", "7")};
}

const std::string k_click = "https://t.shop.example/t/c/";

// Every click URL in `out`, in order, as the link table index its token names.
std::vector<std::uint32_t> clicks(const std::string& out) {
  std::vector<std::uint32_t> found;
  for (auto at = out.find(k_click); at != std::string::npos; at = out.find(k_click, at + 1)) {
    auto end = out.find_first_not_of(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", at + k_click.size());
    auto claims = test_signer().verify(out.substr(at + k_click.size(), end - at - k_click.size()),
                                       token_kind::click);
    REQUIRE(claims);
    CHECK(claims->message_id == ctx().message_id);
    found.push_back(claims->link);
  }
  return found;
}

// `out` with each click URL replaced by "{n}" and the pixel by "{pixel}".
std::string shape(std::string out) {
  for (auto at = out.find(k_click); at != std::string::npos; at = out.find(k_click, at)) {
    auto end = out.find_first_not_of(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", at + k_click.size());
    auto claims = test_signer().verify(out.substr(at + k_click.size(), end - at - k_click.size()),
                                       token_kind::click);
    out.replace(at, end - at, "{" + std::to_string(claims ? claims->link : 99999) + "}");
  }
  auto pixel = out.find("<img src=\"https://t.shop.example/t/o/");
  if (pixel != std::string::npos) out.replace(pixel, out.find('>', pixel) + 1 - pixel, "{pixel}");
  return out;
}

std::string html(std::string_view in, std::vector<std::string>& links) {
  return rewrite_html(in, ctx(), links);
}

}  // namespace

TEST_CASE("hrefs become click URLs, the rest of the HTML stays byte for byte", "[links]") {
  std::string in =
      "<!DOCTYPE html>\n<html><head><link href=\"https://cdn.example/s.css\" rel=stylesheet>"
      "</head>\n<body>\n  <p class=x>Hi <a   href=\"https://shop.example/sale?x=1\"  "
      "id=a1>sale</a>,\n  <A HREF='HTTP://Shop.Example/Up'>up</A> <a href=https://shop.example/n>n"
      "</a><!-- <a href=\"https://comment.example/\"> -->\n  <map><area href=\"https://shop."
      "example/area\" alt=\"\"></map></p>\n</body>\n</html>\n";
  std::vector<std::string> links;
  auto out = html(in, links);
  CHECK(links == std::vector<std::string>{"https://shop.example/sale?x=1", "HTTP://Shop.Example/Up",
                                          "https://shop.example/n", "https://shop.example/area"});
  CHECK(clicks(out) == std::vector<std::uint32_t>{0, 1, 2, 3});
  CHECK(shape(out) ==
        "<!DOCTYPE html>\n<html><head><link href=\"https://cdn.example/s.css\" rel=stylesheet>"
        "</head>\n<body>\n  <p class=x>Hi <a   href=\"{0}\"  id=a1>sale</a>,\n  <A HREF='{1}'>up"
        "</A> <a href=\"{2}\">n</a><!-- <a href=\"https://comment.example/\"> -->\n  <map><area "
        "href=\"{3}\" alt=\"\"></map></p>\n{pixel}</body>\n</html>\n");
  auto pixel = out.find("/t/o/");
  auto token = out.substr(pixel + 5, out.find('"', pixel) - pixel - 5);
  CHECK(test_signer().verify(token, token_kind::open)->message_id == ctx().message_id);
}

TEST_CASE("links that are not http(s) or already Baton's stay as they are", "[links]") {
  std::string in =
      "<p><a href=\"mailto:help@shop.example\">m</a> <a href=\"tel:+441234\">t</a> <a "
      "href=\"#top\">a</a> <a href=\"/relative\">r</a> <a href=\"//cdn.example/x\">p</a> <a "
      "href=\"javascript:alert(1)\">j</a> <a href=\"https://t.shop.example/t/u/TOKEN\">unsub</a> "
      "<a href=\"ftp://files.example/\">f</a> <a href>none</a> <a href=\"https://\">empty</a> "
      "<a name=\"x\">no href</a></p>";
  std::vector<std::string> links;
  auto out = html(in, links);
  CHECK(links.empty());
  CHECK(shape(out) == in + "{pixel}");  // no </body>, no </html>: the pixel goes at the end
}

TEST_CASE("odd hrefs: entities, spaces, encodings, duplicates, unclosed tags", "[links]") {
  std::string in =
      "<html><body><a href=\" https://shop.example/?a=1&amp;b=2&lt; \">e</a>"
      "<a href=\"https://shop.example/%E2%82%AC?q=%20x#frag\">pct</a>"
      "<a href=\"https://shop.example/caf\xc3\xa9\">utf8</a>"
      "<a href=\"https://shop.example/?a=1&b=2\">dup of the first</a>"
      "<a href=https://shop.example/unclosed>never closed<p><a href='https://shop.example/\"q\"'>q"
      "</body></html>";
  std::vector<std::string> links;
  auto out = html(in, links);
  CHECK(links == std::vector<std::string>{
                     "https://shop.example/?a=1&b=2<", "https://shop.example/%E2%82%AC?q=%20x#frag",
                     "https://shop.example/caf\xc3\xa9", "https://shop.example/?a=1&b=2",
                     "https://shop.example/unclosed", "https://shop.example/\"q\""});
  CHECK(shape(out) ==
        "<html><body><a href=\"{0}\">e</a><a href=\"{1}\">pct</a><a href=\"{2}\">utf8</a>"
        "<a href=\"{3}\">dup of the first</a><a href=\"{4}\">never closed<p><a href='{5}'>q"
        "{pixel}</body></html>");
  // The same URL twice shares its index.
  std::vector<std::string> table;
  auto twice =
      html("<a href=\"https://x.example/\">1</a><a href='https://x.example/'>2</a>", table);
  CHECK(table.size() == 1);
  CHECK(clicks(twice) == std::vector<std::uint32_t>{0, 0});
}

TEST_CASE("the pixel goes before </body>, else </html>, else at the end", "[links]") {
  std::vector<std::string> links;
  CHECK(shape(html("<html><body><p>x</p></body></html>", links)) ==
        "<html><body><p>x</p>{pixel}</body></html>");
  CHECK(shape(html("<html><body><p>x</p></html>", links)) == "<html><body><p>x</p>{pixel}</html>");
  CHECK(shape(html("<p>x</p>", links)) == "<p>x</p>{pixel}");
  CHECK(shape(html("", links)) == "{pixel}");
  CHECK(shape(html("<BODY>x</BODY >\n", links)) == "<BODY>x{pixel}</BODY >\n");
}

TEST_CASE("text bodies: every http(s) URL, without the punctuation around it", "[links]") {
  std::vector<std::string> links;
  std::string in =
      "Sale: https://shop.example/sale. See (https://shop.example/a_(b)) and "
      "<https://shop.example/angle>, \"https://shop.example/q\"; HTTPS://SHOP.EXAMPLE/UP!\n"
      "not: xhttps://nope.example mailto:a@b.example https:// ftp://f.example "
      "https://t.shop.example/t/u/KEEP?\n"
      "end https://shop.example/sale";
  auto out = rewrite_text(in, ctx(), links);
  CHECK(links == std::vector<std::string>{"https://shop.example/sale", "https://shop.example/a_(b)",
                                          "https://shop.example/angle", "https://shop.example/q",
                                          "HTTPS://SHOP.EXAMPLE/UP"});
  CHECK(shape(out) ==
        "Sale: {0}. See ({1}) and <{2}>, \"{3}\"; {4}!\n"
        "not: xhttps://nope.example mailto:a@b.example https:// ftp://f.example "
        "https://t.shop.example/t/u/KEEP?\nend {0}");
}

TEST_CASE("HTML that is not well formed or hostile does not break rewriting", "[links]") {
  std::vector<std::string> links;
  // Invalid UTF-8, NUL bytes, a tag cut off at the end.
  static const char k_bad[] =
      "<a href=\"https://shop.example/\xff\xfe\">\0x</a><a href=\"https://x.example";
  std::string bad(k_bad, sizeof k_bad - 1);
  auto out = html(bad, links);
  CHECK(out.find("/t/o/") != std::string::npos);
  CHECK(out.size() > bad.size());
  // Deep nesting: the walk is iterative.
  std::string deep;
  for (int i = 0; i < 20000; ++i) deep += "<div>";
  deep += "<a href=\"https://deep.example/\">deep</a>";
  links.clear();
  auto d = html(deep, links);
  CHECK(links == std::vector<std::string>{"https://deep.example/"});
  // Without a signer nothing changes.
  std::vector<std::string> none;
  link_context off;
  CHECK(rewrite_html("<a href=\"https://x.example/\">x</a>", off, none) ==
        "<a href=\"https://x.example/\">x</a>");
  CHECK(rewrite_text("https://x.example/", off, none) == "https://x.example/");
  CHECK(none.empty());
}
