#include "channels/send_lanes.hpp"

#include <atomic>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>

namespace baton::channels {

namespace {

// The shared state of one batch's lanes; `mu` guards the hooks and every member but `next`.
struct lane_state {
  const std::vector<message>& batch;
  const send_hooks& hooks;
  std::vector<std::optional<delivery_result>> out;
  std::vector<std::size_t> work;  // the first occurrence of each message_id, in batch order
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  bool stopped = false, broken = false;
  std::string broken_reason;

  lane_state(const std::vector<message>& b, const send_hooks& h)
      : batch(b), hooks(h), out(b.size()) {}

  // Under `mu`: true when message i may go now (its hand-over hook called), else its result set.
  bool may_send(std::size_t i) {
    if (!stopped && hooks.stop_requested && hooks.stop_requested()) stopped = true;
    if (stopped || broken) {
      out[i] = delivery_result{batch[i].message_id, delivery_status::failed, false, true,
                               stopped ? k_stopped_reason : broken_reason};
      return false;
    }
    if (hooks.handing_over) hooks.handing_over(batch[i]);
    return true;
  }

  // Under `mu`: records message i's answer.
  void answered(std::size_t i, delivery_result r, bool lane_broken) {
    if (hooks.answered) hooks.answered(batch[i], r);
    if (lane_broken && !broken) {
      broken = true;
      broken_reason = r.reason;
    }
    out[i] = std::move(r);
  }
};

}  // namespace

std::vector<delivery_result> send_in_lanes(
    const std::vector<message>& batch, const send_hooks& hooks, std::size_t lanes,
    const std::function<delivery_result(std::size_t, const message&, bool&)>& one) {
  if (lanes <= 1 || batch.size() <= 1)
    return send_each(batch, hooks,
                     [&](const message& m, bool& broken) { return one(0, m, broken); });
  lane_state st(batch, hooks);
  std::unordered_map<std::string, std::size_t> first;
  std::vector<std::size_t> repeats;
  for (std::size_t i = 0; i < batch.size(); ++i)
    (first.emplace(batch[i].message_id, i).second ? st.work : repeats).push_back(i);

  auto run_lane = [&st, &one](std::size_t lane) {
    for (std::size_t k; (k = st.next.fetch_add(1)) < st.work.size();) {
      std::size_t i = st.work[k];
      {
        std::lock_guard lock(st.mu);
        if (!st.may_send(i)) continue;
      }
      bool lane_broken = false;
      delivery_result r = one(lane, st.batch[i], lane_broken);
      std::lock_guard lock(st.mu);
      st.answered(i, std::move(r), lane_broken);
    }
  };
  std::size_t n = std::min(lanes, st.work.size());
  std::vector<std::thread> threads;
  for (std::size_t lane = 1; lane < n; ++lane) threads.emplace_back(run_lane, lane);
  run_lane(0);
  for (auto& t : threads) t.join();

  // Later occurrences of an id, in order, as send_each treats them: a repeat of a sent message
  // is `repeated`; one whose earlier attempts failed goes again (on lane 0).
  std::set<std::string> done;
  for (std::size_t i : st.work)
    if (st.out[i]->sent()) done.insert(batch[i].message_id);
  for (std::size_t i : repeats) {
    const auto& id = batch[i].message_id;
    if (done.count(id)) {
      st.out[i] = delivery_result{id, delivery_status::sent, true, false, {}};
      continue;
    }
    if (!st.may_send(i)) continue;
    bool lane_broken = false;
    st.answered(i, one(0, batch[i], lane_broken), lane_broken);
    if (st.out[i]->sent()) done.insert(id);
  }
  std::vector<delivery_result> results;
  results.reserve(batch.size());
  for (auto& r : st.out) results.push_back(std::move(*r));
  return results;
}

}  // namespace baton::channels
