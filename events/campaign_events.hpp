// The typed events of a campaign stream (schemas in events/campaign.capnp): one C++ struct per
// event type, `to_event` to turn one into a store event and `from_event` to read it back.
// Type ids are stable forever; a change of meaning is a new version with an upcaster.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "events/event.hpp"
#include "events/result.hpp"

namespace baton::ev {

using variables = std::map<std::string, std::string>;

struct campaign_created {
  static constexpr std::uint16_t type = 1;
  bool operator==(const campaign_created&) const = default;
  std::string campaign_id, definition, duplicated_from;
};
struct campaign_updated {
  static constexpr std::uint16_t type = 2;
  bool operator==(const campaign_updated&) const = default;
  std::string definition;
};
struct campaign_published {
  static constexpr std::uint16_t type = 3;
  bool operator==(const campaign_published&) const = default;
  std::string status;
  std::int64_t next_run_us = 0;
};
struct campaign_status_changed {
  static constexpr std::uint16_t type = 4;
  bool operator==(const campaign_status_changed&) const = default;
  std::string status, reason;
};
struct confirmation_given {
  static constexpr std::uint16_t type = 5;
  bool operator==(const confirmation_given&) const = default;
  std::uint32_t run = 0;
  std::string activity;
};
struct signal_received {
  static constexpr std::uint16_t type = 6;
  bool operator==(const signal_received&) const = default;
  variables vars;
  std::string source;
};
struct run_started {
  static constexpr std::uint16_t type = 10;
  bool operator==(const run_started&) const = default;
  std::uint32_t run = 0;
  bool test = false;
  std::string trigger;
  variables vars;
};
struct run_ended {
  static constexpr std::uint16_t type = 11;
  bool operator==(const run_ended&) const = default;
  std::uint32_t run = 0;
  std::string status, error;
  std::int64_t next_run_us = 0;
};
struct next_run_planned {
  static constexpr std::uint16_t type = 12;
  bool operator==(const next_run_planned&) const = default;
  std::int64_t next_run_us = 0;
};

struct population {
  std::string output, table;
  std::uint64_t count = 0;
  std::string dimension, fingerprint;
  bool operator==(const population&) const = default;
};

struct task_started {
  static constexpr std::uint16_t type = 20;
  bool operator==(const task_started&) const = default;
  std::uint32_t run = 0;
  std::string activity;
  std::uint32_t attempt = 1;
  std::uint64_t count_in = 0;
};
struct task_completed {
  static constexpr std::uint16_t type = 21;
  bool operator==(const task_completed&) const = default;
  std::uint32_t run = 0;
  std::string activity;
  std::uint64_t count_in = 0;
  std::vector<population> outputs;
  std::vector<std::string> logs;
};
struct task_failed {
  static constexpr std::uint16_t type = 22;
  bool operator==(const task_failed&) const = default;
  std::uint32_t run = 0;
  std::string activity, message, policy;
};
struct task_skipped {
  static constexpr std::uint16_t type = 23;
  bool operator==(const task_skipped&) const = default;
  std::uint32_t run = 0;
  std::string activity, reason;
  bool pass_through = false;
};
struct task_waiting {
  static constexpr std::uint16_t type = 24;
  bool operator==(const task_waiting&) const = default;
  std::uint32_t run = 0;
  std::string activity;
  std::int64_t until_us = 0;
  std::string reason;
};
struct transition_fired {
  static constexpr std::uint16_t type = 25;
  bool operator==(const transition_fired&) const = default;
  std::uint32_t run = 0;
  std::string from, output, to;
  std::uint64_t count = 0;
};
struct alert_raised {
  static constexpr std::uint16_t type = 26;
  bool operator==(const alert_raised&) const = default;
  std::uint32_t run = 0;
  std::string activity, title, message;
};
struct signal_sent {
  static constexpr std::uint16_t type = 27;
  bool operator==(const signal_sent&) const = default;
  std::uint32_t run = 0;
  std::string activity, target;
  variables vars;
};

struct delivery_progress {
  static constexpr std::uint16_t type = 28;
  bool operator==(const delivery_progress&) const = default;
  std::uint32_t run = 0;
  std::string activity;
  std::uint32_t wave = 0;
  std::uint64_t position = 0, sent = 0, failed = 0;
  variables exclusions;  // reason -> cumulative count (as decimal text)
  std::string sent_table;
  // Cumulative: messages handed over again because a crash left their first hand-over without
  // a recorded answer (each may have arrived twice), and messages a server said it already had.
  std::uint64_t in_doubt = 0, repeated = 0;
};

struct feedback_received {
  static constexpr std::uint16_t type = 29;
  bool operator==(const feedback_received&) const = default;
  std::uint32_t run = 0;
  std::string activity, message_id, event;
  std::int64_t at_us = 0;
  std::string recipient;
};

// The run ended before the task did: every task of a run that ends failed or stopped and has not
// ended itself is settled with one (in the run_ended's append). `was`: its state then.
struct task_cancelled {
  static constexpr std::uint16_t type = 30;
  bool operator==(const task_cancelled&) const = default;
  std::uint32_t run = 0;
  std::string activity, reason, was;
};

// Retention (config retention.logsDays): runs 1..last_run ended that long ago. Their task logs
// leave the state (the events keep them) and `worktables` of their data-plane tables were dropped.
struct run_data_dropped {
  static constexpr std::uint16_t type = 40;
  bool operator==(const run_data_dropped&) const = default;
  std::uint32_t last_run = 0;
  std::uint64_t worktables = 0;
};

// A draft was submitted for approval, approved or rejected (INTERFACES.md §8); the actor of the
// event is who did it. An edit (campaign_updated) clears the approval.
struct approval_changed {
  static constexpr std::uint16_t type = 31;
  bool operator==(const approval_changed&) const = default;
  std::string state, reason;
};

// `campaign edit` of a published recurring campaign (or the approval of a proposed edit): the
// definition's version `version` (2, 3, ...). It applies from the next run; a run in progress
// finishes on the version it started with.
struct definition_versioned {
  static constexpr std::uint16_t type = 51;
  bool operator==(const definition_versioned&) const = default;
  std::uint32_t version = 0;
  std::string definition;
};
// With security.requireApproval, an edit of a published campaign waits for an approver who is
// not its author (the actor of this event); approving it appends the definition_versioned.
struct version_proposed {
  static constexpr std::uint16_t type = 52;
  bool operator==(const version_proposed&) const = default;
  std::string definition;
};

// An experiment (a channel activity with `variants` and `experiment`): after the test share was
// sent and the wait passed, the variant with the best metric (unique opens or unique clicks; a tie
// keeps the first) is chosen and goes to the rest. `figures`: every variant as it was then.
struct variant_figures {
  std::string name;
  std::uint64_t sent = 0, opens = 0, unique_opens = 0, clicks = 0, unique_clicks = 0;
  bool operator==(const variant_figures&) const = default;
};
struct variant_chosen {
  static constexpr std::uint16_t type = 70;
  bool operator==(const variant_chosen&) const = default;
  std::uint32_t run = 0;
  std::string activity, variant, metric;
  std::vector<variant_figures> figures;
};

using campaign_event =
    std::variant<campaign_created, campaign_updated, campaign_published, campaign_status_changed,
                 confirmation_given, signal_received, run_started, run_ended, next_run_planned,
                 task_started, task_completed, task_failed, task_skipped, task_waiting,
                 transition_fired, alert_raised, signal_sent, delivery_progress, feedback_received,
                 task_cancelled, run_data_dropped, approval_changed, definition_versioned,
                 version_proposed, variant_chosen>;

// A store event (type, current version, payload) for the typed event; identity fields left empty.
event to_event(const campaign_event& e);
// The typed event of a store event already upcast to the current version (event_catalog),
// decoded by the one table keyed by (type, version); any other version is an integrity error.
result<campaign_event> from_event(const event& e);
// The stable snake_case name of a typed event ("task_completed").
const char* name_of(const campaign_event& e);

}  // namespace baton::ev
