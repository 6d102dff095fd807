// The webhook connector: one HTTP POST per message of its JSON (as in the outbox) with header
// Idempotency-Key: <message_id>, over a kept libcurl connection. 2xx is sent, 409 is "already
// received" (sent, repeated); a receiver that honours the key makes replays harmless.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "channels/connector.hpp"

namespace baton::channels {

struct webhook_options {
  std::string url;  // http:// or https:// (required)
  long timeout_seconds = 10;
  bool verify_tls = true;
  std::string ca_file;
  std::map<std::string, std::string> headers;  // extra headers, e.g. Authorization
};

// From a config entry {"connector": "webhook", "url", "timeoutSeconds", "verifyTls", "caFile",
// "headers": {NAME: VALUE}}; problems carry pointers under `pointer`.
webhook_options parse_webhook_options(const nlohmann::json& entry, const std::string& pointer,
                                      problems& out);

class webhook_connector final : public connector {
 public:
  explicit webhook_connector(webhook_options o);
  ~webhook_connector() override;
  // 2xx: sent; 409: sent and repeated; 408, 425, 429 and 5xx: failed, retryable; other
  // statuses: failed for good. Transport errors are retryable, and after a connection error
  // the rest of the batch fails at once with the same reason.
  std::vector<delivery_result> send(const std::vector<message>& batch,
                                    const send_hooks& hooks) override;
  using connector::send;
  const char* kind() const override { return "webhook"; }
  bool idempotent() const override { return true; }

 private:
  delivery_result post(const message& m, bool& connection_broken);
  struct impl;
  std::unique_ptr<impl> p_;
  webhook_options o_;
  std::mutex mu_;
};

}  // namespace baton::channels
