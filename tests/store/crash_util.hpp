// Test helper: runs tests/store_crash_child (durable appends from 4 threads) on a store and
// kills it with SIGKILL after a while, returning the appends it had acknowledged.
#pragma once

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <sstream>
#include <string>
#include <vector>

namespace baton::testing {

struct ack {
  std::uint64_t first, last;
  std::string stream;
};

// Runs the child for `ms` milliseconds, kills it with SIGKILL, returns what it acknowledged.
inline std::vector<ack> run_and_kill(const std::string& dir, unsigned seed, int ms) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::string child = std::string(BATON_BINARY_DIR) + "/tests/store_crash_child";
    execl(child.c_str(), child.c_str(), dir.c_str(), std::to_string(seed).c_str(), nullptr);
    _exit(127);
  }
  close(fds[1]);
  usleep(static_cast<useconds_t>(ms) * 1000);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));  // it was still appending when killed
  std::string out;
  char buf[65536];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  std::vector<ack> acks;
  std::istringstream in(out);
  std::string word;
  ack a;
  while (in >> word >> a.first >> a.last >> a.stream) acks.push_back(a);
  return acks;
}

}  // namespace baton::testing
