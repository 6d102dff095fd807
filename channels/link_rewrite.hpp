// Click and open tracking at render time (PRODUCT.md §8.2): the http(s) links of a message's
// HTML body (parsed with gumbo, Debian libgumbo) and of its text body become signed redirect
// URLs BASE/t/c/TOKEN, and the HTML body gets an open pixel BASE/t/o/TOKEN. Only the link values
// change: the rest of the HTML is kept byte for byte (splices at gumbo's source positions, no
// re-serialisation). The link table (index -> original URL) is what a click redirects to.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "channels/tracking_token.hpp"

namespace baton::channels {

// What rewriting needs for one message.
struct link_context {
  const token_signer* signer = nullptr;
  std::string base_url;    // `tracking.baseUrl`, without a trailing slash
  std::string message_id;  // 32 hex digits
};

// `s` safe inside HTML text and quoted attribute values (& < > " ' escaped).
std::string html_escape(std::string_view s);

// The URL of a tracking path: BASE/t/<letter>/TOKEN ("" when the token cannot be made).
std::string tracking_url(const link_context& ctx, token_kind kind, std::uint32_t link = 0);

// Rewrites the `href` of every <a> and <area> element whose value (entities decoded, spaces
// trimmed) starts with http:// or https:// (any case). Left alone: other schemes (mailto:, tel:,
// javascript:), anchors, relative and protocol-relative URLs, links already under BASE/t/ (the
// unsubscribe and view links), hrefs in comments, scripts and attribute-less text. The new
// value keeps the original quote character (double quotes when there was none). Then adds the
// open pixel before </body> (or </html>, else at the end). Each distinct original URL gets one
// index in `links` (appended; existing entries are reused), at most 65536.
std::string rewrite_html(std::string_view html, const link_context& ctx,
                         std::vector<std::string>& links);

// Rewrites every http:// or https:// URL of a text body: it starts at a word boundary and runs
// to whitespace, a control character or one of < > " ; trailing . , ; : ! ? ' and unbalanced
// ) or ] are not part of it. Same link table as rewrite_html (the two parts share indexes).
std::string rewrite_text(std::string_view text, const link_context& ctx,
                         std::vector<std::string>& links);

}  // namespace baton::channels
