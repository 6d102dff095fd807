// One outgoing message, rendered and addressed, with its stable idempotency key: the same
// (campaign, run, activity, recipient) always gives the same message_id, so a delivery replayed
// after a crash carries the key the connector has already seen (INTERFACES.md §6).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/result.hpp"
#include "model/entity_schema.hpp"

namespace baton::channels {

struct message {
  std::string message_id;  // make_message_id(campaign, run, activity, recipient)
  std::string campaign;
  std::uint32_t run = 0;
  std::string activity;
  baton::channel channel = baton::channel::email;
  std::string recipient;  // the entity key, as text
  std::string address;    // normalised (trimmed; sms without separators)
  std::string from;       // the activity's `from` option ("" = the connector's default)
  // Rendered content: email uses subject/body, sms text, push title/body.
  std::string subject;
  std::string body;
  std::string text;
  std::string title;
  // Email: the rendered HTML body ("" = none): sent as multipart/alternative beside `body`,
  // or alone when `body` is empty (a legacy body that looked like HTML: see channel_activity).
  std::string html;
  // Extra mail headers, in order (List-Unsubscribe, List-Unsubscribe-Post on marketing email).
  std::vector<std::pair<std::string, std::string>> headers;
  // The link table of a tracked message: index -> the original URL that click token `index`
  // redirects to (link_rewrite.hpp). Not part of the JSON form.
  std::vector<std::string> links;
  // A proof (`campaign proof`): the real rendering sent to a seed address; the outbox line
  // carries "proof": true and SMTP the header X-Baton-Proof: 1. No report counts it.
  bool proof = false;
  // json_line(*this), when whoever prepared the message already made it (off the sending
  // thread); "" = not made yet. Not part of the message's value (operator== ignores it).
  std::string line;
  bool operator==(const message& o) const;
};

// 32 lowercase hex digits: 8 from SHA-256 over (campaign, run, activity) — the same for every
// message of one send, so the ids of a send sit together in an index (the deliveries table takes
// them without scattering writes over the ids of every past send) — then 24 from SHA-256 over
// the four parts. Both hash a length-prefixed encoding, so no choice of ids can make two
// different tuples collide by concatenation.
std::string make_message_id(std::string_view campaign, std::uint32_t run, std::string_view activity,
                            std::string_view recipient);

// The outbox / webhook JSON: message_id, campaign, run, activity, channel, recipient, address,
// then the content members of the channel (email: subject, body; sms: text; push: title, body),
// `from` when set, `html` (a string) when there is an HTML body, and for email `headers` (an
// object, header name -> value; empty for transactional mail), and "proof": true for a proof.
nlohmann::json to_json(const message& m);
// to_json(m) as one line of text (invalid UTF-8 replaced): m.line when set.
std::string json_line(const message& m);
// The inverse of to_json (errc::validation naming the first bad member).
result<message> message_from_json(const nlohmann::json& j);

}  // namespace baton::channels
