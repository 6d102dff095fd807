#include "actors/trigger_graph.hpp"

#include <map>

#include "actors/data_runner.hpp"
#include "audience/recipient_population.hpp"
#include "model/planner.hpp"

namespace baton {

namespace {

struct reached {
  std::string channel;  // the channel activity the recipient's row reached
  ev::population pop;
};

// Runs the graph for one trigger whose recipient is the population `root`, as the engine runs a
// run's tasks (the planner decides what starts and what is skipped), with run number 0. A
// channel activity ends its branch: it is where the trigger sends.
result<std::vector<reached>> walk(activity_runner& top, const campaign_definition& def,
                                  const trigger_job& job, const ev::population& root) {
  run_state run;
  run.number = 0;
  for (auto& a : def.activities) run.tasks[a.id].activity = a.id;
  std::vector<reached> out;
  for (;;) {
    auto plan = plan_run(def, run);
    for (auto& skip : plan.skips) {
      auto& t = run.tasks[skip.activity];
      t.status = task_status::skipped;
      t.skip_reason = skip.reason;
      t.pass_through = skip.pass_through;
    }
    if (plan.ready.empty()) return out;
    for (auto& id : plan.ready) {
      auto& t = run.tasks[id];
      const activity* a = def.find_activity(id);
      auto inputs = inputs_of(def, run, id);
      if (def.sources_of(id).empty()) inputs = {{"trigger", root}};
      t.status = task_status::done;
      if (is_channel(a->type)) {
        for (auto& [src, pop] : inputs)
          if (pop.count > 0) {
            out.push_back({id, pop});
            break;
          }
        continue;
      }
      task_input in;
      in.campaign = job.campaign;
      in.act = a;
      in.inputs = std::move(inputs);
      in.now = job.now;
      in.dimension = job.dimension;
      auto o = top.run(in);
      if (!o) return o.err();
      if (o->resume_at || o->interrupted)
        return make_error(errc::failed, id, "an activity of a trigger cannot wait");
      t.count_in = o->count_in;
      t.outputs = std::move(o->outputs);
    }
  }
}

}  // namespace

result<std::vector<trigger_result>> send_graph_trigger_batch(audience::backend& b,
                                                             const trigger_send_env& env,
                                                             activity_runner& top,
                                                             const trigger_job& job) {
  const campaign_definition& def = *job.graph;
  auto schema = read_entity_schema(env.data_dir);
  if (!schema) return schema.err();
  const entity* e = schema->find_entity(job.dimension);
  if (!e) return make_error(errc::failed, job.dimension, "no such entity in the schema");
  auto clean = [&]() { return audience::drop_run_worktables(b, job.campaign, 0); };
  if (auto c = clean(); !c) return c.err();
  std::vector<trigger_result> out(job.triggers.size());
  std::map<std::string, std::vector<std::size_t>> by_channel;  // channel activity -> triggers
  std::vector<trigger_request> requests = job.triggers;
  for (std::size_t i = 0; i < job.triggers.size(); ++i) {
    const auto& t = job.triggers[i];
    // Every trigger's worktables are run 0's: the previous trigger's are replaced.
    auto pop =
        audience::recipient_population(b, *e, {job.campaign, 0, "trigger"}, t.recipient, job.now);
    if (!pop) return pop.err();
    if (pop->count == 0) {
      out[i].failure = make_error(errc::not_found, "--recipient",
                                  "no recipient `" + t.recipient + "` in entity `" + e->name + "`");
      continue;
    }
    auto ends = walk(top, def, job, *pop);
    if (!ends) {
      out[i].failure = ends.err();
      continue;
    }
    if (ends->empty()) {
      out[i].status = "excluded";
      out[i].excluded = k_no_channel;
      continue;
    }
    if (ends->size() > 1 || ends->front().pop.dimension != e->name) {
      out[i].failure = make_error(errc::failed, ends->front().channel,
                                  "the recipient reached several channel activities, or another "
                                  "dimension: a trigger sends one message to its recipient");
      continue;
    }
    auto row = audience::worktable_first_row(b, ends->front().pop.table);
    if (!row) return row.err();
    if (*row) requests[i].columns = std::move(**row);
    by_channel[ends->front().channel].push_back(i);
  }
  if (auto c = clean(); !c) return c.err();
  for (auto& [channel, which] : by_channel) {
    trigger_job send = job;
    send.graph.reset();
    send.act = *def.find_activity(channel);
    send.triggers.clear();
    for (auto i : which) send.triggers.push_back(std::move(requests[i]));
    auto sent = send_trigger_batch(b, env, send);
    if (!sent) return sent.err();
    for (std::size_t k = 0; k < which.size() && k < sent->size(); ++k) {
      out[which[k]] = std::move((*sent)[k]);
      out[which[k]].activity = channel;
    }
  }
  return out;
}

}  // namespace baton
