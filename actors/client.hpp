// The C++ client library for Baton's actor API: one object that either runs the engine inside
// this process over a data dir (embedded mode) or connects to a running batond. Either way the
// same api_command messages go to the same engine_api interface.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/api.hpp"
#include "actors/client_tls.hpp"
#include "events/result.hpp"

namespace baton {

struct embedded_options {
  std::string data_dir;
  std::string config_path;  // default DATA_DIR/config.json
  bool real_time = true;
  // false: commands are answered and recorded but no work starts (engine_options::start_work):
  // what every embedded command but `run` and `campaign wait` wants.
  bool start_work = true;
};

class engine_client {
 public:
  // Opens DATA_DIR (lock, recovery) and starts the engine in this process.
  // errc::unavailable naming the holder when another process has the data dir.
  static result<std::unique_ptr<engine_client>> embedded(const embedded_options& o);
  // Connects to batond at host:port and authenticates with an API token: every command then
  // acts as the token's user. With `tls.ca` (a PEM file) the connection speaks TLS: batond's
  // certificate must be signed by that CA, valid today and issued for `host` (a DNS name or an
  // IP address); `tls.cert` and `tls.key` are the client's certificate (batond --tls-ca).
  // errc::validation for unusable files (a key that does not match its certificate) before any
  // connection; errc::unavailable when batond cannot be reached or a certificate fails the check
  // ("TLS: certificate expired", ...); errc::refused "auth: ..." (the same words for every cause)
  // when the token is missing, wrong or revoked.
  static result<std::unique_ptr<engine_client>> connect(const std::string& host, std::uint16_t port,
                                                        const std::string& token,
                                                        const client_tls_files& tls);
  // The same without TLS.
  static result<std::unique_ptr<engine_client>> connect(const std::string& host, std::uint16_t port,
                                                        const std::string& token) {
    return connect(host, port, token, client_tls_files{});
  }
  ~engine_client();  // embedded: stop(), then the engine's threads end

  // Embedded: a graceful stop of the engine (drain_engine): running sends stop at their next
  // message and record what they did; runs stay resumable. True when everything stopped within
  // `grace`. False when work is still going on: the client then leaves its threads running (the
  // destructor does not wait for them) and the process should end promptly with std::_Exit —
  // a crash for that work, which the log makes safe. Idempotent; remote clients return true.
  bool stop(std::chrono::milliseconds grace = std::chrono::seconds(30));

  // Sends one command; waits for the reply (JSON) or the error.
  result<nlohmann::json> call(api_command cmd,
                              std::chrono::milliseconds timeout = std::chrono::hours(24 * 365));
  // Calls on_event with each event (one JSON line) appended from now on, for one campaign
  // ("" = all), until it returns false or `timeout` passes without an event.
  status follow(const std::string& campaign,
                const std::function<bool(const std::string&)>& on_event,
                std::chrono::milliseconds idle_timeout);

  struct impl;

 private:
  explicit engine_client(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace baton
