// Real servers on loopback for the tests (and benchmarks) that deliver: postfix's smtp-sink
// started as a child process, and an HTTP receiver (cpp-httplib) that honours Idempotency-Key.
// Each takes a free port, waits until it listens, and stops when the object goes.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace baton::test_servers {

inline int free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

inline bool port_open(int port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(s);
  return ok;
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A child process running `argv` with extra environment, its output to `log`; SIGTERM + wait
// on destruction.
struct child_process {
  pid_t pid = -1;
  child_process(std::vector<std::string> argv, std::vector<std::string> env = {},
                const std::string& log = "/dev/null") {
    pid = ::fork();
    if (pid == 0) {
      for (auto& e : env) ::putenv(e.data());
      FILE* f = std::fopen(log.c_str(), "w");
      if (f) {
        ::dup2(fileno(f), 1);
        ::dup2(fileno(f), 2);
      }
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  bool running() const { return pid > 0 && ::waitpid(pid, nullptr, WNOHANG) == 0; }
  ~child_process() {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 100 && ::waitpid(pid, nullptr, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
};

inline bool wait_for_port(int port, const child_process& p, int seconds = 15) {
  for (int i = 0; i < seconds * 20; ++i) {
    if (port_open(port)) return true;
    if (!p.running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Postfix's smtp-sink (Debian `postfix`, /usr/sbin/smtp-sink): accepts every message, keeps
// counters of sessions and messages, and with `capture` appends each transaction to a dump
// file. `extra` adds options (e.g. {"-f", "RCPT"} to refuse every recipient with a 5xx); `on`
// a port to listen on (0: a free one).
struct smtp_sink {
  std::filesystem::path dir;
  int port = 0;
  std::unique_ptr<child_process> proc;

  explicit smtp_sink(bool capture = true, std::vector<std::string> extra = {}, int on = 0)
      : port(on ? on : free_port()) {
    std::random_device rd;
    dir = std::filesystem::temp_directory_path() /
          ("baton-smtp-sink-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(dir);
    // As root it must drop to another user, who then writes the dump file here.
    ::chmod(dir.c_str(), 0777);
    std::vector<std::string> argv = {"/usr/sbin/smtp-sink", "-c"};
    if (::geteuid() == 0) argv.insert(argv.end(), {"-u", "nobody"});
    if (capture) argv.insert(argv.end(), {"-D", dump_path().string()});
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), {"127.0.0.1:" + std::to_string(port), "256"});
    proc = std::make_unique<child_process>(argv, std::vector<std::string>{},
                                           (dir / "counters.log").string());
    if (!wait_for_port(port, *proc))
      throw std::runtime_error(
          "smtp-sink did not start (scripts/install-deps installs postfix for it): " +
          read_text(dir / "counters.log"));
    // The readiness probe was a session too: wait until it is counted, then leave it out.
    for (int i = 0; i < 100 && raw_totals().sessions < 1; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    probe_sessions = raw_totals().sessions;
  }
  ~smtp_sink() {
    proc.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port); }
  std::filesystem::path dump_path() const { return dir / "dump.txt"; }

  // The counters smtp-sink printed last: sessions ended (not counting the readiness probe),
  // QUITs, messages received.
  struct counters {
    long sessions = 0, quits = 0, messages = 0;
  };
  counters totals() const {
    auto c = raw_totals();
    c.sessions -= probe_sessions;
    return c;
  }

  // The captured messages: header name -> value (the last of a repeated name; the smtp-sink
  // headers X-Mail-Args / X-Rcpt-Args come first), plus "" -> the body.
  using captured = std::map<std::string, std::string>;
  std::vector<captured> messages() const {
    std::vector<captured> out;
    std::istringstream in(read_text(dump_path()));
    std::string line, last;
    bool body = false;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.rfind("X-Client-Addr: ", 0) == 0) {  // the first line of each transaction
        out.emplace_back();
        body = false;
      }
      if (out.empty()) continue;
      auto& m = out.back();
      if (body) {
        m[""] += line + "\n";
      } else if (line.empty()) {
        body = true;
      } else if (line[0] == ' ' || line[0] == '\t') {
        m[last] += line;
      } else if (auto colon = line.find(':'); colon != std::string::npos) {
        last = line.substr(0, colon);
        m[last] = line.substr(std::min(line.size(), colon + 2));
      }
    }
    return out;
  }

 private:
  long probe_sessions = 0;
  counters raw_totals() const {
    static const std::regex re(R"(sess=(\d+) quit=(\d+) mesg=(\d+))");
    counters c;
    auto text = read_text(dir / "counters.log");
    for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it)
      c = {std::stol((*it)[1]), std::stol((*it)[2]), std::stol((*it)[3])};
    return c;
  }
};

// An HTTP receiver of webhook POSTs on `path` that honours Idempotency-Key: 409 for a key it
// has seen, 500 for recipient "boom", 400 for "bad", 201 otherwise. Records every request.
struct webhook_receiver {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::string path;
  std::mutex mu;
  std::vector<nlohmann::json> bodies;  // accepted (201) bodies, in arrival order
  std::vector<std::string> keys, auth, content_types;
  std::set<std::string> seen;
  std::set<int> peers;

  explicit webhook_receiver(std::string p = "/hook") : path(std::move(p)) {
    server.Post(path, [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      auto body = nlohmann::json::parse(req.body, nullptr, false);
      std::string key = req.get_header_value("Idempotency-Key");
      keys.push_back(key);
      auth.push_back(req.get_header_value("Authorization"));
      content_types.push_back(req.get_header_value("Content-Type"));
      peers.insert(req.remote_port);
      auto recipient = body.is_object() ? body.value("recipient", "") : "";
      if (recipient == "boom") {
        res.status = 500;
        res.set_content("internal trouble", "text/plain");
        return;
      }
      if (recipient == "bad") {
        res.status = 400;
        res.set_content("bad payload", "text/plain");
        return;
      }
      if (!seen.insert(key).second) {
        res.status = 409;
        return;
      }
      bodies.push_back(body);
      res.status = 201;
    });
    server.set_keep_alive_max_count(100000);  // httplib's default closes after 5 requests
    port = server.bind_to_any_port("127.0.0.1");
    // Bound and listening already: requests wait in the backlog until the thread serves them.
    thread = std::thread([this] { server.listen_after_bind(); });
  }
  ~webhook_receiver() {
    server.stop();
    thread.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + path; }
};

}  // namespace baton::test_servers
