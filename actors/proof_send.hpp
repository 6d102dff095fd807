// Proofs of a channel activity (`campaign proof`, INTERFACES.md §10): the first `sample`
// recipients of the activity's population, rendered exactly as the send would (worktable and
// entity columns, the activity's templates; consent is not asked, tracking is off so no click on
// a proof counts), each sent to every seed address with the subject prefixed and marked as a
// proof ("proof": true in the outbox, X-Baton-Proof: 1 over SMTP). Nothing is recorded in the
// deliveries table or the log: no report counts a proof.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "actors/activity_runner.hpp"
#include "audience/backend.hpp"
#include "channels/connector.hpp"

namespace baton {

struct proof_send_env {
  std::string url, data_dir;
  channels::connector_set* connectors = nullptr;
  std::mutex* send_mu = nullptr;
};

result<std::vector<proof_sent>> send_proof_batch(audience::backend& b, const proof_send_env& env,
                                                 const proof_job& job);

}  // namespace baton
