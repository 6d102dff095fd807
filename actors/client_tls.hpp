// A throwaway client certificate for CAF's OpenSSL module, which does not connect without one of
// its own even when the server asks for none: a fresh P-256 key and a self-signed certificate
// (one day) in a private temporary directory, removed with the object. Never sent unless the
// server asks for a client certificate (batond does only with --tls-ca, and would refuse it).
#pragma once

#include <memory>
#include <string>

#include "events/result.hpp"

namespace baton {

class ephemeral_identity {
 public:
  static result<std::unique_ptr<ephemeral_identity>> make();
  ~ephemeral_identity();
  ephemeral_identity(const ephemeral_identity&) = delete;
  ephemeral_identity& operator=(const ephemeral_identity&) = delete;
  const std::string& cert() const { return cert_; }
  const std::string& key() const { return key_; }

 private:
  ephemeral_identity() = default;
  std::string dir_, cert_, key_;
};

}  // namespace baton
