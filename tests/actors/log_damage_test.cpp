// The log and the data survive damage, through the real binaries (issue 18, A2 and A5):
// a byte flipped in the WAL after a kill -9 of batond is refused everywhere (exit 6 naming the
// file and offset) until `baton-replay salvage` keeps the intact part and records the drop;
// verify checks the newest recorded anchor; `batonctl backup` copies events and data, and
// `batonctl restore` gives a data dir on which verify, counts, the campaign and new runs work.
#include <algorithm>

#include "process_util.hpp"

using namespace baton::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string source(const std::string& rel) {
  return std::string(BATON_SOURCE_DIR) + "/" + rel;
}

std::vector<std::string> wal_files_of(const std::string& events) {
  std::vector<std::string> out;
  for (auto& e : fs::directory_iterator(events))
    if (e.path().extension() == ".log" && e.path().filename() != "LOG")
      out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

void flip_byte(const std::string& path, std::size_t at) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f);
  f.seekg(static_cast<std::streamoff>(at));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(at));
  f.put(static_cast<char>(c ^ 0x04));
}

// A data dir with the sample schema and a little generated data.
std::string sample_data_dir(const work_dir& wd, const std::string& name) {
  auto data = wd.str(name);
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--data-dir", data});
    auto r = run_tool(wd, "batonctl", args, std::chrono::minutes(2));
    INFO("batonctl " << args[2] << ": " << r.err);
    REQUIRE(r.code == 0);
    return r;
  };
  ctl({"init"});
  ctl({"schema", "apply", source("config/schema.json")});
  auto r = run_tool(wd, "baton-sample-data",
                    {"--seed", "7", "--profiles", "600", "--out", wd.str(name + "-sample")});
  REQUIRE(r.code == 0);
  for (auto e : {"households", "profiles", "purchases"})
    ctl({"data", "load", e, wd.str(name + "-sample") + "/" + e + ".csv"});
  return data;
}

}  // namespace

TEST_CASE("a flipped WAL byte after kill -9 of batond: refused with exit 6, then salvaged",
          "[e2e][wal]") {
  work_dir wd;
  auto data = wd.str("data");
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
  std::string before_anchor;
  {
    daemon_process d(wd, data);
    for (int i = 0; i < 2; ++i) {
      auto r =
          run_tool(wd, "batonctl",
                   {"--connect", d.address(), "run", source("config/campaigns/flow-control.json")});
      INFO(r.err);
      REQUIRE(r.code == 0);
    }
    auto a = run_tool(wd, "baton-replay", {"--data-dir", data, "anchor"});
    REQUIRE(a.code == 0);
    before_anchor = lines_of(a.out).at(0);
    d.kill9();  // the two campaigns' events are still only in the WAL
  }
  auto wals = wal_files_of(data + "/events");
  REQUIRE(wals.size() == 1);
  auto size = fs::file_size(wals[0]);
  REQUIRE(size > 4096);
  flip_byte(wals[0], size / 3);

  // Every opener refuses, naming the WAL file and the offset; nothing is appended.
  auto v = run_tool(wd, "baton-replay", {"--data-dir", data, "verify"});
  INFO(v.out << v.err);
  CHECK(v.code == 6);
  CHECK(v.err.find("error: " + wals[0] + ": offset ") == 0);
  CHECK(v.err.find("baton-replay salvage") != std::string::npos);
  auto b = run_tool(wd, "batond", {"--data-dir", data, "--listen", "127.0.0.1:0"});
  CHECK(b.code == 6);
  CHECK(b.err.find(wals[0]) != std::string::npos);
  auto l = run_tool(wd, "batonctl", {"--data-dir", data, "campaign", "list"});
  CHECK(l.code == 6);
  CHECK(fs::file_size(wals[0]) == size);

  // Salvage keeps the intact prefix, sets the damage aside and records it as an event.
  auto s = run_tool(wd, "baton-replay", {"--data-dir", data, "--json", "salvage"});
  INFO(s.out << s.err);
  REQUIRE(s.code == 0);
  auto sj = json::parse(s.out);
  CHECK(sj["salvaged"] == true);
  CHECK(sj["damage"]["file"] == wals[0]);
  CHECK(sj["headAfter"].get<std::uint64_t>() < sj["headBefore"].get<std::uint64_t>());
  CHECK(sj["dropped"].get<std::uint64_t>() > 0);
  auto kept = sj["keptIn"].get<std::string>();
  CHECK(fs::exists(kept + "/" + fs::path(wals[0]).filename().string()));
  CHECK(fs::exists(kept + "/dropped.jsonl"));
  CHECK(lines_of(slurp(kept + "/dropped.jsonl")).size() ==
        sj["readableDropped"].get<std::size_t>());

  v = run_tool(wd, "baton-replay", {"--data-dir", data, "verify"});
  INFO(v.out << v.err);
  CHECK(v.code == 0);
  auto ev = run_tool(wd, "batonctl",
                     {"--data-dir", data, "--json", "events", "--type", "store_salvaged"});
  REQUIRE(ev.code == 0);
  auto lines = lines_of(ev.out);
  REQUIRE(lines.size() == 1);
  auto e = json::parse(lines[0]);
  CHECK(e["stream"] == "store");
  // Cap'n Proto's JSON writes 64-bit integers as strings; either form carries the number.
  auto u64 = [](const json& v) {
    return v.is_string() ? std::stoull(v.get<std::string>()) : v.get<std::uint64_t>();
  };
  CHECK(u64(e["payload"]["dropped"]) == u64(sj["dropped"]));
  CHECK(u64(e["payload"]["headAfter"]) == u64(sj["headAfter"]));
  // The anchor taken before the damage no longer holds (the log did change), and says so.
  auto old =
      run_tool(wd, "baton-replay", {"--data-dir", data, "verify", "--anchor", before_anchor});
  CHECK(old.code == 6);
  // The engine works on the salvaged log: a new campaign runs.
  daemon_process d(wd, data);
  auto r =
      run_tool(wd, "batonctl",
               {"--connect", d.address(), "run", source("config/campaigns/flow-control.json")});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(d.stop() == 0);
  CHECK(run_tool(wd, "baton-replay", {"--data-dir", data, "verify"}).code == 0);
}

TEST_CASE("verify fails when the log is shorter than the newest recorded anchor", "[e2e][wal]") {
  work_dir wd;
  auto data = wd.str("data");
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--data-dir", data});
    return run_tool(wd, "batonctl", args);
  };
  REQUIRE(ctl({"init"}).code == 0);
  REQUIRE(ctl({"run", source("config/campaigns/flow-control.json")}).code == 0);
  REQUIRE(ctl({"backup", wd.str("old")}).code == 0);
  REQUIRE(ctl({"run", source("config/campaigns/flow-control.json")}).code == 0);
  auto a = run_tool(wd, "baton-replay", {"--data-dir", data, "anchor"});
  REQUIRE(a.code == 0);
  auto anchored = std::stoull(a.out);
  CHECK(run_tool(wd, "baton-replay", {"--data-dir", data, "verify"}).code == 0);
  // An older copy of the event store put back in place: intact in itself, but shorter.
  fs::remove_all(data + "/events");
  fs::copy(wd.str("old") + "/events", data + "/events", fs::copy_options::recursive);
  auto v = run_tool(wd, "baton-replay", {"--data-dir", data, "verify"});
  INFO(v.err);
  CHECK(v.code == 6);
  CHECK(v.err.find("says it held #" + std::to_string(anchored)) != std::string::npos);
  CHECK(v.err.find("anchors.jsonl") != std::string::npos);
}

TEST_CASE("backup and restore: events and data, verified, counted, and runs go on",
          "[e2e][backup]") {
  work_dir wd;
  auto data = sample_data_dir(wd, "data");
  auto ctl = [&](const std::string& dir, std::vector<std::string> args) {
    args.insert(args.begin(), {"--data-dir", dir});
    return run_tool(wd, "batonctl", args, std::chrono::minutes(2));
  };
  auto r = ctl(data, {"--json", "run", source("config/campaigns/winter-sale.json")});
  INFO(r.err);
  REQUIRE(r.code == 0);
  std::string id = json::parse(r.out)["id"];

  auto b = ctl(data, {"--json", "backup", wd.str("bk")});
  INFO(b.err);
  REQUIRE(b.code == 0);
  auto bj = json::parse(b.out);
  CHECK(bj["backup"] == wd.str("bk"));
  CHECK(bj["events"].get<std::uint64_t>() > 10);
  CHECK(bj["data"] == "sqlite");
  auto files = bj["files"].get<std::vector<std::string>>();
  for (auto f : {"data.sqlite", "schema.json", "config.json", "manifest.json"})
    CHECK(std::find(files.begin(), files.end(), f) != files.end());
  CHECK(ctl(data, {"backup", wd.str("bk")}).code == 3);  // never over an existing directory

  // A damaged backup is refused before anything is copied.
  fs::copy(wd.str("bk"), wd.str("bk-bad"), fs::copy_options::recursive);
  flip_byte(wd.str("bk-bad") + "/schema.json", 3);
  auto bad = ctl(wd.str("bad-restore"), {"restore", wd.str("bk-bad")});
  CHECK(bad.code == 6);
  CHECK(bad.err.find("schema.json") != std::string::npos);

  auto restored = wd.str("restored");
  auto rr = ctl(restored, {"restore", wd.str("bk")});
  INFO(rr.err);
  REQUIRE(rr.code == 0);
  CHECK(ctl(restored, {"restore", wd.str("bk")}).code == 3);  // not over a data dir
  auto v = run_tool(wd, "baton-replay", {"--data-dir", restored, "verify"});
  INFO(v.err);
  CHECK(v.code == 0);
  for (auto e : {"households", "profiles", "purchases"})
    CHECK(ctl(restored, {"data", "count", e}).out == ctl(data, {"data", "count", e}).out);
  auto shown = [&](const std::string& dir) {
    auto s = ctl(dir, {"--json", "campaign", "show", id});
    REQUIRE(s.code == 0);
    return json::parse(s.out);
  };
  CHECK(shown(restored) == shown(data));
  auto rep = [&](const std::string& dir) { return ctl(dir, {"--json", "report", id}).out; };
  CHECK(rep(restored) == rep(data));
  // New work on the restored data dir: a campaign over the restored data plane.
  auto again = ctl(restored, {"--json", "run", source("config/campaigns/save-audience.json")});
  INFO(again.err);
  CHECK(again.code == 0);
  CHECK(json::parse(again.out)["status"] == "completed");
  CHECK(run_tool(wd, "baton-replay", {"--data-dir", restored, "verify"}).code == 0);

  // Through a running batond: the same backup, taken while it holds the data dir.
  daemon_process d(wd, data);
  b = run_tool(wd, "batonctl", {"--connect", d.address(), "--json", "backup", wd.str("bk2")});
  INFO(b.err);
  REQUIRE(b.code == 0);
  CHECK(json::parse(b.out)["events"].get<std::uint64_t>() >= bj["events"].get<std::uint64_t>());
  CHECK(d.stop() == 0);
  rr = ctl(wd.str("restored2"), {"restore", wd.str("bk2")});
  INFO(rr.err);
  CHECK(rr.code == 0);
  CHECK(ctl(wd.str("restored2"), {"data", "count", "profiles"}).out ==
        ctl(data, {"data", "count", "profiles"}).out);
}
