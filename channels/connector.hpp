// Delivery connectors behind one interface: send a batch of messages, get one result per message
// (sent or failed, and whether a retry may help). Connectors are configured by channel name in
// the engine config's `channels` object; connector_set builds each on first use and keeps it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "channels/message.hpp"
#include "events/clock.hpp"
#include "events/result.hpp"
#include "model/problem.hpp"

namespace baton::channels {

enum class delivery_status { sent, failed };

struct delivery_result {
  std::string message_id;
  delivery_status status = delivery_status::failed;
  bool repeated = false;   // sent: the receiver already had this message_id (a replay)
  bool retryable = false;  // failed: a later attempt may succeed (connection, 4xx SMTP, 5xx HTTP)
  std::string reason;      // failed: what the server or the system said
  bool sent() const { return status == delivery_status::sent; }
};

// What the engine asks of a send while it runs. `stop_requested` is asked before each message
// is handed over: once it says true, the message in progress has been finished and every later
// one fails at once, retryably, with reason `stopped` (nothing reaches the server after a stop).
// `handing_over` runs just before a message goes to the server and `answered` as soon as its
// answer is known, so the caller can record both before the next message (send_journal).
struct send_hooks {
  std::function<bool()> stop_requested;
  std::function<void(const message&)> handing_over;
  std::function<void(const message&, const delivery_result&)> answered;
};

// The reason of the results of messages not handed over because of a stop.
inline constexpr const char* k_stopped_reason = "stopped";

class connector {
 public:
  virtual ~connector() = default;
  // Sends `batch` and returns one result per message, in the batch's order. Never throws. Calls
  // from several threads are serialised inside. A message_id given twice in one batch is sent
  // once (the second result is `repeated`).
  virtual std::vector<delivery_result> send(const std::vector<message>& batch,
                                            const send_hooks& hooks) = 0;
  std::vector<delivery_result> send(const std::vector<message>& batch) { return send(batch, {}); }
  virtual const char* kind() const = 0;  // "file", "smtp", "webhook"
  // True when re-sending a message_id cannot deliver it twice (file outbox; webhook with a
  // receiver that honours Idempotency-Key). SMTP is false: see docs/channels.md.
  virtual bool idempotent() const = 0;
};

// The batch loop of the connectors that send one message at a time (SMTP, webhook): `one`
// sends a message and sets its flag when the connection broke. A message_id already sent in
// this batch is `repeated`; after a break the rest fail at once, retryably, with that reason.
// The hooks are honoured as send_hooks says.
std::vector<delivery_result> send_each(
    const std::vector<message>& batch, const send_hooks& hooks,
    const std::function<delivery_result(const message&, bool& connection_broken)>& one);

// What connectors need from the engine.
struct connector_env {
  std::string data_dir;                 // the file outbox writes under DATA_DIR/outbox by default
  const baton::clock* clock = nullptr;  // Date headers; nullptr = the system clock
};

// Checks the config's `channels` object: {NAME: {"connector": "file"|"smtp"|"webhook", ...}}
// with the keys of docs/channels.md; problems carry pointers like "/channels/email/url".
problems check_channels_config(const nlohmann::json& channels);

// Builds the connector of channel `name` from its config entry (errc::validation on a bad entry).
result<std::unique_ptr<connector>> make_connector(const std::string& name,
                                                  const nlohmann::json& entry,
                                                  const connector_env& env);

// The connectors of one engine, by channel name (the `channel` option of a channel activity,
// which defaults to its type). Names not configured fall back to the file outbox for email, sms
// and push, and are errc::not_found otherwise. Thread-safe; connectors live as long as the set.
class connector_set {
 public:
  connector_set(nlohmann::json channels_config, connector_env env);
  result<connector*> get(const std::string& name);

 private:
  nlohmann::json config_;
  connector_env env_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<connector>> built_;
};

}  // namespace baton::channels
