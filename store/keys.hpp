// Key and value layouts of the event store's column families (documented for operators in
// docs/operations.md). Big-endian sequences so RocksDB's byte order is numeric order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace baton::keys {

inline void put_be64(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

inline std::uint64_t get_be64(std::string_view s, std::size_t at = 0) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// log: global sequence -> Envelope message.
inline std::string log_key(std::uint64_t global_seq) {
  std::string k;
  k.reserve(8);
  put_be64(k, global_seq);
  return k;
}

// streams: stream + 0x00 + stream sequence -> global sequence (8 bytes). The separator keeps a
// prefix scan of stream "a" from returning stream "ab".
inline std::string stream_prefix(std::string_view stream) {
  std::string k(stream);
  k += '\0';
  return k;
}

inline std::string stream_key(std::string_view stream, std::uint64_t seq) {
  std::string k = stream_prefix(stream);
  put_be64(k, seq);
  return k;
}

// heads: stream -> version (8 bytes) + global sequence of its last event (8 bytes).
inline std::string head_value(std::uint64_t version, std::uint64_t last_global) {
  std::string v;
  v.reserve(16);
  put_be64(v, version);
  put_be64(v, last_global);
  return v;
}

// meta keys.
inline constexpr std::string_view meta_format = "format";
inline constexpr std::string_view meta_chain_head = "chain_head";  // seq (8) + hash (32)
inline std::string meta_command(std::string_view command_id) {
  return "cmd/" + std::string(command_id);
}

}  // namespace baton::keys
