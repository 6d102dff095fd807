#include "tools/batond/guard/tls.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace baton::guard {

namespace {

std::string ssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? "unknown TLS error" : out;
}

}  // namespace

struct tls_context::impl {
  SSL_CTX* ctx = nullptr;
};

tls_context::tls_context(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

tls_context::~tls_context() {
  if (impl_ && impl_->ctx) SSL_CTX_free(impl_->ctx);
}

result<std::shared_ptr<tls_context>> tls_context::load(const tls_files& f) {
  auto p = std::make_unique<impl>();
  p->ctx = SSL_CTX_new(TLS_server_method());
  std::shared_ptr<tls_context> out(new tls_context(std::move(p)));
  SSL_CTX* ctx = out->impl_->ctx;
  if (!ctx) return make_error(errc::unavailable, "TLS", ssl_errors());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, f.cert.c_str()) != 1)
    return make_error(errc::validation, "--tls-cert",
                      f.cert + ": cannot use this certificate: " + ssl_errors());
  EVP_PKEY* key = nullptr;
  if (BIO* in = BIO_new_file(f.key.c_str(), "r")) {
    key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
    BIO_free(in);
  }
  if (!key)
    return make_error(errc::validation, "--tls-key", f.key + ": cannot read a PEM private key");
  bool matches = X509_check_private_key(SSL_CTX_get0_certificate(ctx), key) == 1;
  ERR_clear_error();
  if (!matches) {
    EVP_PKEY_free(key);
    return make_error(errc::validation, "--tls-key",
                      f.key + " does not match the certificate " + f.cert);
  }
  int used = SSL_CTX_use_PrivateKey(ctx, key);
  EVP_PKEY_free(key);
  if (used != 1 || SSL_CTX_check_private_key(ctx) != 1)
    return make_error(errc::validation, "--tls-key",
                      f.key + ": cannot use this key: " + ssl_errors());
  if (!f.ca.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, f.ca.c_str(), nullptr) != 1)
      return make_error(errc::validation, "--tls-ca",
                        f.ca + ": cannot use these CA certificates: " + ssl_errors());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  return out;
}

struct tls_session::impl {
  SSL* ssl = nullptr;
  BIO* in = nullptr;               // network -> OpenSSL (owned by ssl)
  BIO* out = nullptr;              // OpenSSL -> network (owned by ssl)
  std::vector<std::uint8_t> held;  // plaintext for the client before the handshake is done
};

tls_session::tls_session(tls_context& ctx) : impl_(std::make_unique<impl>()) {
  impl_->ssl = SSL_new(ctx.get().ctx);
  impl_->in = BIO_new(BIO_s_mem());
  impl_->out = BIO_new(BIO_s_mem());
  SSL_set_bio(impl_->ssl, impl_->in, impl_->out);
  SSL_set_accept_state(impl_->ssl);
}

tls_session::~tls_session() {
  if (impl_->ssl) SSL_free(impl_->ssl);
}

bool tls_session::handshake_done() const {
  return SSL_is_init_finished(impl_->ssl);
}

// Drives the handshake, then writes the held plaintext once it is done.
std::string tls_session::pump() {
  if (!SSL_is_init_finished(impl_->ssl)) {
    int r = SSL_do_handshake(impl_->ssl);
    if (r != 1) {
      int e = SSL_get_error(impl_->ssl, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return "";
      return "TLS handshake failed: " + ssl_errors();
    }
  }
  auto& held = impl_->held;
  std::size_t off = 0;
  while (off < held.size()) {
    int r = SSL_write(impl_->ssl, held.data() + off, static_cast<int>(held.size() - off));
    if (r <= 0) return "TLS write failed: " + ssl_errors();
    off += static_cast<std::size_t>(r);
  }
  held.clear();
  return "";
}

std::string tls_session::from_network(const std::uint8_t* data, std::size_t n,
                                      std::vector<std::uint8_t>& plain) {
  if (BIO_write(impl_->in, data, static_cast<int>(n)) != static_cast<int>(n))
    return "TLS buffer failure";
  if (auto why = pump(); !why.empty()) return why;
  if (!SSL_is_init_finished(impl_->ssl)) return "";
  std::uint8_t buf[16384];
  for (;;) {
    int r = SSL_read(impl_->ssl, buf, sizeof buf);
    if (r > 0) {
      plain.insert(plain.end(), buf, buf + r);
      continue;
    }
    int e = SSL_get_error(impl_->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return "";
    if (e == SSL_ERROR_ZERO_RETURN) return "the client closed TLS";
    return "TLS read failed: " + ssl_errors();
  }
}

std::string tls_session::to_client(const std::uint8_t* data, std::size_t n) {
  impl_->held.insert(impl_->held.end(), data, data + n);
  if (!SSL_is_init_finished(impl_->ssl)) return "";
  return pump();
}

void tls_session::take_output(std::vector<std::uint8_t>& out) {
  char buf[16384];
  for (;;) {
    int r = BIO_read(impl_->out, buf, sizeof buf);
    if (r <= 0) return;
    out.insert(out.end(), buf, buf + r);
  }
}

}  // namespace baton::guard
