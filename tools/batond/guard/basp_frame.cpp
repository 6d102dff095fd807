#include "tools/batond/guard/basp_frame.hpp"

#include <algorithm>
#include <string_view>

namespace baton::guard {

namespace {

std::uint64_t read_be(const std::uint8_t* p, int bytes) {
  std::uint64_t x = 0;
  for (int i = 0; i < bytes; ++i) x = (x << 8) | p[i];
  return x;
}

void write_be(std::uint64_t x, int bytes, std::vector<std::uint8_t>& out) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}

// Reads CAF 0.17's binary serialization (caf/binary_deserializer.hpp) without trusting it:
// every read is bounds-checked and says whether it succeeded.
struct cursor {
  const std::uint8_t* p;
  const std::uint8_t* end;

  bool integer(std::uint64_t& x, int bytes) {
    if (end - p < bytes) return false;
    x = read_be(p, bytes);
    p += bytes;
    return true;
  }
  // A sequence size: 7 bits a byte, low bits first, at most 5 bytes for 32 bits.
  bool varbyte(std::uint32_t& x) {
    x = 0;
    for (int n = 0; n < 5; ++n) {
      if (p == end) return false;
      std::uint8_t b = *p++;
      x |= static_cast<std::uint32_t>(b & 0x7f) << (7 * n);
      if ((b & 0x80) == 0) return n < 4 || (b & 0x70) == 0;
    }
    return false;
  }
  bool string(std::string_view& s) {
    std::uint32_t len = 0;
    if (!varbyte(len) || static_cast<std::size_t>(end - p) < len) return false;
    s = std::string_view(reinterpret_cast<const char*>(p), len);
    p += len;
    return true;
  }
  bool at_end() const { return p == end; }
};

// A node id (caf/node_id.hpp): atom "default", a process id and a 20-byte host hash that is not
// all zeros (what CAF makes), or atom "" for no node when `allow_none`.
const char* read_node_id(cursor& c, bool allow_none) {
  std::uint64_t kind = 0, pid = 0;
  if (!c.integer(kind, 8)) return "truncated node id";
  if (kind == caf_atom_empty && allow_none) return nullptr;
  if (kind != caf_atom_default) return "node id of an unknown kind";
  if (!c.integer(pid, 4) || c.end - c.p < 20) return "truncated node id";
  bool zero = std::all_of(c.p, c.p + 20, [](std::uint8_t b) { return b == 0; });
  c.p += 20;
  return zero ? "node id without a host" : nullptr;
}

// The text of a node id that read_node_id accepted (kind, process id, host hash).
std::string node_text(const std::uint8_t* p) {
  static const char digits[] = "0123456789ABCDEF";
  std::string out;
  for (int i = 12; i < 32; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 0xf];
  }
  return out + "#" + std::to_string(read_be(p + 8, 4));
}

bool listed(const std::vector<std::string>& allowed, std::string_view name) {
  return std::find(allowed.begin(), allowed.end(), name) != allowed.end();
}

// A message (caf/message.cpp): a zero u16, then the type list "@<>+T1+T2...". Returns the list.
const char* read_message_types(cursor& c, std::string_view& types) {
  std::uint64_t zero = 1;
  if (!c.integer(zero, 2) || !c.string(types)) return "truncated message";
  return zero == 0 ? nullptr : "message of an unknown encoding";
}

std::string op_name(std::uint8_t op) {
  static const char* names[] = {"server handshake", "client handshake", "direct message",
                                "routed message",   "monitor message",  "down message",
                                "heartbeat"};
  return op < 7 ? names[op] : "operation " + std::to_string(op);
}

}  // namespace

basp_header decode_basp_header(const std::uint8_t* b) {
  basp_header h;
  h.operation = b[0];
  h.flags = b[3];
  h.payload_len = static_cast<std::uint32_t>(read_be(b + 4, 4));
  h.operation_data = read_be(b + 8, 8);
  h.source_actor = read_be(b + 16, 8);
  h.dest_actor = read_be(b + 24, 8);
  return h;
}

void encode_basp_header(const basp_header& h, std::vector<std::uint8_t>& out) {
  out.push_back(h.operation);
  out.push_back(0);
  out.push_back(0);
  out.push_back(h.flags);
  write_be(h.payload_len, 4, out);
  write_be(h.operation_data, 8, out);
  write_be(h.source_actor, 8, out);
  write_be(h.dest_actor, 8, out);
}

client_frame_reader::client_frame_reader(const frame_rules& rules) : rules_(rules) {}

std::string client_frame_reader::check_header(const basp_header& h) const {
  if (h.payload_len > rules_.max_payload)
    return "a frame of " + std::to_string(h.payload_len) + " bytes is over the cap of " +
           std::to_string(rules_.max_payload) + " (engine.maxFrameBytes)";
  auto op = static_cast<basp_op>(h.operation);
  if (!handshake_done_ && op != basp_op::client_handshake)
    return "a " + op_name(h.operation) + " before the client handshake";
  bool ok = false;
  switch (op) {
    case basp_op::client_handshake:
      ok = (h.flags & ~basp_select_connection_flag) == 0 && h.source_actor == 0 &&
           h.dest_actor == 0 && h.payload_len != 0;  // CAF dereferences the payload
      break;
    case basp_op::direct_message:  // to an actor by id, or CAF's info query
      if (h.flags == basp_named_receiver_flag && h.dest_actor != caf_atom_spawn_serv)
        return "a direct message to a named CAF actor";
      ok = (h.flags & ~basp_named_receiver_flag) == 0 && h.dest_actor != 0 && h.payload_len != 0;
      break;
    case basp_op::monitor_message:
      ok = h.flags == 0 && h.payload_len != 0 && h.operation_data == 0;
      break;
    case basp_op::down_message:
      ok = h.flags == 0 && h.source_actor != 0 && h.dest_actor == 0 && h.payload_len != 0 &&
           h.operation_data == 0;
      break;
    case basp_op::heartbeat:
      ok = h.flags == 0 && h.source_actor == 0 && h.dest_actor == 0 && h.payload_len == 0 &&
           h.operation_data == 0;
      break;
    default:  // server handshakes and routed messages never come from a client
      return "a " + op_name(h.operation) + " from a client";
  }
  return ok ? "" : "a malformed " + op_name(h.operation) + " header";
}

std::string client_frame_reader::check_payload(const basp_header& h, bool& pass_on) const {
  cursor c{frame_.data() + basp_header_size, frame_.data() + frame_.size()};
  pass_on = true;
  const char* bad = nullptr;
  switch (static_cast<basp_op>(h.operation)) {
    case basp_op::client_handshake:  // the client's node id
      bad = read_node_id(c, false);
      break;
    case basp_op::direct_message: {  // forwarding stack (empty), then the message
      std::uint32_t stages = 1;
      std::string_view types;
      if (!c.varbyte(stages) || stages != 0) return "a direct message with a forwarding stack";
      if ((bad = read_message_types(c, types))) break;
      bool named = h.flags & basp_named_receiver_flag;
      if (named && types != caf_info_query) return "a direct message to a named CAF actor";
      if (named || types == caf_info_answer) {
        pass_on = false;
        return "";
      }
      if (!listed(rules_.message_types, types))
        return "a direct message of types the API does not accept: " +
               std::string(types.substr(0, 120));
      return "";  // the values: CAF reads them with bounds checks (the listed types are safe)
    }
    case basp_op::monitor_message:  // source node, destination node
      if (!(bad = read_node_id(c, true))) bad = read_node_id(c, true);
      break;
    case basp_op::down_message: {  // source node, destination node, exit reason
      std::uint64_t code = 0, category = 0;
      std::string_view context;
      if (!(bad = read_node_id(c, true))) bad = read_node_id(c, true);
      if (bad) break;
      if (!c.integer(code, 1) || !c.integer(category, 8)) return "a truncated down message";
      if ((bad = read_message_types(c, context))) break;
      if (!listed(rules_.down_contexts, context))
        return "a down message whose reason carries " + std::string(context.substr(0, 120));
      break;
    }
    default:
      return "";
  }
  if (bad) return std::string("a ") + op_name(h.operation) + ": " + bad;
  if (!c.at_end()) return "a " + op_name(h.operation) + " with trailing bytes";
  return "";
}

std::size_t client_frame_reader::take(const std::uint8_t*& data, std::size_t& n, std::size_t want) {
  std::size_t k = std::min(n, want - frame_.size());
  // Memory follows the bytes that arrived (at most twice as many), never the announced length.
  if (frame_.size() + k > frame_.capacity())
    frame_.reserve(std::min(want, std::max(frame_.size() + k, 2 * frame_.capacity())));
  frame_.insert(frame_.end(), data, data + k);
  data += k;
  n -= k;
  return k;
}

std::string client_frame_reader::feed(const std::uint8_t* data, std::size_t n,
                                      std::vector<std::uint8_t>& out) {
  if (!failure_.empty()) return failure_;
  while (n > 0) {
    if (!have_header_) {
      take(data, n, basp_header_size);
      if (frame_.size() < basp_header_size) break;
      header_ = decode_basp_header(frame_.data());
      failure_ = check_header(header_);
      if (!failure_.empty()) break;
      have_header_ = true;
    }
    take(data, n, basp_header_size + header_.payload_len);
    if (frame_.size() < basp_header_size + header_.payload_len) break;
    bool pass_on = true;
    failure_ = check_payload(header_, pass_on);
    if (!failure_.empty()) break;
    if (static_cast<basp_op>(header_.operation) == basp_op::client_handshake) {
      handshake_done_ = true;
      client_node_ = node_text(frame_.data() + basp_header_size);
    }
    if (pass_on) out.insert(out.end(), frame_.begin(), frame_.end());
    frame_.clear();
    if (frame_.capacity() > (64u << 10)) frame_.shrink_to_fit();  // give a big frame's memory back
    have_header_ = false;
  }
  if (!failure_.empty()) {
    frame_.clear();
    frame_.shrink_to_fit();
  }
  return failure_;
}

}  // namespace baton::guard
