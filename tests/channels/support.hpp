// Helpers for the channels tests: scratch directories, free loopback ports, child processes
// (tests/support/servers.hpp: real servers the tests start and stop), files and sample messages.
#pragma once

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

inline std::vector<message> sample_batch(int from, int to, const std::string& campaign = "c-test") {
  std::vector<message> out;
  for (int i = from; i < to; ++i) out.push_back(sample_email(i, campaign));
  return out;
}

}  // namespace baton::channels::testing
