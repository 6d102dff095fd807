#include "actors/client_tls.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

namespace baton {

namespace {

using steady = std::chrono::steady_clock;
// A side is not read while this much of what it sent still waits for the other side.
constexpr std::size_t pending_limit = 1u << 20;

std::string ssl_reason() {
  unsigned long last = 0;
  while (unsigned long e = ERR_get_error()) last = e;
  if (last == 0) return "unknown TLS error";
  const char* r = ERR_reason_error_string(last);
  return r ? r : "unknown TLS error";
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// Why the server's certificate failed the check, in a user's words.
std::string verify_reason(long v, const std::string& host) {
  switch (v) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "certificate does not match host " + host;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "certificate expired";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "certificate not yet valid";
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return "certificate not signed by a CA of --tls-ca";
    default:
      return std::string("certificate check failed: ") + X509_verify_cert_error_string(v);
  }
}

// A TCP connection to host:port within the deadline; -1 and why otherwise.
int dial(const std::string& host, std::uint16_t port, steady::time_point deadline,
         std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    why = std::string("cannot resolve the host: ") + ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  why = "no address";
  for (auto* a = found; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
      pollfd p{fd, POLLOUT, 0};
      int err = ETIMEDOUT;
      if (left.count() > 0 && ::poll(&p, 1, static_cast<int>(left.count())) > 0) {
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      }
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc != 0) {
      why = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  return fd;
}

}  // namespace

struct tls_tunnel::impl {
  std::string host;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  BIO* rbio = nullptr;  // network -> OpenSSL (owned by ssl)
  BIO* wbio = nullptr;  // OpenSSL -> network (owned by ssl)
  int net = -1, plain = -1, caf_end = -1, wake = -1;
  std::vector<std::uint8_t> to_net, to_plain;
  std::thread thread;

  ~impl() {
    if (ssl) SSL_free(ssl);
    if (ctx) SSL_CTX_free(ctx);
    for (int fd : {net, plain, caf_end, wake})
      if (fd >= 0) ::close(fd);
  }

  void drain_ssl_output() {
    char buf[16384];
    for (int r; (r = BIO_read(wbio, buf, sizeof buf)) > 0;)
      to_net.insert(to_net.end(), buf, buf + r);
  }
  // Writes what it can of `q` to `fd`; false when the socket failed.
  static bool flush(int fd, std::vector<std::uint8_t>& q) {
    std::size_t off = 0;
    while (off < q.size()) {
      auto n = ::send(fd, q.data() + off, q.size() - off, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
        return false;
      }
      off += static_cast<std::size_t>(n);
    }
    q.erase(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(off));
    return true;
  }
  // Reads ciphertext into OpenSSL: >0 bytes, 0 closed, -1 nothing now, -2 failed.
  int read_net() {
    std::uint8_t buf[65536];
    auto n = ::recv(net, buf, sizeof buf, 0);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -1 : -2;
    if (n == 0) return 0;
    BIO_write(rbio, buf, static_cast<int>(n));
    return static_cast<int>(n);
  }
  // Decrypts what has arrived into to_plain. "" while the session is fine, else why it ended.
  std::string read_plain() {
    std::uint8_t buf[16384];
    for (;;) {
      int r = SSL_read(ssl, buf, sizeof buf);
      if (r > 0) {
        to_plain.insert(to_plain.end(), buf, buf + r);
        continue;
      }
      int e = SSL_get_error(ssl, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return "";
      if (e == SSL_ERROR_ZERO_RETURN) return "batond closed the connection";
      return ssl_reason();
    }
  }

  result<bool> handshake(steady::time_point deadline, const std::string& where);
  void relay();
};

// Drives the handshake until batond's first plaintext bytes have arrived.
result<bool> tls_tunnel::impl::handshake(steady::time_point deadline, const std::string& where) {
  auto fail = [&](const std::string& why) {
    return make_error(errc::unavailable, where, "TLS: " + why);
  };
  for (;;) {
    if (!SSL_is_init_finished(ssl)) {
      int r = SSL_do_handshake(ssl);
      if (r != 1) {
        int e = SSL_get_error(ssl, r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
          long v = SSL_get_verify_result(ssl);
          if (v != X509_V_OK) return fail(verify_reason(v, host));
          return fail("handshake failed: " + ssl_reason());
        }
      }
    }
    if (SSL_is_init_finished(ssl)) {
      auto why = read_plain();
      if (!why.empty())  // TLS 1.3: batond checks the client's certificate after our handshake
        return fail("batond refused the connection (" + why +
                    "; does it want a client certificate, --tls-cert and --tls-key?)");
      if (!to_plain.empty()) return true;
    }
    drain_ssl_output();
    if (!flush(net, to_net)) return fail(std::string("cannot send: ") + std::strerror(errno));
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
    pollfd p{net, static_cast<short>(POLLIN | (to_net.empty() ? 0 : POLLOUT)), 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      return fail("no answer from batond within the time allowed");
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      int n = read_net();
      if (n == 0 || n == -2)
        return fail(SSL_is_init_finished(ssl)
                        ? "batond closed the connection (does it want a client certificate, "
                          "--tls-cert and --tls-key, signed by its CA?)"
                        : "batond closed the connection during the handshake");
    }
  }
}

// The data phase: ciphertext on `net`, plaintext on `plain`, until either side closes or the
// tunnel is destroyed.
void tls_tunnel::impl::relay() {
  bool open = true;
  while (open) {
    pollfd p[3] = {{net,
                    static_cast<short>((to_plain.size() < pending_limit ? POLLIN : 0) |
                                       (to_net.empty() ? 0 : POLLOUT)),
                    0},
                   {plain,
                    static_cast<short>((to_net.size() < pending_limit ? POLLIN : 0) |
                                       (to_plain.empty() ? 0 : POLLOUT)),
                    0},
                   {wake, POLLIN, 0}};
    if (::poll(p, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[2].revents) break;
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      int n = read_net();
      if (n == 0 || n == -2) open = false;
      if (!read_plain().empty()) open = false;
    }
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      std::uint8_t buf[65536];
      auto n = ::recv(plain, buf, sizeof buf, 0);
      if (n > 0) {
        if (SSL_write(ssl, buf, static_cast<int>(n)) != n) open = false;
      } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        SSL_shutdown(ssl);  // CAF closed: say so to batond
        open = false;
      }
    }
    drain_ssl_output();
    if (!flush(net, to_net) || !flush(plain, to_plain)) open = false;
  }
  // Either side ended: the other sees its socket close.
  ::shutdown(net, SHUT_RDWR);
  ::shutdown(plain, SHUT_RDWR);
}

tls_tunnel::tls_tunnel(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

tls_tunnel::~tls_tunnel() {
  if (impl_->thread.joinable()) {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(impl_->wake, &one, sizeof one);
    impl_->thread.join();
  }
}

int tls_tunnel::take_plain_end() {
  int fd = impl_->caf_end;
  impl_->caf_end = -1;
  return fd;
}

result<std::unique_ptr<tls_tunnel>> tls_tunnel::open(const std::string& host, std::uint16_t port,
                                                     const client_tls_files& f,
                                                     std::chrono::milliseconds timeout) {
  auto deadline = steady::now() + timeout;
  auto p = std::make_unique<impl>();
  p->host = host;
  p->ctx = SSL_CTX_new(TLS_client_method());
  if (!p->ctx) return make_error(errc::unavailable, "TLS", ssl_reason());
  SSL_CTX_set_min_proto_version(p->ctx, TLS1_2_VERSION);
  if (SSL_CTX_load_verify_locations(p->ctx, f.ca.c_str(), nullptr) != 1)
    return make_error(errc::validation, "--tls-ca",
                      f.ca + ": cannot use these CA certificates: " + ssl_reason());
  SSL_CTX_set_verify(p->ctx, SSL_VERIFY_PEER, nullptr);
  if (f.cert.empty() != f.key.empty())
    return make_error(errc::validation, f.cert.empty() ? "--tls-key" : "--tls-cert",
                      "a client certificate needs both --tls-cert and --tls-key");
  if (!f.cert.empty()) {
    if (SSL_CTX_use_certificate_chain_file(p->ctx, f.cert.c_str()) != 1)
      return make_error(errc::validation, "--tls-cert",
                        f.cert + ": cannot use this certificate: " + ssl_reason());
    EVP_PKEY* key = nullptr;
    if (BIO* in = BIO_new_file(f.key.c_str(), "r")) {
      key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
      BIO_free(in);
    }
    ERR_clear_error();
    if (!key)
      return make_error(errc::validation, "--tls-key", f.key + ": cannot read a PEM private key");
    bool matches = X509_check_private_key(SSL_CTX_get0_certificate(p->ctx), key) == 1;
    bool used = matches && SSL_CTX_use_PrivateKey(p->ctx, key) == 1;
    EVP_PKEY_free(key);
    ERR_clear_error();
    if (!matches)
      return make_error(errc::validation, "--tls-key",
                        f.key + " does not match the certificate " + f.cert);
    if (!used) return make_error(errc::validation, "--tls-key", f.key + ": cannot use this key");
  }
  auto where = host + ":" + std::to_string(port);
  std::string why;
  p->net = dial(host, port, deadline, why);
  if (p->net < 0) return make_error(errc::unavailable, where, "cannot reach batond: " + why);
  p->ssl = SSL_new(p->ctx);
  p->rbio = BIO_new(BIO_s_mem());
  p->wbio = BIO_new(BIO_s_mem());
  if (!p->ssl || !p->rbio || !p->wbio) return make_error(errc::unavailable, "TLS", ssl_reason());
  SSL_set_bio(p->ssl, p->rbio, p->wbio);
  SSL_set_connect_state(p->ssl);
  bool ip = is_ip_literal(host);
  bool named = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(p->ssl), host.c_str()) == 1
                  : SSL_set1_host(p->ssl, host.c_str()) == 1 &&
                        SSL_set_tlsext_host_name(p->ssl, host.c_str()) == 1;
  if (!named)
    return make_error(errc::validation, "--connect", "cannot check a certificate for " + host);
  auto done = p->handshake(deadline, where);
  if (!done) return done.err();
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0 ||
      (p->wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
    return make_error(errc::unavailable, "TLS", std::string("relay: ") + std::strerror(errno));
  p->plain = pair[0];
  p->caf_end = pair[1];
  auto* raw = p.get();
  p->thread = std::thread([raw] { raw->relay(); });
  return std::unique_ptr<tls_tunnel>(new tls_tunnel(std::move(p)));
}

}  // namespace baton
