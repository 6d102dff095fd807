// Signed tokens for the public tracking paths /t/c, /t/o, /t/u, /t/v (INTERFACES.md §9): a
// compact binary payload (format version, path kind, message id, link index for clicks) followed
// by its HMAC-SHA256 (first 16 bytes), in unpadded base64url. A token names a message, never an
// address or the key; verify() accepts it only for the kind it was made for, in constant time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "events/result.hpp"

namespace baton::channels {

enum class token_kind : std::uint8_t { click = 1, open = 2, unsubscribe = 3, view = 4 };

// The path letter of a kind: "c", "o", "u", "v" (/t/<letter>/TOKEN).
const char* path_letter(token_kind k);

struct token_claims {
  token_kind kind = token_kind::open;
  std::string message_id;  // 32 lowercase hex digits (make_message_id)
  std::uint32_t link = 0;  // clicks: the index in the message's link table; 0 otherwise
  bool operator==(const token_claims&) const = default;
};

// Makes and checks tokens with one secret (config `tracking.secret`). Copyable, thread-safe.
class token_signer {
 public:
  // The secret as hex, at least 32 bytes (64 hex digits); errc::validation otherwise.
  static result<token_signer> from_hex(std::string_view secret_hex);

  // A token for `message_id` (32 hex digits, as make_message_id gives). `link` only for clicks
  // (0..65535); errc::validation for another id form or a link index out of range.
  result<std::string> make(token_kind kind, std::string_view message_id,
                           std::uint32_t link = 0) const;

  // The claims of `token` when it was made by this secret for `expected`; nullopt for anything
  // else (another kind, a changed or truncated token, padding, non-canonical base64url, another
  // key). Never throws; reads at most the token's bytes; the MAC comparison is constant-time.
  std::optional<token_claims> verify(std::string_view token, token_kind expected) const;

 private:
  explicit token_signer(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

// 32 random bytes (OpenSSL's RAND_bytes) as 64 lowercase hex digits: a new `tracking.secret`.
std::string generate_tracking_secret();

// HMAC-SHA256 of `data` under `key`, 32 raw bytes (tokens; provider webhook signatures).
std::string hmac_sha256(std::string_view key, std::string_view data);

// Constant-time equality of two byte strings of the same length (false when lengths differ).
bool equal_constant_time(std::string_view a, std::string_view b);

// Unpadded base64url (RFC 4648 §5) and its strict inverse: nullopt for characters outside the
// alphabet, padding, an impossible length or non-zero unused bits (so one byte string has one
// encoding only).
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace baton::channels
