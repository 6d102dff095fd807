// Private to actors/: what every engine actor shares (read-only after start).
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include <caf/all.hpp>

#include "actors/engine.hpp"
#include "actors/messages.hpp"
#include "actors/security_book.hpp"
#include "model/definition.hpp"

namespace baton {

struct engine_context {
  engine_options opts;
  // What campaigns are validated against: the default guardrails and, from the config, the
  // channels with a connector and the import directory (create, validate, publish, update).
  guardrails limits;
  const clock* clk = nullptr;
  caf::actor writer, timer, registry;
  std::vector<caf::actor> workers;
  // Set when the engine stops: running sends stop at their next message (task_input).
  std::shared_ptr<std::atomic<bool>> stopping = std::make_shared<std::atomic<bool>>(false);
  // Worker jobs in progress (a stop need not wait for data tasks: they run again).
  std::shared_ptr<std::atomic<int>> busy = std::make_shared<std::atomic<int>>(0);
  // Users, roles and token hashes (the "security" stream); the registry alone appends to it.
  std::shared_ptr<security_book> security;
  time_us now() const { return clk->now(); }
  // The role `identity` acts with (model/security.hpp effective_role).
  role role_of(const std::string& identity) const {
    return effective_role(opts.config, *security->get(), identity);
  }
};

using engine_ctx_ptr = std::shared_ptr<engine_context>;

// The folded state of a campaign read from the store (latest snapshot + the events after it).
// A failed read keeps its cause; an event the fold rejects is named (fold_break).
result<campaign_state> load_campaign(const event_store& store, const std::string& id);
// The integrity error naming the event a fold could not take: stream#seq, type, version, why.
error fold_break(const event& e, const error& why);

caf::actor spawn_campaign_actor(caf::local_actor* parent, engine_ctx_ptr ctx,
                                const std::string& id);
// The trigger actor of an api campaign (actors/trigger_actor.hpp); it ends once sent
// (shutdown_atom) and nothing is in flight.
caf::actor spawn_trigger_actor(caf::local_actor* parent, engine_ctx_ptr ctx,
                               const std::string& campaign);
caf::actor spawn_task_actor(caf::local_actor* parent, engine_ctx_ptr ctx, caf::actor campaign,
                            task_job job);

}  // namespace baton
