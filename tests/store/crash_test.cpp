// Crash safety: a child process appending with sync is SIGKILLed at random moments; after each
// kill the store reopens with every acknowledged event present, sequences gap-free and the
// hash chain intact.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <random>
#include <sstream>

#include "store_fixture.hpp"

using namespace baton;
using namespace baton::testing;

namespace {

struct ack {
  std::uint64_t first, last;
  std::string stream;
};

// Runs the child for `ms` milliseconds, kills it with SIGKILL, returns what it acknowledged.
std::vector<ack> run_and_kill(const std::string& dir, unsigned seed, int ms) {
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

}  // namespace

TEST_CASE("kill -9 during synced appends never loses an acknowledged event") {
  temp_dir d;
  auto dir = d.str();
  std::mt19937 rng(20261122);
  std::uint64_t total_acked = 0;
  for (int trial = 0; trial < 20; ++trial) {
    int ms = 40 + static_cast<int>(rng() % 260);
    auto acks = run_and_kill(dir, rng(), ms);
    INFO("trial " << trial << " killed after " << ms << " ms with " << acks.size() << " acks");
    auto s = open_store(dir);
    auto rep = s->verify();
    REQUIRE(rep.ok());
    CHECK_FALSE(rep->first_break.has_value());
    for (auto& a : acks) {
      REQUIRE(a.last <= s->last_global_seq());
      auto got = s->read_all(a.first, a.last - a.first + 1);
      REQUIRE(got->size() == a.last - a.first + 1);
      for (auto& e : *got) CHECK(e.stream == a.stream);
    }
    total_acked += acks.size();
  }
  CHECK(total_acked > 0);
}
