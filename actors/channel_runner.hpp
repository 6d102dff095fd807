// Channel activities (email, sms, push) as an activity_runner: reads the population's rows from
// the data plane in key order, excludes and personalises, paces with the throttle, sends in
// batches through the configured connector, and makes each batch durable (delivery_progress)
// before the next — so a re-run resumes after the last durable batch with the same message ids.
// Between waves it asks to be run again later; the last wave's output is the population sent.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/activity_runner.hpp"
#include "channels/tracking.hpp"
#include "events/clock.hpp"
#include "model/config.hpp"

namespace baton {

struct channel_runner_options {
  std::string data_dir;
  std::string url;                                     // data plane ("" = sqlite in data_dir)
  nlohmann::json channels = nlohmann::json::object();  // the config's `channels`
  const clock* time_source = nullptr;                  // pacing and Date headers; default: system
  // Rows per durable batch: what a crash may send twice through a connector without
  // idempotency keys (SMTP; a webhook receiver that ignores Idempotency-Key). The file outbox,
  // which never holds an id twice, takes larger batches: fewer syncs and commits.
  std::size_t batch = 200;
  std::size_t file_batch = 10000;
  // Config `tracking` made usable (none: emails get no tracked links, no pixel and no
  // List-Unsubscribe header) and config `deliverability` (suppression rules, fatigue).
  std::optional<channels::tracking_setup> tracking;
  deliverability_config deliverability;
};

std::shared_ptr<activity_runner> make_channel_runner(
    channel_runner_options o, std::shared_ptr<activity_runner> next = nullptr);

}  // namespace baton
