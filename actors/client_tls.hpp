// The client's side of TLS to batond: a TCP connection whose server certificate is checked
// (signed by the given CA, in its dates, issued for the host name or IP address dialled), with
// an optional client certificate, relayed as plaintext over a socketpair whose other end CAF
// reads as if it were the connection. Promises: every failed check is errc::unavailable with a
// one-line reason ("TLS: certificate does not match host X", "TLS: certificate expired", ...);
// a key that does not match its certificate is errc::validation before any connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "events/result.hpp"

namespace baton {

// PEM files. TLS is on when `ca` is set; `cert` and `key` (both or neither) are the client's
// certificate for a batond started with --tls-ca.
struct client_tls_files {
  std::string ca, cert, key;
  bool enabled() const { return !ca.empty(); }
};

class tls_tunnel {
 public:
  // Connects to host:port, completes the TLS handshake and waits for batond's first bytes (so a
  // refused client certificate is reported here), then starts the relay thread.
  static result<std::unique_ptr<tls_tunnel>> open(const std::string& host, std::uint16_t port,
                                                  const client_tls_files& files,
                                                  std::chrono::milliseconds timeout);
  ~tls_tunnel();  // stops the relay, joins its thread, closes both sockets
  tls_tunnel(const tls_tunnel&) = delete;
  tls_tunnel& operator=(const tls_tunnel&) = delete;

  // The plaintext end for CAF (once; ownership passes to the caller).
  int take_plain_end();

  struct impl;

 private:
  explicit tls_tunnel(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace baton
