#include "channels/link_rewrite.hpp"

#include <gumbo.h>

#include <algorithm>
#include <memory>

namespace baton::channels {

namespace {

constexpr std::size_t k_max_links = 65536;

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (lower(s[i]) != prefix[i]) return false;
  return true;
}

// The scheme prefix length of an http(s) URL with something after "//", else 0.
std::size_t http_prefix(std::string_view s) {
  for (std::string_view p : {"http://", "https://"})
    if (starts_with_nocase(s, p) && s.size() > p.size()) return p.size();
  return 0;
}

bool is_html_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

std::string_view trim_html_space(std::string_view s) {
  while (!s.empty() && is_html_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_html_space(s.back())) s.remove_suffix(1);
  return s;
}

// The click URL for `url`, or "" when it stays as it is (not http(s), already a tracking URL,
// or the table is full).
std::string click_url(std::string_view url, const link_context& ctx,
                      std::vector<std::string>& links) {
  if (!ctx.signer || !http_prefix(url)) return std::string();
  std::string own = ctx.base_url + "/t/";
  if (url.size() >= own.size() && url.substr(0, own.size()) == own) return std::string();
  auto it = std::find(links.begin(), links.end(), url);
  std::size_t index = static_cast<std::size_t>(it - links.begin());
  if (it == links.end()) {
    if (links.size() >= k_max_links) return std::string();
    links.emplace_back(url);
  }
  return tracking_url(ctx, token_kind::click, static_cast<std::uint32_t>(index));
}

struct splice {
  std::size_t at = 0, length = 0;
  std::string text;
};

struct gumbo_output_deleter {
  void operator()(GumboOutput* o) const { gumbo_destroy_output(&kGumboDefaultOptions, o); }
};

// A piece of the source as an offset, when it points into `src` (gumbo's pieces do, except for
// what the parser made up, which has no data).
bool offset_in(std::string_view src, const GumboStringPiece& piece, std::size_t& at) {
  if (!piece.data || piece.length == 0) return false;
  auto* begin = src.data();
  if (piece.data < begin || piece.data + piece.length > begin + src.size()) return false;
  at = static_cast<std::size_t>(piece.data - begin);
  return true;
}

// The splice for the href of one <a>/<area> element, if it is to be rewritten.
void href_splice(std::string_view src, const GumboElement& el, const link_context& ctx,
                 std::vector<std::string>& links, std::vector<splice>& out) {
  const GumboAttribute* href = gumbo_get_attribute(&el.attributes, "href");
  std::size_t at = 0;
  if (!href || !offset_in(src, href->original_value, at)) return;
  std::string target = click_url(trim_html_space(href->value), ctx, links);
  if (target.empty()) return;
  char first = href->original_value.data[0];
  char quote = first == '"' || first == '\'' ? first : '"';
  out.push_back({at, href->original_value.length, quote + html_escape(target) + quote});
}

// Where the open pixel goes: before </body>, else before </html>, else at the end.
std::size_t pixel_offset(std::string_view src, const GumboOutput& out) {
  std::size_t at = src.size();
  const GumboNode* root = out.root;
  if (!root || root->type != GUMBO_NODE_ELEMENT) return at;
  std::size_t html_end = 0;
  if (offset_in(src, root->v.element.original_end_tag, html_end)) at = html_end;
  const GumboVector& kids = root->v.element.children;
  for (unsigned i = 0; i < kids.length; ++i) {
    auto* n = static_cast<const GumboNode*>(kids.data[i]);
    std::size_t body_end = 0;
    if (n->type == GUMBO_NODE_ELEMENT && n->v.element.tag == GUMBO_TAG_BODY &&
        offset_in(src, n->v.element.original_end_tag, body_end))
      at = body_end;
  }
  return at;
}

}  // namespace

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string tracking_url(const link_context& ctx, token_kind kind, std::uint32_t link) {
  if (!ctx.signer) return std::string();
  auto token = ctx.signer->make(kind, ctx.message_id, link);
  if (!token) return std::string();
  return ctx.base_url + "/t/" + path_letter(kind) + "/" + *token;
}

std::string rewrite_html(std::string_view html, const link_context& ctx,
                         std::vector<std::string>& links) {
  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 0;  // the parse errors are not used
  std::unique_ptr<GumboOutput, gumbo_output_deleter> parsed(
      gumbo_parse_with_options(&options, html.data(), html.size()));
  std::vector<splice> splices;
  if (parsed && parsed->document) {
    std::vector<const GumboNode*> todo{parsed->document};  // iterative: nesting may be deep
    while (!todo.empty()) {
      const GumboNode* n = todo.back();
      todo.pop_back();
      const GumboVector* kids = nullptr;
      if (n->type == GUMBO_NODE_DOCUMENT) {
        kids = &n->v.document.children;
      } else if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE) {
        const GumboElement& el = n->v.element;
        if ((el.tag == GUMBO_TAG_A || el.tag == GUMBO_TAG_AREA) &&
            el.tag_namespace == GUMBO_NAMESPACE_HTML)
          href_splice(html, el, ctx, links, splices);
        kids = &el.children;
      }
      if (!kids) continue;
      for (unsigned i = kids->length; i-- > 0;)
        todo.push_back(static_cast<const GumboNode*>(kids->data[i]));
    }
  }
  std::string pixel = tracking_url(ctx, token_kind::open);
  if (!pixel.empty())
    splices.push_back({parsed ? pixel_offset(html, *parsed) : html.size(), 0,
                       "<img src=\"" + html_escape(pixel) +
                           "\" width=\"1\" height=\"1\" alt=\"\" "
                           "style=\"border:0;width:1px;height:1px\">"});
  std::stable_sort(splices.begin(), splices.end(),
                   [](const splice& a, const splice& b) { return a.at < b.at; });
  std::string out;
  out.reserve(html.size() + splices.size() * 64);
  std::size_t at = 0;
  for (const auto& s : splices) {
    if (s.at < at) continue;  // overlapping pieces cannot happen; never splice twice
    out.append(html.substr(at, s.at - at)).append(s.text);
    at = s.at + s.length;
  }
  out.append(html.substr(at));
  return out;
}

std::string rewrite_text(std::string_view text, const link_context& ctx,
                         std::vector<std::string>& links) {
  auto ends_url = [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7F || c == '<' || c == '>' || c == '"';
  };
  std::string out;
  out.reserve(text.size());
  std::size_t copied = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (lower(text[i]) != 'h' || !http_prefix(text.substr(i))) continue;
    if (i > 0 && std::isalnum(static_cast<unsigned char>(text[i - 1]))) continue;
    std::size_t end = i;
    while (end < text.size() && !ends_url(text[end])) ++end;
    // Trailing punctuation belongs to the sentence, and a closing bracket only when unopened.
    while (end > i) {
      char c = text[end - 1];
      auto url = text.substr(i, end - i);
      if (std::string_view(".,;:!?'").find(c) != std::string_view::npos ||
          (c == ')' &&
           std::count(url.begin(), url.end(), '(') < std::count(url.begin(), url.end(), ')')) ||
          (c == ']' &&
           std::count(url.begin(), url.end(), '[') < std::count(url.begin(), url.end(), ']')))
        --end;
      else
        break;
    }
    auto url = text.substr(i, end - i);
    std::string target = http_prefix(url) ? click_url(url, ctx, links) : std::string();
    if (!target.empty()) {
      out.append(text.substr(copied, i - copied)).append(target);
      copied = end;
    }
    i = end > i ? end - 1 : i;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace baton::channels
