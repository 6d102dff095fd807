// libFuzzer target: the tracking token parser. Any input to token_signer::verify is refused
// unless it is a token the signer made (valid bytes are re-made and must round-trip), never a
// crash; base64url decoding is strict (decode(encode(x)) == x, encode(decode(t)) == t).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "channels/tracking_token.hpp"

using namespace baton::channels;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const token_signer signer = *token_signer::from_hex(std::string(64, 'a'));
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto kind :
       {token_kind::click, token_kind::open, token_kind::unsubscribe, token_kind::view}) {
    auto claims = signer.verify(text, kind);
    if (!claims) continue;
    // Accepted: it must be exactly the token the signer makes for those claims.
    auto again = signer.make(claims->kind, claims->message_id, claims->link);
    if (!again || *again != text) std::abort();
  }
  if (auto bytes = base64url_decode(text); bytes && base64url_encode(*bytes) != text) std::abort();
  if (base64url_decode(base64url_encode(text)) != std::string(text)) std::abort();
  return 0;
}
