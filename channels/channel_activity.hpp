// A channel activity (email, sms, push) ready to send: its options read from the validated
// definition, its templates compiled. prepare_message turns one row into a message or an
// exclusion; check_channel_templates is the publish-time check of every template of a campaign.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "channels/eligibility.hpp"
#include "channels/message.hpp"
#include "channels/personalise.hpp"
#include "channels/quiet_hours.hpp"
#include "channels/tracking.hpp"
#include "model/definition.hpp"
#include "model/experiment.hpp"

namespace baton::channels {

struct channel_activity {
  std::string id;
  baton::channel channel = baton::channel::email;
  std::string connector;  // the `channel` option: the connector's name (default: the type)
  channels::category category = category::marketing;
  std::string from;
  compiled_template subject, body, text, title;  // those of the channel; the others empty
  compiled_template html;                        // email: the `html` option (HTML-escaped)
  // Email without `html` whose `body` looks like HTML (the older form): the body is rendered
  // HTML-escaped and sent as the HTML part, alone.
  bool body_is_html = false;
  // Email: rewrite links and add the open pixel (`tracking`, default true for marketing email).
  bool tracking = false;
  std::optional<std::int64_t> per_second;  // throttle.perSecond
  nlohmann::json waves;                    // the `waves` option as given (null = none)
  bool confirm = false;
  std::optional<quiet_hours> quiet;  // `quietHours`: rows outside their window are deferred
  // `controlGroup` (the activity's, or the campaign's given to it): rows held out, not sent.
  std::optional<control_spec> control;
  // `variants` + `experiment`: each variant is this activity with its own content and `variant`
  // its name; the activity's own templates are then empty.
  std::optional<experiment_spec> experiment;
  std::vector<channel_activity> variants;
  std::string variant;
  // Whether personalisation may read column `name` (some template names it).
  bool reads(std::string_view name) const {
    for (auto* t : {&subject, &body, &text, &title, &html})
      if (!t->source().empty() && t->may_read(name)) return true;
    for (auto& v : variants)
      if (v.reads(name)) return true;
    return false;
  }
  // The variant named `name` (nullptr when there is none).
  const channel_activity* find_variant(std::string_view name) const {
    for (auto& v : variants)
      if (v.variant == name) return &v;
    return nullptr;
  }
};

// Reads an email/sms/push activity. A template syntax error is errc::validation with `where`
// the member's name ("subject", "body", "text", "title"); other types are errc::validation too.
result<channel_activity> parse_channel_activity(const activity& a);

// Every template syntax error of the campaign's channel activities, at its JSON pointer
// ("/activities/3/body"). Call at publish: a template error must block publication.
problems check_channel_templates(const campaign_definition& d);

struct send_context {
  std::string campaign;
  std::uint32_t run = 0;
  // Tracking of the engine (config `tracking`), nullptr = none: then emails get no tracked
  // links, no open pixel and no List-Unsubscribe header.
  const tracking_setup* tracking = nullptr;
  // What the message id is made of in place of the recipient ("" = the recipient): an API
  // trigger uses "trigger:<trigger id>", so each trigger is its own message.
  std::string message_key;
};

struct exclusion {
  std::string recipient;
  exclusion_reason reason = exclusion_reason::no_address;
};

// One row of the population -> the message for it, or why it is excluded. `row` holds the
// worktable columns (address, consent, personalisation); `recipient` is the row's entity key.
// Rendering cannot fail: missing names render as "". With ctx.tracking, email templates may use
// {{baton.unsubscribe_url}} and {{baton.view_url}} (a column named `baton` is hidden from
// them), marketing email gets the List-Unsubscribe headers, and when act.tracking its links
// are rewritten (link_rewrite.hpp) with m.links as their table.
std::variant<message, exclusion> prepare_message(const channel_activity& act,
                                                 const recipient_rules& rules,
                                                 const send_context& ctx,
                                                 const std::string& recipient,
                                                 const nlohmann::json& row);

}  // namespace baton::channels
