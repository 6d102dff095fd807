// batond's front door: listens on the public API address and relays each connection to the
// engine over a socketpair whose other end it hands to CAF, passing on only whole frames that
// client_frame_reader accepts (CAF itself listens on no port: nothing reaches it around this).
// Promises: no frame over the cap reaches CAF or is held; at most `max_connections` at once;
// a connection without a client handshake within the deadline, a bad frame, or a client that
// takes none of its replies for `stall_timeout` is dropped and logged with its peer address;
// with TLS, so is one whose first bytes are not a TLS ClientHello or that falls silent before
// its TLS handshake is done; one thread, non-blocking sockets, so a slow client never holds up
// another. Each client's CAF node is reported with its IP address. No CAF in here.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "events/result.hpp"
#include "tools/batond/guard/basp_frame.hpp"
#include "tools/batond/guard/tls.hpp"

namespace baton::guard {

struct guard_options {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 4242;  // 0 = any free port
  // Called on the relay thread with the engine's end of a new socketpair for each accepted
  // connection; takes ownership of the descriptor.
  std::function<void(int)> hand_over;
  frame_rules rules;
  int max_connections = 256;
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds stall_timeout{60'000};
  // Set: every connection speaks TLS (tls.hpp); the frames are checked after decryption and CAF
  // gets plaintext. A failed handshake drops the connection, logged with its peer, and so does a
  // connection whose first bytes are not a ClientHello (a client without TLS) or that sends
  // nothing for `tls_silence_timeout` before its TLS handshake is done.
  std::shared_ptr<tls_context> tls;
  std::chrono::milliseconds tls_silence_timeout{2'000};
  // Called on the relay thread when a connection's client handshake has passed (its CAF node id
  // as caf::to_string writes it, the peer's IP address) and when that connection closes.
  std::function<void(const std::string&node, const std::string&ip)> peer_opened, peer_closed;
};

// Counters since start (for tests and the log).
struct guard_counters {
  std::uint64_t accepted = 0;
  std::uint64_t refused = 0;  // over max_connections
  std::uint64_t dropped = 0;  // bad frame, handshake deadline, stalled reader
};

class wire_guard {
 public:
  // Binds the public address and starts the relay thread. errc::unavailable naming the
  // address when it cannot listen.
  static result<std::unique_ptr<wire_guard>> start(const guard_options& o);
  ~wire_guard();  // stop()
  wire_guard(const wire_guard&) = delete;
  wire_guard& operator=(const wire_guard&) = delete;

  std::uint16_t port() const;  // the public port actually bound
  guard_counters counters() const;
  // Closes the listener and every connection and joins the thread. Idempotent.
  void stop();

  struct impl;

 private:
  explicit wire_guard(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace baton::guard
