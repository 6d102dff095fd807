// The public tracking paths behind `batond --http` (INTERFACES.md §9), without HTTP: a token is
// checked (HMAC, path kind) and resolved against the message's own delivery and link table;
// a hit is recorded durably, once, as a feedback event of its message (batched: the hits that
// arrive while one batch is written go in the next); unsubscribes withdraw consent and suppress.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "audience/deliveries.hpp"
#include "channels/tracking.hpp"
#include "events/clock.hpp"
#include "model/config.hpp"

namespace baton {

// Records feedback items ([{run, activity, message_id, event, at_us, recipient}]) as events of
// campaign `campaign`; returns when they are durable (or why not).
using feedback_sink =
    std::function<status(const std::string& campaign, const nlohmann::json& items)>;

struct tracking_options {
  std::string data_dir;
  std::string data_url;  // "" = sqlite in data_dir
  engine_config config;
  const clock* time_source = nullptr;  // default: the system clock
};

// A message a valid token names: its delivery, and for a click the URL it redirects to.
struct tracked_hit {
  channels::token_kind kind = channels::token_kind::open;
  std::string message_id;
  audience::delivery_ref delivery;
  std::string redirect;  // clicks: links[index]
  std::string view;      // views: the message as sent
};

// What a webhook call answers: HTTP status and a JSON body.
struct hook_answer {
  int status = 200;
  std::string body;
};

class tracking_service {
 public:
  // errc::not_found when config `tracking` has no baseUrl/secret, errc::validation for a bad
  // secret, or why the data plane cannot be opened.
  static result<std::unique_ptr<tracking_service>> open(tracking_options o, feedback_sink sink);
  ~tracking_service();  // records what is queued, then stops the recorder
  tracking_service(const tracking_service&) = delete;
  tracking_service& operator=(const tracking_service&) = delete;

  // The hit a token stands for on a path of `kind`; nullopt for a forged, altered or unknown
  // token, a token of another kind, a click index outside the link table, a view not kept.
  std::optional<tracked_hit> resolve(channels::token_kind kind, std::string_view token);

  // Records a click ("clicked"), open ("opened") or unsubscribe ("unsubscribed": consent
  // withdrawn in the data plane and a suppression entry) of a resolved hit; blocks until it
  // is durable. Every call is one hit (its own time, unique per message and event).
  status record(const tracked_hit& hit);

  // POST /t/hooks/NAME: 404 for an unknown NAME, 401 for a bad X-Baton-Signature (nothing
  // recorded), 400 for a body that is not the documented JSON; else 200 with
  // {"accepted": N, "unmatched": N}. Bounces and complaints apply deliverability.suppressAfter.
  hook_answer webhook(const std::string& name, const std::string& signature,
                      const std::string& body);

  struct impl;

 private:
  explicit tracking_service(std::unique_ptr<impl> p);
  std::unique_ptr<impl> p_;
};

// The feedback event of a hit kind: "clicked", "opened", "unsubscribed" ("" for views).
const char* feedback_event_of(channels::token_kind k);

}  // namespace baton
