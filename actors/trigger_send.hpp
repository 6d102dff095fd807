// The fast path of API triggers (INTERFACES.md §10): a batch of single-recipient triggers is
// looked up in its entity table (one query), checked (suppression always; consent and fatigue
// for marketing), rendered with each trigger's context and handed to the connector at once —
// one write and one sync for the file outbox; no worktable. A message id is made from the
// trigger id, so a trigger sent again after a crash is never delivered twice by the outbox;
// other connectors keep a send journal (SMTP: at most the messages in doubt go twice).
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "actors/activity_runner.hpp"
#include "audience/backend.hpp"
#include "channels/connector.hpp"
#include "channels/tracking.hpp"
#include "model/config.hpp"

namespace baton {

struct trigger_send_env {
  std::string data_dir;  // the entity schema (schema.json)
  const channels::tracking_setup* tracking = nullptr;
  const deliverability_config* deliverability = nullptr;
  channels::connector_set* connectors = nullptr;
  std::mutex* send_mu = nullptr;  // held while the connector sends
  // The send journal of the campaign's triggers (DATA_DIR/journal/CAMPAIGN/triggers), kept for
  // every connector but the file outbox: each hand-over and answer is written before the next
  // message goes, so a trigger retried after a crash is not handed over again once a server
  // accepted it — only a message in doubt (handed over, no answer written: at most one per
  // connection) may go twice. "" = no journal.
  std::string journal_path;
};

// Makes the tables a trigger send reads and writes (deliveries, suppression; the fatigue index
// when fatigue rules are configured). Idempotent.
status prepare_trigger_tables(audience::backend& b, const trigger_send_env& env);

// One result per trigger of `job`, in order. An unknown recipient is a per-trigger not_found;
// a connector failure a per-trigger `failed` (nothing recorded: the same trigger id may be
// sent again). Errors of the whole batch (data plane, schema) are the returned error.
result<std::vector<trigger_result>> send_trigger_batch(audience::backend& b,
                                                       const trigger_send_env& env,
                                                       const trigger_job& job);

}  // namespace baton
