#include "channels/tracking_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace baton::channels {

namespace {

constexpr std::uint8_t k_version = 1;
constexpr std::size_t k_id_bytes = 16;          // a message id: 32 hex digits
constexpr std::size_t k_mac_bytes = 16;         // HMAC-SHA256 truncated to 128 bits
constexpr std::size_t k_head = 2 + k_id_bytes;  // version, kind, id
constexpr std::size_t k_link_bytes = 2;         // clicks only, big-endian
constexpr std::size_t k_max_token_chars = 64;   // longer input is refused before decoding

const char* k_b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const char* k_hex = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> hex_decode(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

int b64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

bool valid_kind(std::uint8_t k) {
  return k >= static_cast<std::uint8_t>(token_kind::click) &&
         k <= static_cast<std::uint8_t>(token_kind::view);
}

}  // namespace

const char* path_letter(token_kind k) {
  switch (k) {
    case token_kind::click:
      return "c";
    case token_kind::open:
      return "o";
    case token_kind::unsubscribe:
      return "u";
    case token_kind::view:
      return "v";
  }
  return "?";
}

std::string base64url_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  std::size_t i = 0;
  auto byte = [&](std::size_t at) {
    return static_cast<unsigned>(static_cast<unsigned char>(in[at]));
  };
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int s : {18, 12, 6, 0}) out.push_back(k_b64url[(v >> s) & 63]);
  }
  if (i + 1 == in.size()) {
    unsigned v = byte(i) << 16;
    out.push_back(k_b64url[(v >> 18) & 63]);
    out.push_back(k_b64url[(v >> 12) & 63]);
  } else if (i + 2 == in.size()) {
    unsigned v = byte(i) << 16 | byte(i + 1) << 8;
    for (int s : {18, 12, 6}) out.push_back(k_b64url[(v >> s) & 63]);
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;  // no byte count encodes to that length
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = b64url_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6 | static_cast<unsigned>(v)) & 0xFFFFFF;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // non-canonical tail
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string generate_tracking_secret() {
  unsigned char buf[32];
  if (RAND_bytes(buf, sizeof buf) != 1) return std::string();
  std::string out;
  for (unsigned char b : buf) {
    out.push_back(k_hex[b >> 4]);
    out.push_back(k_hex[b & 15]);
  }
  return out;
}

result<token_signer> token_signer::from_hex(std::string_view secret_hex) {
  auto key = hex_decode(secret_hex);
  if (!key || key->size() < 32)
    return make_error(errc::validation, "tracking.secret",
                      "expected at least 64 hex digits (32 random bytes; `batonctl init` "
                      "generates one)");
  return token_signer(std::move(*key));
}

result<std::string> token_signer::make(token_kind kind, std::string_view message_id,
                                       std::uint32_t link) const {
  bool lower_hex = message_id.size() == 2 * k_id_bytes;
  for (char c : message_id) lower_hex = lower_hex && hex_value(c) >= 0 && !(c >= 'A' && c <= 'F');
  auto id = lower_hex ? hex_decode(message_id) : std::nullopt;
  if (!id)
    return make_error(
        errc::validation, "message_id",
        "a tracked message id must be 32 hex digits, got `" + std::string(message_id) + "`");
  if (kind != token_kind::click && link != 0)
    return make_error(errc::validation, "link", "only click tokens carry a link index");
  if (link > 0xFFFF) return make_error(errc::validation, "link", "more than 65536 links");
  std::string payload;
  payload.push_back(static_cast<char>(k_version));
  payload.push_back(static_cast<char>(kind));
  payload += *id;
  if (kind == token_kind::click) {
    payload.push_back(static_cast<char>(link >> 8));
    payload.push_back(static_cast<char>(link & 0xFF));
  }
  return base64url_encode(payload + hmac_sha256(key_, payload).substr(0, k_mac_bytes));
}

std::optional<token_claims> token_signer::verify(std::string_view token,
                                                 token_kind expected) const {
  if (token.size() > k_max_token_chars) return std::nullopt;
  auto raw = base64url_decode(token);
  std::size_t want = k_head + (expected == token_kind::click ? k_link_bytes : 0) + k_mac_bytes;
  if (!raw || raw->size() != want) return std::nullopt;
  std::string_view bytes(*raw);
  auto payload = bytes.substr(0, want - k_mac_bytes);
  auto mac = bytes.substr(want - k_mac_bytes);
  if (!equal_constant_time(mac,
                           std::string_view(hmac_sha256(key_, payload)).substr(0, k_mac_bytes)))
    return std::nullopt;
  auto kind = static_cast<std::uint8_t>(payload[1]);
  if (static_cast<std::uint8_t>(payload[0]) != k_version || !valid_kind(kind) ||
      kind != static_cast<std::uint8_t>(expected))
    return std::nullopt;
  token_claims c;
  c.kind = expected;
  for (std::size_t i = 2; i < k_head; ++i) {
    auto b = static_cast<unsigned char>(payload[i]);
    c.message_id.push_back(k_hex[b >> 4]);
    c.message_id.push_back(k_hex[b & 15]);
  }
  if (expected == token_kind::click)
    c.link = static_cast<std::uint32_t>(static_cast<unsigned char>(payload[k_head]) << 8 |
                                        static_cast<unsigned char>(payload[k_head + 1]));
  return c;
}

}  // namespace baton::channels
