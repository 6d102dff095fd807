#include "channels/mime.hpp"

#include <cstdio>
#include <ctime>

namespace baton::channels {

namespace {

constexpr std::size_t k_fold_at = 78;     // RFC 5322 §2.1.1: SHOULD
constexpr std::size_t k_max_line = 998;   // RFC 5322 §2.1.1: MUST
constexpr std::size_t k_word_bytes = 45;  // source bytes per encoded word: 60 base64 chars

const char* k_b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view in) {
  std::string out;
  std::size_t i = 0;
  auto b = [&](std::size_t at) {
    return static_cast<unsigned>(static_cast<unsigned char>(in[at]));
  };
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = b(i) << 16 | b(i + 1) << 8 | b(i + 2);
    for (int s : {18, 12, 6, 0}) out.push_back(k_b64[(v >> s) & 63]);
  }
  if (i < in.size()) {
    unsigned v = b(i) << 16 | (i + 1 < in.size() ? b(i + 1) << 8 : 0);
    out.push_back(k_b64[(v >> 18) & 63]);
    out.push_back(k_b64[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? k_b64[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// Header values cannot carry line breaks (header injection) nor NUL.
std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
  return out;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return std::string();
  auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

// Folds an ASCII value at spaces so that lines stay near 78 characters: a CRLF goes before a
// space, which stays (unfolding gives the value back). `used` = what precedes on the first line.
std::string fold_ascii(std::string_view v, std::size_t used) {
  std::string out;
  std::size_t line = used;
  bool first = true;
  for (std::size_t at = 0; at < v.size();) {
    std::size_t word = v.find_first_not_of(' ', at);
    if (word == std::string_view::npos) word = v.size();
    std::size_t end = std::min(v.size(), v.find(' ', word));
    std::string_view piece = v.substr(at, end - at);  // spaces, then a word
    if (!first && word > at && word < end && line + piece.size() > k_fold_at) {
      out += "\r\n";
      line = 0;
    }
    out += piece;
    line += piece.size();
    first = false;
    at = end;
  }
  return out;
}

// Whether a folded ASCII value keeps every line within 998 characters (a word may be longer).
bool fits_lines(std::string_view folded, std::size_t used) {
  std::size_t line = used;
  for (std::size_t i = 0; i < folded.size(); ++i) {
    if (folded[i] == '\n') {
      line = 0;
      continue;
    }
    if (++line > k_max_line) return false;
  }
  return true;
}

// RFC 2047 B-encoded UTF-8 words, one per line after the first (whitespace between encoded
// words is not part of the text, so the split is exact). Splits on UTF-8 character boundaries.
std::string encoded_words(std::string_view v) {
  std::string out;
  std::size_t start = 0;
  while (start < v.size()) {
    std::size_t end = std::min(v.size(), start + k_word_bytes);
    while (end < v.size() && end > start + 1 && (static_cast<unsigned char>(v[end]) & 0xC0) == 0x80)
      --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(v.substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

// Display names that may stay as they are: atoms and spaces (RFC 5322 `phrase` without quotes).
bool plain_phrase(std::string_view name) {
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7F ||
        std::string_view("()<>[]:;@\\,.\"").find(c) != std::string_view::npos)
      return false;
  }
  return true;
}

// The body with CRLF line ends (LF, CRLF and lone CR all become CRLF).
std::string crlf(std::string_view body) {
  std::string out;
  out.reserve(body.size() + body.size() / 32);
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '\r') {
      if (i + 1 < body.size() && body[i + 1] == '\n') ++i;
      out += "\r\n";
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// A CRLF body may go as 7bit: ASCII without NUL, lines of at most 998 bytes, and not holding
// the multipart boundary.
bool seven_bit(std::string_view body, std::string_view boundary) {
  std::size_t line = 0;
  for (char c : body) {
    if (c == '\0' || static_cast<unsigned char>(c) >= 0x80) return false;
    if (c == '\n') {
      line = 0;
      continue;
    }
    if (++line > k_max_line) return false;
  }
  return boundary.empty() || body.find(boundary) == std::string_view::npos;
}

// One body part: its Content-Type and Content-Transfer-Encoding headers, a blank line, the body.
std::string body_part(std::string_view subtype, std::string_view text, std::string_view boundary) {
  std::string body = crlf(text);
  std::string out = "Content-Type: text/" + std::string(subtype) + "; charset=UTF-8\r\n";
  if (seven_bit(body, boundary)) {
    out += "Content-Transfer-Encoding: 7bit\r\n\r\n" + body;
  } else {
    out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + quoted_printable(body);
  }
  return out;
}

void header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

std::string envelope_address(const std::string& from) {
  auto lt = from.rfind('<');
  auto gt = from.rfind('>');
  if (lt != std::string::npos && gt != std::string::npos && gt > lt)
    return from.substr(lt + 1, gt - lt - 1);
  return trim(from);
}

std::string format_mailbox(std::string_view from_text) {
  std::string from = one_line(from_text);
  auto lt = from.rfind('<');
  auto gt = from.rfind('>');
  if (lt == std::string::npos || gt == std::string::npos || gt < lt) return trim(from);
  std::string addr = trim(std::string_view(from).substr(lt + 1, gt - lt - 1));
  std::string name = trim(std::string_view(from).substr(0, lt));
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {  // a quoted-string
    std::string raw;
    for (std::size_t i = 1; i + 1 < name.size(); ++i) {
      if (name[i] == '\\' && i + 2 < name.size()) ++i;
      raw.push_back(name[i]);
    }
    name = raw;
  }
  if (name.empty()) return "<" + addr + ">";
  if (!is_ascii(name) || name.find("=?") != std::string::npos)
    return encoded_words(name) + " <" + addr + ">";
  if (plain_phrase(name)) return name + " <" + addr + ">";
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return quoted + "\" <" + addr + ">";
}

std::string encode_unstructured(std::string_view value, std::size_t name_size) {
  std::string v = one_line(value);
  std::size_t used = name_size + 2;  // "Name: "
  if (is_ascii(v) && v.find("=?") == std::string::npos) {
    std::string folded = fold_ascii(v, used);
    if (fits_lines(folded, used)) return folded;
  }
  return encoded_words(v);
}

std::string quoted_printable(std::string_view body) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(body.size() + body.size() / 8);
  std::size_t line = 0;
  auto put = [&](std::string_view piece, bool last_on_line) {
    // A soft break keeps every line at most 76 characters (the '=' of the break included).
    if (line + piece.size() > (last_on_line ? 76u : 75u)) {
      out += "=\r\n";
      line = 0;
    }
    out += piece;
    line += piece.size();
  };
  for (std::size_t i = 0; i < body.size(); ++i) {
    auto c = static_cast<unsigned char>(body[i]);
    if (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n') {
      out += "\r\n";
      line = 0;
      ++i;
      continue;
    }
    bool at_line_end = i + 1 == body.size() || body[i + 1] == '\r';
    bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_line_end);
    char enc[3] = {'=', hex[c >> 4], hex[c & 15]};
    put(literal ? std::string_view(reinterpret_cast<const char*>(&body[i]), 1)
                : std::string_view(enc, 3),
        at_line_end);
  }
  return out;
}

std::string rfc5322_date(time_us now) {
  std::time_t t = static_cast<std::time_t>(now / 1'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
                tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string format_email(const message& m, const mail_defaults& d, time_us now) {
  const std::string& from = m.from.empty() ? d.from : m.from;
  std::string id = one_line(m.message_id);
  std::string out;
  header(out, "From", format_mailbox(from));
  header(out, "To", "<" + one_line(m.address) + ">");
  header(out, "Subject", encode_unstructured(m.subject, 7));
  header(out, "Date", rfc5322_date(now));
  header(out, "Message-ID", "<" + id + "@" + one_line(d.message_id_domain) + ">");
  header(out, "X-Baton-Message-Id", id);
  header(out, "X-Baton-Campaign",
         encode_unstructured(one_line(m.campaign) + "; run=" + std::to_string(m.run) +
                                 "; activity=" + one_line(m.activity),
                             16));
  for (const auto& [name, value] : m.headers)
    header(out, one_line(name), encode_unstructured(value, name.size()));
  header(out, "MIME-Version", "1.0");
  bool has_text = !m.body.empty() || m.html.empty();
  if (m.html.empty() || !has_text) {
    out += m.html.empty() ? body_part("plain", m.body, "") : body_part("html", m.html, "");
    if (out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";  // DATA ends with CRLF
    return out;
  }
  std::string boundary = "=_baton_" + id;
  header(out, "Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
  out += "\r\n";
  for (auto [subtype, text] : {std::pair{"plain", &m.body}, {"html", &m.html}})
    out += "--" + boundary + "\r\n" + body_part(subtype, *text, boundary) + "\r\n";
  out += "--" + boundary + "--\r\n";  // the CRLF before each delimiter belongs to it
  return out;
}

}  // namespace baton::channels
