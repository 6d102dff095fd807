// Key and value layouts of the event store's column families (documented for operators in
// docs/operations.md). Big-endian sequences so RocksDB's byte order is numeric order.
#pragma once

#include <cstdint>
#include <optional>
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

// streams: stream + 0x00 + first stream sequence -> the global sequence of that event (8
// bytes), then, when one append wrote several events to the stream, their count (8 bytes): the
// stream's events first..first+count-1 are the log's global..global+count-1 (an append's events
// have consecutive sequences in both). One entry per appended range, not per event. The
// separator keeps a prefix scan of stream "a" from returning stream "ab".
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

struct index_range {
  std::uint64_t first_global = 0, count = 0;
};

inline std::string index_value(std::uint64_t first_global, std::uint64_t count) {
  std::string v;
  v.reserve(16);
  put_be64(v, first_global);
  if (count != 1) put_be64(v, count);
  return v;
}

// The range a stream index value describes; nullopt when it is malformed.
inline std::optional<index_range> parse_index_value(std::string_view v) {
  if (v.size() == 8) return index_range{get_be64(v), 1};
  if (v.size() == 16 && get_be64(v, 8) > 0) return index_range{get_be64(v), get_be64(v, 8)};
  return std::nullopt;
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
