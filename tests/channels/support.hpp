// Helpers for the channels tests: scratch directories, free loopback ports, child processes
// (tests/support/servers.hpp: real servers the tests start and stop), files and sample messages.
#pragma once

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "channels/message.hpp"
#include "support/servers.hpp"

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

using test_servers::child_process;
using test_servers::free_port;
using test_servers::port_open;
using test_servers::wait_for_port;

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

inline constexpr const char* k_python = "/usr/bin/python3";

inline constexpr const char* k_handler = R"(from aiosmtpd.handlers import Mailbox
class Picky(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith('reject'):
            return '550 5.1.1 no such user'
        if address.startswith('later'):
            return '451 4.3.0 try again later'
        envelope.rcpt_tos.append(address)
        return '250 OK'
)";

// aiosmtpd (Debian python3-aiosmtpd) on a free loopback port, storing a Maildir, with a handler
// that refuses some recipients, so the tests see real 5xx and 4xx replies.
struct smtp_server {
  scratch_dir dir;
  int port = free_port();
  std::filesystem::path maildir = dir.path / "maildir";
  std::unique_ptr<child_process> proc;

  explicit smtp_server(std::vector<std::string> extra = {}) {
    std::ofstream(dir.path / "picky.py") << k_handler;
    std::vector<std::string> argv = {k_python, "-m",         "aiosmtpd",
                                     "-n",     "-l",         "127.0.0.1:" + std::to_string(port),
                                     "-c",     "picky.Picky"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(maildir.string());
    proc =
        std::make_unique<child_process>(argv, std::vector<std::string>{"PYTHONPATH=" + dir.str()},
                                        (dir.path / "server.log").string());
    if (!wait_for_port(port, *proc))
      throw std::runtime_error(
          "aiosmtpd did not start (run scripts/install-deps for python3-aiosmtpd): " +
          read_file(dir.path / "server.log"));
  }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port); }

  // The messages delivered so far, as header name -> value maps (plus "" -> body).
  std::vector<std::map<std::string, std::string>> delivered() const {
    std::vector<std::map<std::string, std::string>> out;
    if (!std::filesystem::exists(maildir / "new")) return out;
    for (const auto& f : std::filesystem::directory_iterator(maildir / "new")) {
      std::map<std::string, std::string> h;
      auto text = read_file(f.path());
      auto sep = text.find("\n\n");
      std::string last;
      for (const auto& line : lines_of(text.substr(0, sep) + "\n")) {
        if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
          h[last] += line;
          continue;
        }
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        last = line.substr(0, colon);
        h[last] = line.substr(colon + 2);
      }
      h[""] = sep == std::string::npos ? "" : text.substr(sep + 2);
      out.push_back(h);
    }
    return out;
  }
};

inline std::vector<message> sample_batch(int from, int to, const std::string& campaign = "c-test") {
  std::vector<message> out;
  for (int i = from; i < to; ++i) out.push_back(sample_email(i, campaign));
  return out;
}

}  // namespace baton::channels::testing
