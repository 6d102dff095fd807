// An engine inside the test process on a manual clock: api_command messages go to the typed
// API exactly as batond's clients send them, time moves only when the test says so, and the
// event log is read back from the store. Waits for the engine's asynchronous steps poll the
// campaign view with a bounded deadline; "nothing happened" is proved with a probe campaign
// whose timer is due just after everything the test waits on (see settle()).
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/engine.hpp"
#include "actors/messages.hpp"
#include "events/catalog.hpp"
#include "model/event_json.hpp"
#include "model/time.hpp"

namespace baton::testing {

using nlohmann::json;
using namespace std::chrono_literals;

struct scratch_dir {
  std::filesystem::path path;
  scratch_dir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("baton-actors-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string str(const std::string& sub) const { return (path / sub).string(); }
};

inline constexpr time_us seconds_us(double s) {
  return static_cast<time_us>(s * 1'000'000);
}

// The task of `activity` in a run of a `campaign show` document (null if absent).
inline json task_of(const json& run, const std::string& activity) {
  for (auto& t : run["tasks"])
    if (t["activity"] == activity) return t;
  return nullptr;
}

inline std::string task_status_of(const json& view, const std::string& activity, int run = 0) {
  auto& runs = view["runs"];
  if (runs.empty()) return "";
  auto t = task_of(run == 0 ? runs.back() : runs[run - 1], activity);
  return t.is_null() ? "" : t["status"].get<std::string>();
}

struct engine_fixture {
  scratch_dir dir;
  manual_clock clk;
  std::shared_ptr<event_store> store;
  std::unique_ptr<caf::actor_system_config> cfg;
  std::unique_ptr<caf::actor_system> sys;
  engine_handles h;

  // `real_time`: the timer also wakes itself (with delays computed from the manual clock).
  explicit engine_fixture(std::shared_ptr<activity_runner> runner = nullptr, bool real_time = false)
      : runner_(std::move(runner)), real_time_(real_time) {
    spdlog::set_level(spdlog::level::err);
    start(dir.str("events"));
  }
  ~engine_fixture() { stop(); }

  // Stops the engine and starts a new one over the store in `events_dir`, as a restart does
  // (`while_stopped` runs in between, with the store closed).
  void restart(const std::string& events_dir, const std::function<void()>& while_stopped = {}) {
    stop();
    if (while_stopped) while_stopped();
    start(events_dir);
  }

  // One command, as a client sends it; the reply or the engine's error.
  result<json> call(api_command cmd, std::chrono::milliseconds timeout = 10s) {
    caf::scoped_actor self{*sys};
    if (cmd.actor.empty()) cmd.actor = "tester";
    result<json> out = make_error(errc::unavailable, "engine", "no reply");
    self->request(h.api, timeout, command_atom::value, std::move(cmd))
        .receive([&](std::string& r) { out = json::parse(r); },
                 [&](caf::error& e) { out = from_caf(e); });
    return out;
  }
  json ok(const std::string& verb, const std::string& id,
          std::map<std::string, std::string> args = {}) {
    auto r = call({verb, id, "", "", "", std::move(args)});
    INFO(verb << " " << id << ": " << (r ? r->dump() : r.err().message()));
    REQUIRE(r.ok());
    return r.value();
  }
  errc refused_code(const std::string& verb, const std::string& id) {
    auto r = call({verb, id, "", "", "", {}});
    INFO(verb << " " << id << " unexpectedly succeeded: " << (r ? r->dump() : ""));
    REQUIRE_FALSE(r.ok());
    return r.err().code;
  }
  std::string create(const std::string& definition) {
    auto r = call({"create", "", "", "", definition, {}});
    INFO("create: " << (r ? r->dump() : r.err().message()));
    REQUIRE(r.ok());
    return r.value()["id"].get<std::string>();
  }
  json show(const std::string& id) { return ok("show", id); }

  // Polls `campaign show` until `pred` holds (the engine steps asynchronously); fails after 10 s.
  json await(const std::string& id, const std::function<bool(const json&)>& pred,
             const std::string& what) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    json v = show(id);
    while (!pred(v)) {
      if (std::chrono::steady_clock::now() > deadline) {
        INFO("last view of " << id << ": " << v.dump(1));
        FAIL("timed out waiting for " << what);
      }
      std::this_thread::sleep_for(1ms);
      v = show(id);
    }
    return v;
  }
  // The `wait` verb: replies when the campaign's current run has ended.
  json wait_run(const std::string& id) {
    auto r = call({"wait", id, "", "", "", {}}, 10s);
    INFO("wait " << id << ": " << (r ? r->dump() : r.err().message()));
    REQUIRE(r.ok());
    return r.value();
  }

  void tick() { caf::anon_send(h.registry, tick_atom::value); }

  // Moves the clock by `by` and ticks, then returns once every timer due by the new time has
  // been handled: a probe campaign whose wait ends exactly at the new time is fired after them
  // (the timer fires in deadline order), and its run must end before this returns. A campaign
  // actor handles a firing before any later command, so views read afterwards are settled.
  void settle(time_us by) {
    auto probe = create(json{
        {"name", "probe"},
        {"dimension", "profiles"},
        {"activities", {{{"id", "w"}, {"type", "wait"}, {"duration", format_duration(by)}}}},
        {"transitions",
         json::array()}}.dump());
    ok("publish", probe);
    await(
        probe, [](const json& v) { return task_of(v["runs"][0], "w").contains("waitUntil"); },
        "the probe's wait to start");
    clk.advance(by);
    tick();
    auto w = wait_run(probe);
    REQUIRE(w["runStatus"] == "completed");
  }

  // The campaign's events as `batonctl events --json` shows them.
  std::vector<json> events(const std::string& id) {
    auto es = store->read_stream("campaign/" + id);
    REQUIRE(es.ok());
    const auto& catalog = baton_event_catalog();
    std::vector<json> out;
    for (auto& e : es.value()) out.push_back(event_to_json(e, catalog));
    return out;
  }
  std::vector<json> events_of_type(const std::string& id, const std::string& type) {
    std::vector<json> out;
    for (auto& e : events(id))
      if (e["type"] == type) out.push_back(e);
    return out;
  }

 private:
  std::shared_ptr<activity_runner> runner_;
  bool real_time_ = false;
  void start(const std::string& events_dir) {
    store_options so;
    so.time_source = &clk;
    auto s = event_store::open(events_dir, so);
    REQUIRE(s.ok());
    store = std::shared_ptr<event_store>(std::move(s.value()));
    cfg = std::make_unique<caf::actor_system_config>();
    register_api_types(*cfg);
    cfg->set("scheduler.max-threads", std::size_t{4});
    cfg->set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(*cfg);
    engine_options eo;
    eo.store = store;
    eo.runner = runner_ ? make_flow_runner(runner_) : nullptr;
    eo.time_source = &clk;
    eo.real_time = real_time_;
    eo.durable = false;
    h = spawn_engine(*sys, eo);
  }
  void stop() {
    if (!sys) return;
    stop_engine(*sys, h);
    h = {};
    sys.reset();
    cfg.reset();
    store.reset();
  }
};

}  // namespace baton::testing
