// The SMTP connector: one SMTP transaction (MAIL FROM, RCPT TO, DATA) per email over kept
// libcurl connections (up to `connections` at once, send_lanes.hpp), optionally with TLS. The bytes
// of each mail come from format_email (mime.hpp); SMTP has no idempotency key, so a crash can
// re-send the in-flight batch.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "channels/connector.hpp"
#include "channels/mime.hpp"

namespace baton::channels {

enum class smtp_tls {
  none,      // plain SMTP (smtps:// URLs use implicit TLS regardless)
  try_tls,   // STARTTLS when the server offers it
  starttls,  // STARTTLS required: fail when the server does not offer it
};

struct smtp_options {
  std::string url;  // "smtp://host:port" or "smtps://host:port" (required)
  smtp_tls tls = smtp_tls::none;
  bool verify_tls = true;  // check the server's certificate and name
  std::string ca_file;     // "" = the system's CA bundle
  std::string username, password;
  std::string from;  // the From of messages without one ("Shop <news@shop.example>")
  std::string message_id_domain = "baton.invalid";
  long timeout_seconds = 30;
  int connections = 4;  // kept connections a batch is spread over (1 = one message at a time)
};

// From a config entry {"connector": "smtp", "url", "tls": "none|try|starttls", "verifyTls",
// "caFile", "username", "password", "from", "messageIdDomain", "timeoutSeconds", "connections"};
// problems carry pointers under `pointer`.
smtp_options parse_smtp_options(const nlohmann::json& entry, const std::string& pointer,
                                problems& out);

// What format_email needs from the connector's options (default From, Message-ID domain).
mail_defaults mail_defaults_of(const smtp_options& o);

class smtp_connector final : public connector {
 public:
  smtp_connector(smtp_options o, const baton::clock* clock);
  ~smtp_connector() override;
  // A 5xx reply fails the message permanently (retryable=false: a bounce); 4xx replies and
  // transport errors are retryable. After a connection error the rest of the batch fails at
  // once with the same reason. Messages without a From (neither message nor config) fail.
  std::vector<delivery_result> send(const std::vector<message>& batch,
                                    const send_hooks& hooks) override;
  using connector::send;
  const char* kind() const override { return "smtp"; }
  bool idempotent() const override { return false; }

 private:
  struct impl;
  struct lane;
  delivery_result send_one(const message& m, lane& l, bool& connection_broken);
  std::unique_ptr<impl> p_;
  smtp_options o_;
  const baton::clock* clock_;
  std::mutex mu_;
};

}  // namespace baton::channels
