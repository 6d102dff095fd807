#include "tools/batonctl/engine_access.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <iostream>
#include <random>
#include <sstream>

namespace baton::ctl {

result<std::unique_ptr<engine_client>> open_engine(const context& ctx, bool start_work) {
  if (!ctx.connect.empty()) {
    std::string host;
    std::uint16_t port = 0;
    if (!parse_host_port(ctx.connect, host, port) || port == 0)
      return make_error(errc::validation, "--connect",
                        "expected HOST:PORT, got '" + ctx.connect + "'");
    return engine_client::connect(host, port, ctx.token,
                                  client_tls_files{ctx.tls_ca, ctx.tls_cert, ctx.tls_key});
  }
  embedded_options o{ctx.global.data_dir, ctx.global.config, true};
  o.start_work = start_work;
  return engine_client::embedded(o);
}

int fail_api(const error& e) {
  return cli::fail(e);  // one "error: " line per problem of a validation error
}

result<nlohmann::json> call(engine_client& c, const context& ctx, api_command cmd,
                            std::chrono::milliseconds timeout) {
  cmd.actor = ctx.global.user;  // embedded; batond's session puts the token's user here
  if (cmd.command_id.empty()) {
    std::random_device rd;
    std::ostringstream id;
    id << "ctl-" << std::hex << rd() << rd();
    cmd.command_id = id.str();
  }
  return c.call(std::move(cmd), timeout);
}

namespace {

sigset_t stop_signals() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGTERM);
  return s;
}

}  // namespace

stop_on_signal::stop_on_signal() {
  auto s = stop_signals();
  pthread_sigmask(SIG_BLOCK, &s, nullptr);
  thread_ = std::thread([this] { watch(); });
}

stop_on_signal::~stop_on_signal() {
  done_ = true;
  thread_.join();
  if (stopper_.joinable()) stopper_.join();
  auto s = stop_signals();
  pthread_sigmask(SIG_UNBLOCK, &s, nullptr);
}

void stop_on_signal::watch() {
  auto s = stop_signals();
  timespec tick{0, 100 * 1000 * 1000};
  while (!done_) {
    if (sigtimedwait(&s, nullptr, &tick) < 0) continue;
    if (fired_.exchange(true)) break;  // handled below: a second signal
    std::cerr << "stopping: finishing the message in flight and recording what was sent "
                 "(interrupt again to stop at once)"
              << std::endl;
    // The stop runs beside this thread, which keeps listening for a second signal.
    if (auto* e = engine_.load()) stopper_ = std::thread([e] { e->stop(); });
  }
  if (done_ || !fired_) return;
  std::cerr << "stopped at once: the messages in flight are in doubt; `batonctl campaign wait ID` "
               "continues the run"
            << std::endl;
  std::_Exit(130);
}

namespace {

// At a terminal, asks whether to send now; true for yes.
bool ask_confirmation(const std::string& id, const std::string& activity) {
  if (!::isatty(STDIN_FILENO) || !::isatty(STDERR_FILENO)) return false;
  std::cerr << id << ": the send of `" << activity
            << "` waits for its confirmation. Send it now? [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

std::string ended_line(const std::string& id, const nlohmann::json& j) {
  if (j["run"].is_null()) return id + ": no run yet\n";
  return id + ": run " + j["run"].dump() + " " + j["runStatus"].get<std::string>() + "\n";
}

}  // namespace

int wait_for_run(engine_client& e, const context& ctx, const std::string& id, double timeout,
                 const stop_on_signal* signals, bool print_end) {
  auto ms = timeout > 0 ? std::chrono::milliseconds(static_cast<long>(timeout * 1000))
                        : std::chrono::hours(24 * 365);
  for (;;) {
    auto r = call(e, ctx, {"wait", id, "", "", "", {}}, ms);
    if (!r && signals && signals->fired()) r = nlohmann::json{{"interrupted", true}};
    if (!r) {
      if (r.err().where != "timeout") return fail_api(r.err());
      std::cerr << "error: timeout: the run of " << id << " did not end within " << timeout
                << " s; it may still be going on (`batonctl campaign wait " << id << "`)\n";
      return 7;
    }
    auto& j = r.value();
    if (j.value("interrupted", false)) {
      std::cerr << "interrupted: " << id
                << " stopped where it stood; every message a server accepted is recorded and "
                   "will not be sent again. Continue with `batonctl campaign wait "
                << id << "`\n";
      return 130;
    }
    if (j["runStatus"] == "needs-confirmation") {
      auto activity = j["needsConfirmation"][0].get<std::string>();
      if (ask_confirmation(id, activity)) {
        auto c = call(e, ctx, {"confirm", id, "", "", "", {{"activity", activity}}});
        if (!c) return fail_api(c.err());
        continue;
      }
      if (ctx.global.json) std::cout << j.dump() << "\n";
      std::cerr << id << ": run " << j["run"].dump() << " waits for a send confirmation of `"
                << activity << "`: give it with `batonctl campaign confirm " << id << " "
                << activity << "`, then `batonctl campaign wait " << id << "`\n";
      return 1;
    }
    if (print_end && ctx.global.json)
      std::cout << j.dump() << "\n";
    else if (print_end)
      std::cout << ended_line(id, j);
    if (j.contains("error") && j["runStatus"] != "completed")
      std::cerr << "error: " << j["error"]["activity"].get<std::string>() << ": "
                << j["error"]["message"].get<std::string>()
                << (j["runStatus"] == "suspended"
                        ? " (the campaign is paused: fix and `batonctl campaign resume " + id +
                              "`, then `batonctl campaign wait " + id + "`)"
                        : "")
                << "\n";
    return j["runStatus"] == "failed" || j["runStatus"] == "suspended" ? 1 : 0;
  }
}

}  // namespace baton::ctl
