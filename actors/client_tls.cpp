#include "actors/client_tls.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>

namespace baton {

namespace {

bool write_pem(const std::string& path, EVP_PKEY* key, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return false;
  bool ok = key ? PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1
                : PEM_write_X509(f, cert) == 1;
  return std::fclose(f) == 0 && ok;
}

}  // namespace

result<std::unique_ptr<ephemeral_identity>> ephemeral_identity::make() {
  auto fail = [](const std::string& what) {
    return make_error(errc::unavailable, "TLS", "cannot make the client's key: " + what);
  };
  std::string tmpl = (std::filesystem::temp_directory_path() / "baton-tls-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return fail("no temporary directory");
  std::unique_ptr<ephemeral_identity> id(new ephemeral_identity);
  id->dir_ = tmpl;
  id->cert_ = tmpl + "/client.pem";
  id->key_ = tmpl + "/client.key";
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) return fail("EC key generation failed");
  X509* cert = X509_new();
  bool ok = cert && X509_set_version(cert, 2) == 1 &&
            ASN1_INTEGER_set(X509_get_serialNumber(cert), 1) == 1 &&
            X509_gmtime_adj(X509_getm_notBefore(cert), -60) &&
            X509_gmtime_adj(X509_getm_notAfter(cert), 86400) && X509_set_pubkey(cert, key) == 1 &&
            X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char*>("baton client"), -1,
                                       -1, 0) == 1 &&
            X509_set_issuer_name(cert, X509_get_subject_name(cert)) == 1 &&
            X509_sign(cert, key, EVP_sha256()) > 0 && write_pem(id->key_, key, nullptr) &&
            write_pem(id->cert_, nullptr, cert);
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!ok) return fail("certificate generation failed");
  return id;
}

ephemeral_identity::~ephemeral_identity() {
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

}  // namespace baton
