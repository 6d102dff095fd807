#include "channels/message.hpp"

#include "model/problem.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <optional>
#include <tuple>

namespace baton::channels {

namespace {

void put_part(std::string& buf, std::string_view s) {
  std::uint64_t n = s.size();
  for (int i = 0; i < 8; ++i) buf.push_back(static_cast<char>(n >> (8 * i)));
  buf.append(s);
}

// The first `bytes` bytes of SHA-256(data) as lowercase hex.
std::string sha256_hex(const std::string& data, int bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < bytes; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

}  // namespace

std::string make_message_id(std::string_view campaign, std::uint32_t run, std::string_view activity,
                            std::string_view recipient) {
  // The send's part is the same for every message of a send: hashed once per thread and send.
  thread_local std::string last_buf, last_send;
  std::string buf = "baton-message-v1";
  put_part(buf, campaign);
  put_part(buf, std::to_string(run));
  put_part(buf, activity);
  if (buf != last_buf) {
    last_send = sha256_hex(buf, 4);
    last_buf = buf;
  }
  auto send = last_send;
  put_part(buf, recipient);
  return send + sha256_hex(buf, 12);
}

nlohmann::json to_json(const message& m) {
  nlohmann::json j = {
      {"message_id", m.message_id}, {"campaign", m.campaign},          {"run", m.run},
      {"activity", m.activity},     {"channel", to_string(m.channel)}, {"recipient", m.recipient},
      {"address", m.address}};
  switch (m.channel) {
    case baton::channel::email: {
      j["subject"] = m.subject;
      j["body"] = m.body;
      auto& h = j["headers"] = nlohmann::json::object();
      for (const auto& [name, value] : m.headers) h[name] = value;
      break;
    }
    case baton::channel::sms:
      j["text"] = m.text;
      break;
    case baton::channel::push:
      j["title"] = m.title;
      j["body"] = m.body;
      break;
  }
  if (!m.from.empty()) j["from"] = m.from;
  if (!m.html.empty()) j["html"] = m.html;
  if (m.proof) j["proof"] = true;
  return j;
}

bool message::operator==(const message& o) const {
  auto value = [](const message& m) {
    return std::tie(m.message_id, m.campaign, m.run, m.activity, m.channel, m.recipient, m.address,
                    m.from, m.subject, m.body, m.text, m.title, m.html, m.headers, m.links,
                    m.proof);
  };
  return value(*this) == value(o);
}

namespace {

// Whether `s` is well-formed UTF-8 (Unicode table 3-7: no overlong forms, no surrogates, nothing
// above U+10FFFF, no sequence cut short) — exactly what nlohmann's decoder accepts.
bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
      n = 1;
    else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (end - p <= n) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (int i = 2; i <= n; ++i)
      if (p[i] < 0x80 || p[i] > 0xBF) return false;
    p += n + 1;
  }
  return true;
}

// `s` as a JSON string the way nlohmann's dump writes valid UTF-8 with ensure_ascii off: the
// two-character escapes, other control characters as 6-character escapes (u00xx), everything else
// as it is.
void put_string(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  std::size_t plain = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += "\\u00";
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 15]);
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out.push_back('"');
}

void put_member(std::string& out, std::string_view key, std::string_view value) {
  out.push_back(out.size() > 1 ? ',' : '{');
  put_string(out, key);
  out.push_back(':');
  put_string(out, value);
}

// The line of to_json(m).dump() written directly: the members in the order of nlohmann's
// object (sorted by name), without building a DOM per message. Nullopt when a string is not
// valid UTF-8 (dump's replacement characters decide then).
std::optional<std::string> direct_line(const message& m) {
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  for (const auto& [name, value] : m.headers) headers.emplace_back(name, value);
  // As in an object: sorted by name, the last of equal names wins.
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i + 1 < headers.size();)
    if (headers[i].first == headers[i + 1].first)
      headers.erase(headers.begin() + static_cast<std::ptrdiff_t>(i));
    else
      ++i;
  for (std::string_view s :
       {std::string_view(m.message_id), std::string_view(m.campaign), std::string_view(m.activity),
        std::string_view(m.recipient), std::string_view(m.address), std::string_view(m.from),
        std::string_view(m.html)})
    if (!valid_utf8(s)) return std::nullopt;
  for (const auto& [name, value] : headers)
    if (!valid_utf8(name) || !valid_utf8(value)) return std::nullopt;
  const bool email = m.channel == baton::channel::email;
  const bool sms = m.channel == baton::channel::sms;
  const bool push = m.channel == baton::channel::push;
  if ((email || push) && !valid_utf8(m.body)) return std::nullopt;
  if ((email && !valid_utf8(m.subject)) || (sms && !valid_utf8(m.text)) ||
      (push && !valid_utf8(m.title)))
    return std::nullopt;
  std::string out;
  out.reserve(160 + m.subject.size() + m.body.size() + m.html.size() + m.text.size() +
              m.title.size() + m.address.size() + m.from.size());
  put_member(out, "activity", m.activity);
  put_member(out, "address", m.address);
  if (email || push) put_member(out, "body", m.body);
  put_member(out, "campaign", m.campaign);
  put_member(out, "channel", to_string(m.channel));
  if (!m.from.empty()) put_member(out, "from", m.from);
  if (email) {
    out += ",\"headers\":{";
    for (std::size_t i = 0; i < headers.size(); ++i) {
      if (i) out.push_back(',');
      put_string(out, headers[i].first);
      out.push_back(':');
      put_string(out, headers[i].second);
    }
    out.push_back('}');
  }
  if (!m.html.empty()) put_member(out, "html", m.html);
  put_member(out, "message_id", m.message_id);
  if (m.proof) out += ",\"proof\":true";
  put_member(out, "recipient", m.recipient);
  out += ",\"run\":" + std::to_string(m.run);
  if (email) put_member(out, "subject", m.subject);
  if (sms) put_member(out, "text", m.text);
  if (push) put_member(out, "title", m.title);
  out.push_back('}');
  return out;
}

}  // namespace

std::string json_line(const message& m) {
  if (!m.line.empty()) return m.line;
  if (auto line = direct_line(m)) return std::move(*line);
  return to_json(m).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

result<message> message_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return make_error(errc::validation, "", "a message must be a JSON object");
  message m;
  auto text = [&](const char* key, std::string& out, bool required) -> bool {
    auto it = j.find(key);
    if (it == j.end()) return !required;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  for (auto [key, field] : {std::pair{"message_id", &m.message_id},
                            {"campaign", &m.campaign},
                            {"activity", &m.activity},
                            {"recipient", &m.recipient},
                            {"address", &m.address}})
    if (!text(key, *field, true))
      return make_error(errc::validation, std::string("/") + key, "expected a string");
  auto run = j.find("run");
  if (run == j.end() || !run->is_number_unsigned() || run->get<std::uint64_t>() > UINT32_MAX)
    return make_error(errc::validation, "/run", "expected a run number");
  m.run = run->get<std::uint32_t>();
  auto ch = j.find("channel");
  std::optional<baton::channel> parsed;
  if (ch != j.end() && ch->is_string()) parsed = channel_from_string(ch->get<std::string>());
  if (!parsed) return make_error(errc::validation, "/channel", "expected email, sms or push");
  m.channel = *parsed;
  for (auto [key, field] : {std::pair{"subject", &m.subject},
                            {"body", &m.body},
                            {"text", &m.text},
                            {"title", &m.title},
                            {"from", &m.from}})
    if (!text(key, *field, false))
      return make_error(errc::validation, std::string("/") + key, "expected a string");
  if (auto h = j.find("html"); h != j.end()) {
    if (h->is_boolean() && h->get<bool>()) {  // the older form: the body was the HTML
      m.html = std::move(m.body);
      m.body.clear();
    } else if (h->is_string()) {
      m.html = h->get<std::string>();
    } else if (!h->is_boolean()) {
      return make_error(errc::validation, "/html", "expected a string");
    }
  }
  if (auto p = j.find("proof"); p != j.end()) {
    if (!p->is_boolean()) return make_error(errc::validation, "/proof", "expected a boolean");
    m.proof = p->get<bool>();
  }
  if (auto h = j.find("headers"); h != j.end()) {
    if (!h->is_object()) return make_error(errc::validation, "/headers", "expected an object");
    for (const auto& [name, value] : h->items()) {
      if (!value.is_string())
        return make_error(errc::validation, pointer_append("/headers", name), "expected a string");
      m.headers.emplace_back(name, value.get<std::string>());
    }
  }
  return m;
}

}  // namespace baton::channels
