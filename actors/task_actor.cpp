// The task actor: one per running activity. Flow-control activities are computed right here
// (no blocking); anything else goes to a worker thread of the pool and back. The result is
// reported to the campaign actor, which records it as events.
#include <functional>

#include "actors/engine_context.hpp"
#include "actors/messages.hpp"

namespace baton {

caf::actor spawn_task_actor(caf::local_actor* parent, engine_ctx_ptr ctx, caf::actor campaign,
                            task_job job) {
  return parent->spawn([ctx, campaign, job = std::move(job)](
                           caf::event_based_actor* self) mutable -> caf::behavior {
    job.input.act = &job.act;
    job.campaign = campaign;
    auto run = job.input.run;
    auto id = job.act.id;
    auto report = [self, campaign, run, id](result<task_outcome> r) {
      if (r)
        self->send(campaign, task_done_atom::value, run, id, std::move(r.value()));
      else
        self->send(campaign, task_fail_atom::value, run, id, r.err().what);
      self->quit();
    };
    if (is_flow_activity(job.act.type)) {
      report(run_flow_activity(job.input));
      return {};
    }
    auto& w =
        ctx->workers[std::hash<std::string>{}(job.input.campaign + "/" + id) % ctx->workers.size()];
    self->request(w, caf::infinite, run_task_atom::value, std::move(job))
        .then([report](task_outcome& o) { report(std::move(o)); },
              [report](caf::error& e) { report(from_caf(e)); });
    return {};
  });
}

}  // namespace baton
