// How batonctl reaches the engine: in this process over --data-dir (embedded), or a running
// batond with --connect HOST:PORT. Also prints API errors the way every batonctl command does,
// and runs the wait for a run's end that `run` and `campaign wait` share (with Ctrl-C stopping
// the embedded engine gracefully).
#pragma once

#include <atomic>
#include <thread>

#include "actors/client.hpp"
#include "tools/batonctl/commands.hpp"

namespace baton::ctl {

// Embedded mode starts no work unless `start_work` (only `run` and `campaign wait` ask for it):
// a read never starts or resumes a task.
result<std::unique_ptr<engine_client>> open_engine(const context& ctx, bool start_work = false);
// Prints "error: ..." (one line per problem for validation errors) and returns the exit code.
int fail_api(const error& e);
// Sends a command with the acting identity and a fresh command id.
result<nlohmann::json> call(engine_client& c, const context& ctx, api_command cmd,
                            std::chrono::milliseconds timeout = std::chrono::hours(24 * 365));

// While it lives, SIGINT and SIGTERM stop the embedded engine gracefully (engine_client::stop)
// instead of killing the process: running sends stop at their next message and record what
// they did, and the wait in progress returns "interrupted". A second signal ends the process at
// once (exit 130): a crash, after which at most the messages in flight are in doubt. Create it
// before the engine (signals are blocked for every thread started after it).
class stop_on_signal {
 public:
  stop_on_signal();
  ~stop_on_signal();
  stop_on_signal(const stop_on_signal&) = delete;
  stop_on_signal& operator=(const stop_on_signal&) = delete;
  void attach(engine_client* engine) { engine_.store(engine); }
  bool fired() const { return fired_.load(); }

 private:
  void watch();
  std::atomic<engine_client*> engine_{nullptr};
  std::atomic<bool> fired_{false}, done_{false};
  std::thread thread_, stopper_;
};

// Waits for the current run of campaign `id` to end (or to need a person); prints how it ended
// when `print_end` (errors, interruptions and confirmations always) and returns the exit code:
// 0 completed, 1 failed or suspended or waiting for a send confirmation that was not given,
// 7 timed out, 130 interrupted. On a terminal, a send waiting for its confirmation is asked
// about at the prompt.
int wait_for_run(engine_client& e, const context& ctx, const std::string& id, double timeout,
                 const stop_on_signal* signals, bool print_end);

}  // namespace baton::ctl
