#include "actors/data_runner.hpp"

#include "actors/channel_runner.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

#include "audience/activities.hpp"
#include "audience/backend.hpp"
#include "audience/worktable.hpp"

namespace baton {

result<entity_schema> read_entity_schema(const std::string& data_dir) {
  std::ifstream f(data_dir + "/schema.json");
  if (!f)
    return make_error(errc::failed, data_dir + "/schema.json",
                      "no entity schema applied (run `batonctl schema apply FILE`)");
  std::stringstream text;
  text << f.rdbuf();
  auto v = parse_entity_schema(text.str());
  if (!v.ok())
    return make_error(errc::failed, data_dir + "/schema.json",
                      "the stored entity schema does not parse");
  return std::move(*v.schema);
}

namespace {

class data_runner final : public activity_runner {
 public:
  data_runner(data_runner_options o, std::shared_ptr<activity_runner> next)
      : o_(std::move(o)), next_(std::move(next)) {
    if (o_.import_dir.empty()) o_.import_dir = o_.data_dir + "/import";
  }

  result<task_outcome> run(const task_input& in) override {
    if (!audience::is_data_activity(in.act->type)) {
      if (next_) return next_->run(in);
      return make_error(errc::failed, in.act->id,
                        std::string("no runner for activity type ") + to_string(in.act->type));
    }
    auto schema = read_entity_schema(o_.data_dir);
    if (!schema) return schema.err();
    auto conn = borrow();
    if (!conn) return conn.err();
    audience::data_options opts;
    opts.campaign_dimension = in.dimension;
    opts.import_dir = o_.import_dir;
    auto out = audience::run_data_activity(*conn.value(), schema.value(), in, opts);
    give_back(std::move(conn.value()));
    return out;
  }

  result<std::uint64_t> drop_run_data(const std::string& campaign,
                                      std::uint32_t last_run) override {
    auto conn = borrow();
    if (!conn) return conn.err();
    auto n = audience::drop_worktables_up_to(*conn.value(), campaign, last_run);
    give_back(std::move(conn.value()));
    return n;
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
  result<std::unique_ptr<audience::backend>> borrow() {
    {
      std::lock_guard<std::mutex> g(mu_);
      if (!idle_.empty()) {
        auto b = std::move(idle_.back());
        idle_.pop_back();
        return b;
      }
    }
    return audience::open_backend(o_.url, o_.data_dir);
  }

  void give_back(std::unique_ptr<audience::backend> b) {
    std::lock_guard<std::mutex> g(mu_);
    idle_.push_back(std::move(b));
  }

  data_runner_options o_;
  std::shared_ptr<activity_runner> next_;
  std::mutex mu_;
  std::vector<std::unique_ptr<audience::backend>> idle_;
};

}  // namespace

std::shared_ptr<activity_runner> make_data_runner(data_runner_options o,
                                                  std::shared_ptr<activity_runner> next) {
  return std::make_shared<data_runner>(std::move(o), std::move(next));
}

std::shared_ptr<activity_runner> make_engine_runner(const std::string& data_dir,
                                                    const std::string& url,
                                                    const std::string& import_dir,
                                                    const nlohmann::json& channels) {
  channel_runner_options c;
  c.data_dir = data_dir;
  c.url = url;
  c.channels = channels;
  return make_flow_runner(make_data_runner({data_dir, url, import_dir}, make_channel_runner(c)));
}

std::shared_ptr<activity_runner> make_engine_runner(const std::string& data_dir,
                                                    const engine_config& config) {
  channel_runner_options c;
  c.data_dir = data_dir;
  c.url = config.data_url;
  c.channels = config.channels;
  c.deliverability = config.deliverability;
  if (config.tracking.enabled()) {
    auto t = channels::make_tracking_setup(config.tracking);
    if (t)
      c.tracking = std::move(t.value());
    else
      spdlog::warn("tracking is off: {}: {}", t.err().where, t.err().what);
  }
  return make_flow_runner(
      make_data_runner({data_dir, config.data_url, config.import_dir}, make_channel_runner(c)));
}

}  // namespace baton
