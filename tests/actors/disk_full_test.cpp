// Fault injection (issue 18, D15): the data dir on a small tmpfs, filled with a file in the
// middle of a run. batond stops with a clear error (exit 5, "No space left on device"), no event
// anyone saw acknowledged is lost, and once space is freed it starts again, the run resumes and
// completes, and verify passes; an embedded `batonctl campaign wait` stops the same way. Needs
// root (mount); skipped with a warning otherwise.
#include <sys/mount.h>

#include <cstdio>
#include <cstring>
#include <map>

#include "process_util.hpp"

using namespace baton::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct tmpfs_mount {
  std::string path;
  bool mounted = false;
  tmpfs_mount(std::string p, const char* size) : path(std::move(p)) {
    fs::create_directories(path);
    mounted =
        ::mount("tmpfs", path.c_str(), "tmpfs", 0, (std::string("size=") + size).c_str()) == 0;
  }
  ~tmpfs_mount() {
    if (mounted) ::umount2(path.c_str(), MNT_DETACH);
  }
};

// Writes zeros into `path` until the file system is full; returns the bytes written.
std::size_t fill(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f);
  std::setvbuf(f, nullptr, _IONBF, 0);
  std::vector<char> chunk(64 << 10, 0);
  std::size_t total = 0;
  for (std::size_t n; (n = std::fwrite(chunk.data(), 1, chunk.size(), f)) > 0;) total += n;
  std::fclose(f);
  return total;
}

// A wait, then an alert whose event (20 KB of message) cannot fit in what a full disk leaves.
std::string campaign_json() {
  return json{
      {"name", "Disk full"},
      {"dimension", "profiles"},
      {"activities",
       {{{"id", "pause"}, {"type", "wait"}, {"duration", "PT2S"}},
        {{"id", "big"}, {"type", "alert"}, {"title", "Big"}, {"message", std::string(20000, 'x')}},
        {{"id", "after"}, {"type", "wait"}, {"duration", "PT1S"}}}},
      {"transitions", {{{"from", "pause"}, {"to", "big"}}, {{"from", "big"}, {"to", "after"}}}}}
      .dump();
}

}  // namespace

TEST_CASE("a full disk mid-run stops batond clearly, nothing acknowledged is lost, it resumes",
          "[e2e][enospc]") {
  work_dir wd;
  tmpfs_mount disk(wd.str("disk"), "40m");
  if (!disk.mounted) {
    WARN("skipped: cannot mount a tmpfs at " << disk.path << " (" << std::strerror(errno)
                                             << "); this test needs root");
    return;
  }
  auto data = disk.path + "/data";
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
  auto camp = wd.write("camp.json", campaign_json());

  std::optional<daemon_process> d(std::in_place, wd, data);
  auto addr = d->address();
  auto created =
      run_tool(wd, "batonctl", {"--connect", addr, "--json", "campaign", "create", camp});
  REQUIRE(created.code == 0);
  std::string id = json::parse(created.out)["id"];
  // Everything the engine acknowledges from here on, as a follower sees it.
  auto follow_base = wd.fresh("follow");
  child_process follower(
      {tool_path("batonctl"), "--data-dir", data, "--json", "events", "--follow"},
      follow_base + ".out", follow_base + ".err");
  REQUIRE(run_tool(wd, "batonctl", {"--connect", addr, "campaign", "publish", id}).code == 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (follower.out().find("\"task_waiting\"") == std::string::npos) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto anchor = run_tool(wd, "baton-replay", {"--data-dir", data, "anchor"});
  REQUIRE(anchor.code == 0);

  // The disk fills while the run waits; the next append cannot be written.
  auto filled = fill(disk.path + "/filler");
  CHECK(filled > 0);
  int code = d->process().wait(std::chrono::seconds(60));
  auto err = d->process().err();
  INFO("batond stderr: " << err);
  CHECK(code == 5);
  CHECK(err.find("No space left on device") != std::string::npos);
  CHECK(err.find("the event store cannot write") != std::string::npos);
  CHECK(err.find("start it again") != std::string::npos);
  d.reset();
  follower.signal(SIGTERM);
  follower.wait(std::chrono::seconds(10));
  std::vector<json> seen;
  for (auto& l : lines_of(follower.out())) seen.push_back(json::parse(l));
  REQUIRE_FALSE(seen.empty());

  // Space freed: the log still holds everything acknowledged, the run resumes and completes.
  fs::remove(disk.path + "/filler");
  auto v = run_tool(wd, "baton-replay",
                    {"--data-dir", data, "verify", "--anchor", lines_of(anchor.out).at(0)});
  INFO(v.out << v.err);
  CHECK(v.code == 0);
  d.emplace(wd, data);
  auto w = run_tool(wd, "batonctl", {"--connect", d->address(), "--json", "campaign", "wait", id},
                    std::chrono::seconds(60));
  INFO(w.out << w.err);
  CHECK(w.code == 0);
  auto shown =
      run_tool(wd, "batonctl", {"--connect", d->address(), "--json", "campaign", "show", id});
  REQUIRE(shown.code == 0);
  CHECK(json::parse(shown.out)["status"] == "completed");
  CHECK(d->stop() == 0);
  d.reset();
  CHECK(run_tool(wd, "baton-replay", {"--data-dir", data, "verify"}).code == 0);
  auto all = run_tool(wd, "batonctl", {"--data-dir", data, "--json", "events"});
  REQUIRE(all.code == 0);
  std::map<std::uint64_t, std::string> hashes;
  for (auto& l : lines_of(all.out)) {
    auto e = json::parse(l);
    hashes[e["seq"].get<std::uint64_t>()] = e["hash"].get<std::string>();
  }
  for (auto& e : seen) {
    INFO("event #" << e["seq"] << " seen before the disk filled");
    CHECK(hashes[e["seq"].get<std::uint64_t>()] == e["hash"].get<std::string>());
  }
}

TEST_CASE("a full disk stops an embedded batonctl clearly, and campaign wait finishes the run",
          "[e2e][enospc]") {
  work_dir wd;
  tmpfs_mount disk(wd.str("disk"), "40m");
  if (!disk.mounted) {
    WARN("skipped: cannot mount a tmpfs at " << disk.path << " (" << std::strerror(errno)
                                             << "); this test needs root");
    return;
  }
  auto data = disk.path + "/data";
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--data-dir", data});
    return run_tool(wd, "batonctl", args, std::chrono::seconds(60));
  };
  REQUIRE(ctl({"init"}).code == 0);
  auto created = ctl({"--json", "campaign", "create", wd.write("camp.json", campaign_json())});
  REQUIRE(created.code == 0);
  std::string id = json::parse(created.out)["id"];
  REQUIRE(ctl({"campaign", "publish", id}).code == 0);

  // `campaign wait` runs the engine in-process; the disk fills while the run waits.
  auto base = wd.fresh("wait");
  child_process waiter({tool_path("batonctl"), "--data-dir", data, "campaign", "wait", id},
                       base + ".out", base + ".err");
  auto follow_base = wd.fresh("follow");
  child_process follower(
      {tool_path("batonctl"), "--data-dir", data, "--json", "events", "--follow"},
      follow_base + ".out", follow_base + ".err");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (follower.out().find("\"task_waiting\"") == std::string::npos) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(fill(disk.path + "/filler") > 0);
  int code = waiter.wait(std::chrono::seconds(60));
  INFO("batonctl stderr: " << waiter.err());
  CHECK(code == 5);
  CHECK(waiter.err().find("No space left on device") != std::string::npos);
  CHECK(waiter.err().find("run the command again") != std::string::npos);
  follower.signal(SIGTERM);
  follower.wait(std::chrono::seconds(10));

  fs::remove(disk.path + "/filler");
  auto w = ctl({"campaign", "wait", id});
  INFO(w.out << w.err);
  CHECK(w.code == 0);
  auto shown = ctl({"--json", "campaign", "show", id});
  REQUIRE(shown.code == 0);
  CHECK(json::parse(shown.out)["status"] == "completed");
  CHECK(run_tool(wd, "baton-replay", {"--data-dir", data, "verify"}).code == 0);
}
