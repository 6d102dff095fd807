// Helpers for the channels tests: scratch directories, free loopback ports, child processes
// (real servers the tests start and stop themselves), reading files and sample messages.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "channels/message.hpp"

namespace baton::channels::testing {

// A fresh directory under the system temp dir, removed with the object.
struct scratch_dir {
  std::filesystem::path path;
  scratch_dir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("baton-channels-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string str() const { return path.string(); }
};

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

// A child process running `argv` with extra environment; SIGTERM + wait on destruction.
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

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (auto nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// An email to recipient `n` of a test campaign.
inline message sample_email(int n, const std::string& campaign = "c-test") {
  message m;
  m.campaign = campaign;
  m.run = 1;
  m.activity = "mail";
  m.channel = baton::channel::email;
  m.recipient = std::to_string(n);
  m.message_id = make_message_id(m.campaign, m.run, m.activity, m.recipient);
  m.address = "user" + std::to_string(n) + "@example.com";
  m.from = "Shop <news@shop.example>";
  m.subject = "Hello " + std::to_string(n);
  m.body = "Dear customer " + std::to_string(n) + ",\nthe sale is on.\n";
  return m;
}

inline std::vector<message> sample_batch(int from, int to, const std::string& campaign = "c-test") {
  std::vector<message> out;
  for (int i = from; i < to; ++i) out.push_back(sample_email(i, campaign));
  return out;
}

}  // namespace baton::channels::testing
