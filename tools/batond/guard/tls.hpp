// TLS for batond's wire guard: the server's OpenSSL context (certificate, key, optionally a CA
// whose client certificates are required) and one memory-BIO session per connection, so the
// guard's non-blocking relay reads ciphertext from the client, checks the plaintext frames and
// hands plaintext to CAF. Promises: a key that does not match its certificate, or a file that
// cannot be read, is an error before anything listens; a failed handshake is a reason to drop.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "events/result.hpp"

namespace baton::guard {

struct tls_files {
  std::string cert, key, ca;  // PEM files; ca "" = no client certificates asked for
  bool enabled() const { return !cert.empty(); }
};

class tls_context {
 public:
  // errc::validation naming the file and what is wrong with it.
  static result<std::shared_ptr<tls_context>> load(const tls_files& f);
  ~tls_context();
  struct impl;
  impl& get() { return *impl_; }

 private:
  explicit tls_context(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

class tls_session {
 public:
  explicit tls_session(tls_context& ctx);
  ~tls_session();
  tls_session(const tls_session&) = delete;
  tls_session& operator=(const tls_session&) = delete;

  // Bytes from the network: the plaintext they complete goes to `plain`. "" or why to drop.
  std::string from_network(const std::uint8_t* data, std::size_t n,
                           std::vector<std::uint8_t>& plain);
  // Plaintext for the client (held until the handshake is done). "" or why to drop.
  std::string to_client(const std::uint8_t* data, std::size_t n);
  // Moves what must be sent to the client (handshake records, ciphertext) to the end of `out`.
  void take_output(std::vector<std::uint8_t>& out);
  bool handshake_done() const;

 private:
  std::string pump();
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace baton::guard
