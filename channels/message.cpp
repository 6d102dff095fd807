#include "channels/message.hpp"

#include "model/problem.hpp"

#include <openssl/evp.h>

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
  std::string buf = "baton-message-v1";
  put_part(buf, campaign);
  put_part(buf, std::to_string(run));
  put_part(buf, activity);
  auto send = sha256_hex(buf, 4);  // the same for every message of this send
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

std::string json_line(const message& m) {
  if (!m.line.empty()) return m.line;
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
