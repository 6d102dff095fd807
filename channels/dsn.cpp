#include "channels/dsn.hpp"

#include <gmime/gmime.h>
#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "channels/tracking.hpp"

namespace baton::channels {

namespace {

constexpr std::size_t k_max_mail = 32u << 20;
constexpr std::size_t k_max_part = 4u << 20;  // a report part larger than this is not read
constexpr int k_max_depth = 8;                // nesting of multiparts and attached messages

void init_gmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

struct gobject_deleter {
  void operator()(void* p) const {
    if (p) g_object_unref(p);
  }
};
template <class T>
using gptr = std::unique_ptr<T, gobject_deleter>;

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return std::string();
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// One block of "Name: value" fields (RFC 822 syntax; continuation lines unfolded).
using field_group = std::vector<std::pair<std::string, std::string>>;  // lowercase name, value

// The blocks of a message/delivery-status or message/feedback-report body, separated by blank
// lines. Lines without a colon are skipped.
std::vector<field_group> parse_groups(std::string_view text) {
  std::vector<field_group> out;
  field_group current;
  std::size_t at = 0;
  while (at <= text.size()) {
    auto nl = text.find('\n', at);
    std::string_view line =
        text.substr(at, nl == std::string_view::npos ? text.size() - at : nl - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else if ((line[0] == ' ' || line[0] == '\t') && !current.empty()) {
      current.back().second += " " + trim(line);
    } else if (auto colon = line.find(':'); colon != std::string_view::npos && colon > 0) {
      current.emplace_back(lower(trim(line.substr(0, colon))), trim(line.substr(colon + 1)));
    }
    if (nl == std::string_view::npos) break;
    at = nl + 1;
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

std::string field(const field_group& g, std::string_view name) {
  for (const auto& [n, v] : g)
    if (n == name) return v;
  return std::string();
}

// "rfc822; a@b.c" -> "a@b.c"; "<a@b.c>" -> "a@b.c".
std::string address_of(std::string v) {
  if (auto semi = v.find(';'); semi != std::string::npos) v = v.substr(semi + 1);
  v = trim(v);
  auto lt = v.rfind('<');
  auto gt = v.rfind('>');
  if (lt != std::string::npos && gt != std::string::npos && gt > lt)
    v = v.substr(lt + 1, gt - lt - 1);
  return trim(v);
}

// "5.1.1": a class (2, 4 or 5), then subject and detail of 1-3 digits each (RFC 3463); "" when
// the field does not start with one.
std::string status_code(const std::string& v) {
  std::string s = trim(std::string_view(v).substr(0, v.find_first_of(" \t(")));
  std::vector<std::string> parts;
  for (std::size_t at = 0;;) {
    auto dot = s.find('.', at);
    parts.push_back(s.substr(at, dot == std::string::npos ? std::string::npos : dot - at));
    if (dot == std::string::npos) break;
    at = dot + 1;
  }
  auto digits = [](const std::string& p, std::size_t most) {
    return !p.empty() && p.size() <= most &&
           std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (parts.size() != 3 || parts[0].size() != 1 ||
      std::string("245").find(parts[0][0]) == std::string::npos || !digits(parts[1], 3) ||
      !digits(parts[2], 3))
    return std::string();
  return s;
}

std::string part_bytes(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (!content) return std::string();
  gptr<GMimeStream> mem(g_mime_stream_mem_new());
  if (g_mime_data_wrapper_write_to_stream(content, mem.get()) < 0) return std::string();
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  if (!bytes || bytes->len > k_max_part) return std::string();
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

bool is_hex_id(std::string_view s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// What the report parts of one mail say.
struct findings {
  std::vector<field_group> status_groups;  // message/delivery-status, per recipient
  field_group feedback;                    // message/feedback-report
  bool has_feedback = false;
  bool has_returned = false;
  std::string baton_id, message_id, to;  // from the returned headers
};

void returned_headers(findings& f, const std::string& baton_id, const std::string& message_id,
                      const std::string& to) {
  if (f.has_returned) return;  // the first returned message counts
  f.has_returned = true;
  f.baton_id = trim(baton_id);
  f.message_id = address_of(message_id);
  f.to = address_of(to);
}

// "type/subtype" in lowercase, "" when unknown.
std::string media_type(GMimeObject* o) {
  GMimeContentType* ct = g_mime_object_get_content_type(o);
  if (!ct) return std::string();
  const char* type = g_mime_content_type_get_media_type(ct);
  const char* sub = g_mime_content_type_get_media_subtype(ct);
  return lower(std::string(type ? type : "") + "/" + (sub ? sub : ""));
}

void walk(GMimeObject* o, int depth, findings& f) {
  if (!o || depth > k_max_depth) return;
  if (GMIME_IS_MULTIPART(o)) {
    auto* mp = GMIME_MULTIPART(o);
    int n = g_mime_multipart_get_count(mp);
    for (int i = 0; i < n && i < 64; ++i) walk(g_mime_multipart_get_part(mp, i), depth + 1, f);
    return;
  }
  std::string type = media_type(o);
  if (GMIME_IS_MESSAGE_PART(o)) {
    GMimeMessage* m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
    if (!m) return;
    auto header = [&](const char* name) {
      const char* v = g_mime_object_get_header(GMIME_OBJECT(m), name);
      return std::string(v ? v : "");
    };
    returned_headers(f, header("X-Baton-Message-Id"), header("Message-ID"), header("To"));
    return;
  }
  if (!GMIME_IS_PART(o)) return;
  if (type == "message/delivery-status" || type == "message/global-delivery-status") {
    auto groups = parse_groups(part_bytes(GMIME_PART(o)));
    for (std::size_t i = 1; i < groups.size(); ++i) f.status_groups.push_back(groups[i]);
  } else if (type == "message/feedback-report") {
    auto groups = parse_groups(part_bytes(GMIME_PART(o)));
    if (!groups.empty()) f.feedback = groups[0], f.has_feedback = true;
  } else if (type == "text/rfc822-headers" || type == "message/global-headers") {
    auto groups = parse_groups(part_bytes(GMIME_PART(o)));
    if (!groups.empty())
      returned_headers(f, field(groups[0], "x-baton-message-id"), field(groups[0], "message-id"),
                       field(groups[0], "to"));
  }
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) out += hex[md[i] >> 4], out += hex[md[i] & 15];
  return out;
}

// The group that decides a DSN's class: the first 5.x.x one, else the first 4.x.x one, else
// the first with a status.
const field_group* deciding_group(const findings& f) {
  for (char want : {'5', '4', '2'})
    for (const auto& g : f.status_groups) {
      auto s = status_code(field(g, "status"));
      if (!s.empty() && s[0] == want) return &g;
    }
  return nullptr;
}

void classify_dsn(const findings& f, dsn_report& r) {
  const field_group* g = deciding_group(f);
  if (!g) {
    r.reason = "a delivery status notification without a valid Status";
    return;
  }
  r.status = status_code(field(*g, "status"));
  r.action = lower(field(*g, "action"));
  r.diagnostic = field(*g, "diagnostic-code");
  auto original = address_of(field(*g, "original-recipient"));
  r.recipient = original.empty() ? address_of(field(*g, "final-recipient")) : original;
  if (r.status[0] == '5')
    r.kind = dsn_class::hard;
  else if (r.status[0] == '4')
    r.kind = dsn_class::soft;
  else
    r.reason = "a delivery status notification of success (" + r.status + ", " + r.action + ")";
}

void classify_feedback(const findings& f, dsn_report& r) {
  r.status = lower(field(f.feedback, "feedback-type"));
  r.recipient = address_of(field(f.feedback, "original-rcpt-to"));
  if (r.status == "not-spam")
    r.reason = "a feedback report of type not-spam";
  else
    r.kind = dsn_class::complaint;
}

// A mail sent to LOCAL+TOKEN@DOMAIN (the unsubscribe mailto) names its token in one of these.
void classify_unsubscribe(GMimeMessage* m, const dsn_options& o, dsn_report& r) {
  if (o.unsubscribe_mailto.empty()) return;
  for (const char* name : {"X-Original-To", "Delivered-To", "Envelope-To", "X-Envelope-To", "To"}) {
    const char* v = g_mime_object_get_header(GMIME_OBJECT(m), name);
    if (!v) continue;
    std::string token = unsubscribe_token_of(o.unsubscribe_mailto, address_of(v));
    if (token.empty()) continue;
    r.unsubscribe_token = token;
    const char* from = g_mime_object_get_header(GMIME_OBJECT(m), "From");
    r.recipient = address_of(from ? from : "");
    if (o.signer) {
      auto claims = o.signer->verify(token, token_kind::unsubscribe);
      if (!claims) {
        r.reason = "a mail to the unsubscribe address with a token that is not valid";
        return;
      }
      r.message_id = claims->message_id;
    }
    r.kind = dsn_class::unsubscribe;
    return;
  }
}

}  // namespace

const char* to_string(dsn_class c) {
  switch (c) {
    case dsn_class::hard:
      return "hard";
    case dsn_class::soft:
      return "soft";
    case dsn_class::complaint:
      return "complaint";
    case dsn_class::unsubscribe:
      return "unsubscribe";
    case dsn_class::unmatched:
      return "unmatched";
  }
  return "unmatched";
}

dsn_report parse_dsn(std::string_view raw, const dsn_options& options) {
  dsn_report r;
  if (raw.size() > k_max_mail) {
    r.reason = "larger than 32 MiB";
    r.report_id = "sha256:" + sha256_hex(raw.substr(0, 1u << 20));
    return r;
  }
  r.report_id = "sha256:" + sha256_hex(raw);
  init_gmime();
  gptr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  gptr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  gptr<GMimeMessage> m(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!m) {
    r.reason = "not a mail message";
    return r;
  }
  if (const char* id = g_mime_message_get_message_id(m.get()); id && *id)
    r.report_id = std::string(id);
  if (GDateTime* d = g_mime_message_get_date(m.get()))
    r.date = static_cast<std::int64_t>(g_date_time_to_unix(d)) * 1'000'000;
  findings f;
  walk(g_mime_message_get_mime_part(m.get()), 0, f);
  if (!f.status_groups.empty())
    classify_dsn(f, r);
  else if (f.has_feedback)
    classify_feedback(f, r);
  else
    classify_unsubscribe(m.get(), options, r);
  if (r.kind == dsn_class::unsubscribe) return r;
  if (r.kind == dsn_class::unmatched) {
    if (r.reason.empty()) r.reason = "neither a delivery status notification nor a feedback report";
    return r;
  }
  r.original_message_id = f.message_id;
  if (r.recipient.empty()) r.recipient = f.to;
  if (is_hex_id(f.baton_id))
    r.message_id = f.baton_id;
  else if (auto at = f.message_id.find('@'); is_hex_id(f.message_id.substr(0, at)))
    r.message_id = f.message_id.substr(0, at);
  if (r.message_id.empty()) {
    r.reason = std::string("a ") + to_string(r.kind) +
               " report without X-Baton-Message-Id or Message-ID of ours in its returned headers";
    r.kind = dsn_class::unmatched;
  }
  return r;
}

result<std::vector<std::string>> mail_files(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (!fs::exists(st)) return make_error(errc::not_found, path, "no such file or directory");
  if (!fs::is_directory(st)) return std::vector<std::string>{path};
  std::vector<std::string> out;
  for (const fs::path& dir : {fs::path(path), fs::path(path) / "new", fs::path(path) / "cur"}) {
    if (!fs::is_directory(dir, ec)) continue;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->is_regular_file(ec)) out.push_back(it->path().string());
    if (ec) return make_error(errc::failed, dir.string(), "cannot read: " + ec.message());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace baton::channels
