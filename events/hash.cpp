#include "events/hash.hpp"

#include <openssl/sha.h>

// SHA256_* is deprecated in OpenSSL 3 in favour of EVP, but is the same code without the
// per-call dispatch, and this runs for every event appended and verified.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace baton {

namespace {

void put_u64(SHA256_CTX& c, std::uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
  SHA256_Update(&c, b, 8);
}

void put_text(SHA256_CTX& c, const std::string& s) {
  put_u64(c, s.size());
  SHA256_Update(&c, s.data(), s.size());
}

}  // namespace

event_hash record_hash(const event& e) {
  SHA256_CTX c;
  SHA256_Init(&c);
  SHA256_Update(&c, e.prev_hash.data(), e.prev_hash.size());
  put_u64(c, e.global_seq);
  put_u64(c, e.stream_seq);
  put_u64(c, static_cast<std::uint64_t>(e.time));
  put_u64(c, (std::uint64_t{e.type} << 16) | e.version);
  put_text(c, e.stream);
  put_text(c, e.actor);
  put_text(c, e.command_id);
  put_text(c, e.correlation_id);
  put_text(c, e.causation_id);
  put_text(c, e.payload);
  event_hash out;
  SHA256_Final(out.data(), &c);
  return out;
}

}  // namespace baton
