// The frames a client sends to batond, read before CAF sees them: CAF 0.17's BASP wire format
// (a 32-byte big-endian header, then `payload_len` bytes) checked frame by frame against what a
// Baton client can legitimately send. Holds at most one frame, never more than its cap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace baton::guard {

// BASP (CAF 0.17, caf/io/basp/header.hpp): operation u8, two padding bytes, flags u8,
// payload_len u32, operation_data u64, source_actor u64, dest_actor u64, in network byte order.
inline constexpr std::size_t basp_header_size = 32;

enum class basp_op : std::uint8_t {
  server_handshake = 0,
  client_handshake = 1,
  direct_message = 2,
  routed_message = 3,
  monitor_message = 4,
  down_message = 5,
  heartbeat = 6,
};

struct basp_header {
  std::uint8_t operation = 0;
  std::uint8_t flags = 0;
  std::uint32_t payload_len = 0;
  std::uint64_t operation_data = 0;
  std::uint64_t source_actor = 0;
  std::uint64_t dest_actor = 0;
};

// Reads a header from its 32 wire bytes.
basp_header decode_basp_header(const std::uint8_t* bytes);
// Writes `h` as its 32 wire bytes at the end of `out` (tests, fuzz seeds).
void encode_basp_header(const basp_header& h, std::vector<std::uint8_t>& out);

// CAF 0.17 atoms (caf/atom.hpp) in node ids: "default" (a process id and a 20-byte host hash,
// the node ids CAF makes) and "" (no node).
inline constexpr std::uint64_t caf_atom_default = 0x3e9aab9bac79ULL;
inline constexpr std::uint64_t caf_atom_empty = 0xfULL;
// CAF's info exchange: right after the handshake each node asks the other's utility actor
// "SpawnServ" (a named receiver) for its info, and answers the other's question. Neither is
// part of the API and neither matters to a client: the reader drops both (the asking actors
// give up by themselves). Any other message to a named receiver is refused.
inline constexpr std::uint64_t caf_atom_spawn_serv = 0x3ddd66f3376adfbULL;
inline constexpr const char* caf_info_query = "@<>+@atom+@atom+@str";
inline constexpr const char* caf_info_answer = "@<>+@atom+@str+@strong_actor_ptr+@str";
inline constexpr std::uint8_t basp_named_receiver_flag = 0x01;
inline constexpr std::uint8_t basp_select_connection_flag = 0x02;

struct frame_rules {
  std::uint32_t max_payload = 4u << 20;  // engine.maxFrameBytes
  // The CAF type lists ("@<>+@atom+...") a client may send in a direct message: the published
  // interface's inputs (actors/api.hpp, api_message_types()).
  std::vector<std::string> message_types;
  // The exit-reason contexts a client may send in a down message ("@<>" = none).
  std::vector<std::string> down_contexts = {"@<>"};
};

// Reads the client-to-server byte stream of one connection. A frame is passed on whole, only
// once it has fully arrived and passed every check: a payload no larger than the cap, a header
// CAF would accept (caf::io::basp::valid, plus a payload where CAF dereferences one), an operation
// a client sends (a client handshake first, then direct, monitor and down messages and
// heartbeats), and a payload whose leading structure (node ids, the message's type list) is what
// the engine's API accepts. CAF's info exchange is taken and dropped. After a refusal the
// reader accepts nothing more.
class client_frame_reader {
 public:
  explicit client_frame_reader(const frame_rules& rules);

  // Takes `n` bytes just read from the client and appends every complete, accepted frame to
  // `out`. Returns "" while the stream is acceptable, otherwise why it is not (then the
  // connection must be dropped).
  std::string feed(const std::uint8_t* data, std::size_t n, std::vector<std::uint8_t>& out);

  bool handshake_done() const { return handshake_done_; }
  // The node id of the accepted client handshake as CAF 0.17 writes it (caf::to_string:
  // the host hash in upper-case hex, '#', the process id); "" before.
  const std::string& client_node() const { return client_node_; }
  const std::string& failure() const { return failure_; }
  // Bytes held of the frame being received (≤ 32 + the cap).
  std::size_t pending() const { return frame_.size(); }
  std::size_t capacity() const { return frame_.capacity(); }

 private:
  std::string check_header(const basp_header& h) const;
  std::string check_payload(const basp_header& h, bool& pass_on) const;
  std::size_t take(const std::uint8_t*& data, std::size_t& n, std::size_t want);

  const frame_rules& rules_;
  std::vector<std::uint8_t> frame_;  // the frame being received: header, then payload
  basp_header header_;
  bool have_header_ = false;
  bool handshake_done_ = false;
  std::string client_node_;
  std::string failure_;
};

}  // namespace baton::guard
