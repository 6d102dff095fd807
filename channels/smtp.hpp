// The SMTP connector: one SMTP transaction (MAIL FROM, RCPT TO, DATA) per email over a kept
// libcurl connection, optionally with TLS. Each mail carries Message-ID <message_id@domain> and
// X-Baton-Message-Id; SMTP has no idempotency key, so a crash can re-send the in-flight batch.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "channels/connector.hpp"

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
};

// From a config entry {"connector": "smtp", "url", "tls": "none|try|starttls", "verifyTls",
// "caFile", "username", "password", "from", "messageIdDomain", "timeoutSeconds"}; problems
// carry pointers under `pointer`.
smtp_options parse_smtp_options(const nlohmann::json& entry, const std::string& pointer,
                                problems& out);

// The RFC 5322 text of `m` (CRLF line ends): From, To, Subject (RFC 2047 when not ASCII), Date,
// Message-ID, X-Baton-Message-Id, X-Baton-Campaign, MIME headers (text/html when m.html), then
// the body (7bit when ASCII with short lines, base64 otherwise). Header values lose CR/LF.
std::string format_email(const message& m, const smtp_options& o, time_us now);

// The bare address of "Name <a@b.c>" or "a@b.c".
std::string envelope_address(const std::string& from);

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
  delivery_result send_one(const message& m, bool& connection_broken);
  struct impl;
  std::unique_ptr<impl> p_;
  smtp_options o_;
  const baton::clock* clock_;
  std::mutex mu_;
};

}  // namespace baton::channels
