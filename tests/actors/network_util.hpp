// Raw sockets against batond's API port, for the hostile-network tests: a blocking TCP socket
// with bounded waits, VmRSS of a process, and a peer that speaks CAF 0.17's BASP by hand (its
// payloads serialized by CAF itself) to send well-formed, truncated, oversized and wrong frames.
// Thread-safe: many attackers share one wire_peer. Waits poll with a deadline.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/api.hpp"

namespace baton::testing {

using bytes = std::vector<std::uint8_t>;

inline bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A BASP header (caf/io/basp/header.hpp) in network byte order.
inline bytes basp_header(std::uint8_t op, std::uint8_t flags, std::uint32_t len,
                         std::uint64_t data = 0, std::uint64_t src = 0, std::uint64_t dst = 0) {
  bytes out{op, 0, 0, flags};
  auto put = [&](std::uint64_t x, int n) {
    for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
  };
  put(len, 4);
  put(data, 8);
  put(src, 8);
  put(dst, 8);
  return out;
}

inline std::uint64_t caf_request_id(std::uint64_t n) {
  return caf::make_message_id(n).integer_value();
}

inline long vm_rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

class raw_socket {
 public:
  explicit raw_socket(const std::string& address) {
    auto colon = address.rfind(':');
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1))));
    ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &a.sin_addr);
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~raw_socket() { ::close(fd_); }
  raw_socket(const raw_socket&) = delete;
  raw_socket& operator=(const raw_socket&) = delete;

  bool connected() const { return connected_; }
  std::uint16_t local_port() const {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
  }
  // False when the peer has closed (or reset) the connection.
  bool send_all(const bytes& b) {
    for (std::size_t at = 0; at < b.size();) {
      auto n = ::send(fd_, b.data() + at, b.size() - at, MSG_NOSIGNAL);
      if (n <= 0) return false;
      at += static_cast<std::size_t>(n);
    }
    return true;
  }
  // Exactly n bytes within `timeout`; false on close or timeout.
  bool read_exact(bytes& out, std::size_t n, std::chrono::milliseconds timeout) {
    out.resize(n);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (std::size_t at = 0; at < n;) {
      if (!readable_before(deadline)) return false;
      auto k = ::recv(fd_, out.data() + at, n - at, 0);
      if (k <= 0) return false;
      at += static_cast<std::size_t>(k);
    }
    return true;
  }
  // True when the peer closes (EOF or reset) within `timeout`; what it sends is skipped.
  bool closed_within(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::uint8_t buf[4096];
    while (readable_before(deadline)) {
      auto k = ::recv(fd_, buf, sizeof buf, 0);
      if (k <= 0) return true;
    }
    return false;
  }

 private:
  bool readable_before(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
  }
  int fd_ = -1;
  bool connected_ = false;
};

// What a hostile connection met: batond closed it (expected of every hostile kind), or not.
enum class attack_outcome { closed_by_batond, kept_open };
inline constexpr int attack_kinds = 10;
// Kinds 7 and 9 send frames of the API's own types (garbage values, an unknown verb): CAF reads
// and answers or drops them, and the connection may stay.
inline bool polite_attack(int kind) {
  return kind == 7 || kind == 9;
}

class wire_peer {
 public:
  wire_peer() {
    register_api_types(cfg_);
    cfg_.set("logger.verbosity", caf::atom("quiet"));
    sys_ = std::make_unique<caf::actor_system>(cfg_);
  }

  template <class... Ts>
  bytes serialize(Ts&&... xs) {
    std::vector<char> buf;
    caf::binary_serializer sink{*sys_, buf};
    if (sink(std::forward<Ts>(xs)...)) return {};
    return bytes(buf.begin(), buf.end());
  }
  bytes frame(std::uint8_t op, std::uint8_t flags, std::uint64_t data, std::uint64_t src,
              std::uint64_t dst, const bytes& payload) {
    return cat({basp_header(op, flags, static_cast<std::uint32_t>(payload.size()), data, src, dst),
                payload});
  }
  // A client handshake from a node of our own making (a fresh host hash each time).
  bytes handshake_frame() {
    caf::node_id::default_data::host_id_type host;
    std::uint32_t pid = 0;
    {
      std::lock_guard<std::mutex> lock(rng_mutex_);
      for (auto& b : host) b = static_cast<std::uint8_t>(rng_() | 1);
      pid = static_cast<std::uint32_t>(rng_());
    }
    return frame(1, 0, 0, 0, 0, serialize(caf::make_node_id(pid, host)));
  }
  // Reads CAF's server handshake; the published actor's id, 0 if the connection closed first.
  std::uint64_t read_server_handshake(raw_socket& s) {
    bytes h, payload;
    if (!s.read_exact(h, 32, std::chrono::seconds(10))) return 0;
    std::uint32_t len = (h[4] << 24) | (h[5] << 16) | (h[6] << 8) | h[7];
    if (h[0] != 0 || !s.read_exact(payload, len, std::chrono::seconds(10))) return 0;
    std::vector<char> buf(payload.begin(), payload.end());
    caf::binary_deserializer source{*sys_, buf};
    caf::node_id node;
    std::vector<std::string> app_ids;
    caf::actor_id aid = 0;
    std::set<std::string> sigs;
    return source(node, app_ids, aid, sigs) ? 0 : aid;
  }
  // Both handshakes; the API actor's id (0: refused).
  std::uint64_t handshake(raw_socket& s) {
    auto aid = read_server_handshake(s);
    return aid != 0 && s.send_all(handshake_frame()) ? aid : 0;
  }
  // A request to the API, as a CAF client sends it.
  bytes command(std::uint64_t api, std::uint64_t n, const api_command& c) {
    std::vector<caf::strong_actor_ptr> stages;
    return frame(2, 0, caf_request_id(n), 5, api,
                 serialize(stages, caf::make_message(command_atom::value, c)));
  }
  // A direct message whose payload is the type list `types`, then `rest`.
  static bytes direct_raw(std::uint64_t api, const std::string& types, const bytes& rest) {
    bytes payload{0, 0, 0, static_cast<std::uint8_t>(types.size())};
    payload.insert(payload.end(), types.begin(), types.end());
    payload.insert(payload.end(), rest.begin(), rest.end());
    return cat(
        {basp_header(2, 0, static_cast<std::uint32_t>(payload.size()), caf_request_id(1), 5, api),
         payload});
  }

  // Attack number i (its kind is i % attack_kinds); whether batond closed the connection.
  attack_outcome attack(const std::string& address, int i, std::mt19937& rng);

 private:
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::mutex rng_mutex_;
  std::mt19937_64 rng_{42};
};

inline attack_outcome wire_peer::attack(const std::string& address, int i, std::mt19937& rng) {
  raw_socket s(address);
  if (!s.connected()) return attack_outcome::kept_open;
  const bytes bomb{0xff, 0xff, 0xff, 0xff, 0x0f};  // a 4 GiB vector<char> as CAF reads one
  int kind = i % attack_kinds;
  std::uint64_t api = 0;
  if (kind >= 4 && (api = handshake(s)) == 0)  // refused (over the cap) before the handshake
    return s.closed_within(std::chrono::seconds(5)) ? attack_outcome::closed_by_batond
                                                    : attack_outcome::kept_open;
  bytes attack;
  switch (kind) {
    case 0:  // random bytes
      attack.resize(1 + rng() % 4096);
      for (auto& b : attack) b = static_cast<std::uint8_t>(rng());
      break;
    case 1:  // a truncated handshake, then silence
      attack = cat({basp_header(1, 0, 32), bytes(5, 0)});
      break;
    case 2:  // a handshake header without its payload (CAF 0.17 dereferences a null payload)
      attack = basp_header(1, 0, 0);
      break;
    case 3:  // a huge length prefix
      attack = cat({basp_header(1, 0, 0x80000000u + rng() % 0x7fffffffu), bytes(1000, 1)});
      break;
    case 4:  // a huge length prefix after a good handshake
      attack = cat({basp_header(2, 0, 0xfffffff0u, caf_request_id(1), 5, api), bytes(1000, 1)});
      break;
    case 5:  // a message whose value announces 4 GiB
      attack = direct_raw(api, "@<>+@charbuf", bomb);
      break;
    case 6:  // BASP operations a client never sends
      attack = i % 2 ? frame(0, 0, 1, 0, 0, bytes(16, 0)) : frame(3, 0, 1, 5, api, bytes(16, 0));
      break;
    case 7:  // the API's types with truncated values
      attack = direct_raw(api, "@<>+@atom+baton.api_command", bytes{0, 0, 0, 0, 0x3e, 0xff});
      break;
    case 8:  // a down message whose reason carries the 4 GiB vector
      attack = frame(
          5, 0, 0, 9, 0,
          cat({serialize(sys_->node(), sys_->node()), bytes{1}, bytes(8, 0x11), bytes{0, 0, 12},
               bytes{'@', '<', '>', '+', '@', 'c', 'h', 'a', 'r', 'b', 'u', 'f'}, bomb}));
      break;
    default:  // 9: a well-formed request for a verb that does not exist
      attack = command(api, 1, api_command{"no-such-verb", "", "x", "", "", {}});
  }
  s.send_all(attack);
  if (polite_attack(kind)) return attack_outcome::kept_open;
  return s.closed_within(std::chrono::seconds(5)) ? attack_outcome::closed_by_batond
                                                  : attack_outcome::kept_open;
}

}  // namespace baton::testing
