// The real binaries as child processes, for end-to-end tests: run batonctl, baton-replay or the
// example client with a deadline and capture what they print; start batond on a data dir, learn
// its port from the "listening HOST:PORT" line, stop it with SIGTERM or kill it with SIGKILL.
// Waits poll with a bounded deadline; nothing here sleeps for a fixed time.
#pragma once

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

extern char** environ;

namespace baton::testing {

inline std::string tool_path(const std::string& name) {
  return std::string(BATON_BINARY_DIR) + "/tools/" + name;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

// A temporary directory removed with everything in it.
struct work_dir {
  std::filesystem::path path;
  work_dir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("baton-e2e-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~work_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  work_dir(const work_dir&) = delete;
  work_dir& operator=(const work_dir&) = delete;
  std::string str(const std::string& sub) const { return (path / sub).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    auto p = str(name);
    std::ofstream(p) << text;
    return p;
  }
  // A new path for a child's output files: PREFIX-N.
  std::string fresh(const std::string& prefix) const {
    return str(prefix + "-" + std::to_string(++files_));
  }

 private:
  mutable int files_ = 0;
};

// A running child whose stdout and stderr go to files.
class child_process {
 public:
  child_process(const std::vector<std::string>& argv, std::string out_path, std::string err_path)
      : out_path_(std::move(out_path)), err_path_(std::move(err_path)) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    // A binary being relinked by a concurrent build is briefly missing or busy: retry a little.
    int rc = 0;
    for (int attempt = 0; attempt < 100; ++attempt) {
      rc = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
      if (rc != ETXTBSY && rc != EACCES && rc != ENOENT) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    posix_spawn_file_actions_destroy(&fa);
    INFO("spawning " << argv[0]);
    REQUIRE(rc == 0);
  }
  ~child_process() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      reap(true);
    }
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  bool running() { return !status_ && !reap(false); }
  std::string out() const { return slurp(out_path_); }
  std::string err() const { return slurp(err_path_); }

  // Waits for the exit (SIGKILL after `timeout`, and the test fails); returns the exit code,
  // or 128 + the signal that ended it.
  int wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!reap(false)) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        reap(true);
        FAIL("child " << pid_ << " did not exit within " << timeout.count()
                      << " ms; stderr: " << err());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return code();
  }
  void signal(int sig) { ::kill(pid_, sig); }
  int kill9() {
    ::kill(pid_, SIGKILL);
    reap(true);
    return code();
  }

 private:
  bool reap(bool block) {
    if (status_) return true;
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, block ? 0 : WNOHANG);
    if (r == pid_) status_ = st;
    return status_.has_value();
  }
  int code() const {
    return WIFEXITED(*status_) ? WEXITSTATUS(*status_) : 128 + WTERMSIG(*status_);
  }
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string out_path_, err_path_;
};

struct run_result {
  int code = -1;
  std::string out, err;
};

// Runs a binary of build/tools to its end (at most `timeout`).
inline run_result run_tool(const work_dir& wd, const std::string& tool,
                           const std::vector<std::string>& args,
                           std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  auto base = wd.fresh(tool);
  std::vector<std::string> argv{tool_path(tool)};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process c(argv, base + ".stdout", base + ".stderr");
  run_result r;
  r.code = c.wait(timeout);
  r.out = c.out();
  r.err = c.err();
  return r;
}

// An API token of the admin user `tester` of `data_dir` (added on first use, else given one more
// token), made by embedded batonctl while no batond holds the data dir.
inline std::string tester_token(const work_dir& wd, const std::string& data_dir) {
  auto r = run_tool(wd, "batonctl",
                    {"--data-dir", data_dir, "user", "add", "tester", "--role", "admin"});
  if (r.code != 0)
    r = run_tool(wd, "batonctl", {"--data-dir", data_dir, "user", "token", "tester"});
  INFO("batonctl user add/token: " << r.err);
  REQUIRE(r.code == 0);
  REQUIRE(r.out.size() == 65);  // 64 hex digits and a newline
  return r.out.substr(0, 64);
}

// batond on a data dir, listening on an ephemeral port of 127.0.0.1.
class daemon_process {
 public:
  // A data dir that does not exist yet is created by `batonctl init` first (batond refuses a
  // missing one: only init creates data dirs). The admin user `tester` gets a token first, in
  // $BATON_TOKEN for every batonctl and client this test starts (they authenticate with it).
  // `extra`: more batond flags (--tls-cert ...; with --http the public listener's address is
  // awaited too); `listen`: the address to listen on.
  daemon_process(const work_dir& wd, const std::string& data_dir,
                 const std::vector<std::string>& extra = {},
                 const std::string& listen = "127.0.0.1:0") {
    if (!std::filesystem::exists(data_dir + "/events/CURRENT"))
      REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data_dir, "init"}).code == 0);
    token_ = tester_token(wd, data_dir);
    ::setenv("BATON_TOKEN", token_.c_str(), 1);
    auto base = wd.fresh("batond");
    std::vector<std::string> argv{tool_path("batond"), "--data-dir", data_dir, "--listen", listen};
    argv.insert(argv.end(), extra.begin(), extra.end());
    bool http = std::find(extra.begin(), extra.end(), "--http") != extra.end();
    proc_.emplace(argv, base + ".stdout", base + ".stderr");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
      for (auto& l : lines_of(proc_->out())) {
        if (l.rfind("listening ", 0) == 0) address_ = l.substr(10);
        if (l.rfind("http ", 0) == 0) http_ = l.substr(5);
      }
      if (!address_.empty() && (!http || !http_.empty())) break;
      INFO("batond stderr: " << proc_->err());
      REQUIRE(proc_->running());
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  const std::string& address() const { return address_; }    // HOST:PORT
  const std::string& http_address() const { return http_; }  // HOST:PORT of --http
  const std::string& token() const { return token_; }        // tester's API token
  pid_t pid() const { return proc_->pid(); }
  child_process& process() { return *proc_; }
  // SIGTERM; the exit code.
  int stop() {
    proc_->signal(SIGTERM);
    return proc_->wait(std::chrono::seconds(20));
  }
  int kill9() { return proc_->kill9(); }

 private:
  std::optional<child_process> proc_;
  std::string address_, token_, http_;
};

}  // namespace baton::testing
