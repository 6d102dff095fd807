#include "actors/activity_runner.hpp"

namespace baton {

namespace {

class flow_runner final : public activity_runner {
 public:
  explicit flow_runner(std::shared_ptr<activity_runner> next) : next_(std::move(next)) {}
  result<task_outcome> run(const task_input& in) override {
    if (is_flow_activity(in.act->type)) return run_flow_activity(in);
    if (next_) return next_->run(in);
    return make_error(errc::failed, in.act->id,
                      std::string("activity type ") + to_string(in.act->type) +
                          " needs the data plane, which this engine was started without");
  }
  result<std::uint64_t> drop_run_data(const std::string& campaign,
                                      std::uint32_t last_run) override {
    if (next_) return next_->drop_run_data(campaign, last_run);
    return std::uint64_t{0};
  }
  result<std::vector<trigger_result>> send_triggers(const trigger_job& job) override {
    if (next_) return next_->send_triggers(job);
    return activity_runner::send_triggers(job);
  }
  result<std::vector<trigger_result>> send_graph_triggers(const trigger_job& job,
                                                          activity_runner& top) override {
    if (next_) return next_->send_graph_triggers(job, top);
    return activity_runner::send_graph_triggers(job, top);
  }
  result<std::vector<proof_sent>> send_proofs(const proof_job& job) override {
    if (next_) return next_->send_proofs(job);
    return activity_runner::send_proofs(job);
  }

 private:
  std::shared_ptr<activity_runner> next_;
};

}  // namespace

std::shared_ptr<activity_runner> make_flow_runner(std::shared_ptr<activity_runner> next) {
  return std::make_shared<flow_runner>(std::move(next));
}

}  // namespace baton
