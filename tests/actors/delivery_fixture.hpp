// What the delivery tests share: the sample entity schema applied and CSVs loaded into a data
// dir, an in-process engine whose runner sends through real connectors (delivery_fixture), the
// outbox and event log read back, and batond killed with SIGKILL again and again during a send.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "actors/channel_runner.hpp"
#include "actors/data_runner.hpp"
#include "audience/backend.hpp"
#include "audience/loader.hpp"
#include "audience/schema.hpp"
#include "engine_fixture.hpp"
#include "process_util.hpp"

namespace baton::testing {

inline std::string schema_file() {
  return std::string(BATON_SOURCE_DIR) + "/config/schema.json";
}

// A JSON number, or a 64-bit count that the event JSON writes as a string.
inline std::uint64_t count_of(const json& j) {
  return j.is_string() ? std::stoull(j.get<std::string>()) : j.get<std::uint64_t>();
}

// The messages of an outbox file, in the order they were written ([] when there is none).
inline std::vector<json> read_outbox(const std::string& path) {
  std::vector<json> out;
  if (!std::filesystem::exists(path)) return out;
  auto text = slurp(path);
  INFO(path << " ends with a torn line");
  CHECK((text.empty() || text.back() == '\n'));
  for (auto& l : lines_of(text)) {
    auto j = json::parse(l, nullptr, false);
    INFO("outbox line: " << l);
    REQUIRE_FALSE(j.is_discarded());
    out.push_back(std::move(j));
  }
  return out;
}

inline std::vector<std::string> recipients_of(const std::vector<json>& msgs) {
  std::vector<std::string> out;
  for (auto& m : msgs) out.push_back(m["recipient"]);
  return out;
}

inline std::set<std::string> ids_of(const std::vector<json>& msgs) {
  std::set<std::string> out;
  for (auto& m : msgs) out.insert(m["message_id"].get<std::string>());
  return out;
}

// The data plane of a data dir: the sample entity schema (config/schema.json) applied, as
// `batonctl schema apply` does, and one CSV text per entity loaded.
inline void prepare_data(const std::string& data, const std::map<std::string, std::string>& csv) {
  std::filesystem::create_directories(data);
  auto v = parse_entity_schema(slurp(schema_file()));
  REQUIRE(v.ok());
  auto b = audience::open_backend("", data);
  REQUIRE(b.ok());
  REQUIRE(audience::apply_schema(**b, *v.schema).ok());
  std::ofstream(data + "/schema.json") << v.schema->to_json().dump(2) << "\n";
  for (auto& [entity, text] : csv) {
    auto path = data + "/" + entity + ".csv";
    std::ofstream(path) << text;
    audience::load_request req;
    req.entity = entity;
    req.path = path;
    auto r = audience::load_csv(**b, *v.schema, req);
    INFO("loading " << entity);
    REQUIRE(r.ok());
    REQUIRE(r->rejected == 0);
  }
}

// Profiles 1..n (first names "P<id>"); `email` overrides the address ("" = none) and
// `no_consent` lists those without email consent.
inline std::string profiles_csv(int n, const std::set<int>& no_consent = {},
                                const std::map<int, std::string>& email = {}) {
  std::string csv = "id,email,first_name,last_name,email_opt_in,household_id\n";
  for (int i = 1; i <= n; ++i) {
    auto addr = email.count(i) ? email.at(i) : "p" + std::to_string(i) + "@example.com";
    csv += std::to_string(i) + "," + addr + ",P" + std::to_string(i) + ",Doe," +
           (no_consent.count(i) ? "false" : "true") + "," + std::to_string(1 + (i - 1) % 2) + "\n";
  }
  return csv;
}

// build_audience (every profile) -> email `mail` with `mail_options` added.
inline std::string mail_campaign(const json& mail_options) {
  json mail = {{"id", "mail"},
               {"type", "email"},
               {"category", "marketing"},
               {"subject", "Hi {{first_name}}"},
               {"body", "Hello {{first_name}} {{last_name}}"}};
  mail.update(mail_options);
  return json{{"name", "delivery"},
              {"dimension", "profiles"},
              {"activities", {{{"id", "all"}, {"type", "build_audience"}}, mail}},
              {"transitions", {{{"from", "all"}, {"to", "mail"}}}}}
      .dump();
}

// The engine fixture takes its runner before its clock exists: this one forwards to the data
// plane + channel runner built afterwards on that clock. `slow_send`: a channel task moves the
// manual clock on by that much before it sends, as if sending took that long.
class late_runner final : public activity_runner {
 public:
  std::shared_ptr<activity_runner> inner;
  manual_clock* clock = nullptr;
  std::atomic<time_us> slow_send{0};
  result<task_outcome> run(const task_input& in) override {
    if (is_channel(in.act->type) && clock) clock->advance(slow_send.load());
    return inner->run(in);
  }
  result<std::uint64_t> drop_run_data(const std::string& campaign,
                                      std::uint32_t last_run) override {
    return inner->drop_run_data(campaign, last_run);
  }
};

// An in-process engine on a manual clock whose runner sends in batches of `batch` through the
// connectors of `channels` (the config's `channels`; by default the file outbox of DATA_DIR, a
// scratch dir). `wall_pacing`: the channel runner paces on the system clock (its throttle
// sleeps for real; the manual clock does not move meanwhile).
struct delivery_fixture {
  std::shared_ptr<late_runner> runner = std::make_shared<late_runner>();
  engine_fixture f{runner};
  std::string data = f.dir.str("data");

  explicit delivery_fixture(const std::map<std::string, std::string>& csv, std::size_t batch = 4,
                            bool wall_pacing = false, json channels = json::object(),
                            std::optional<channels::tracking_setup> tracking = std::nullopt) {
    prepare_data(data, csv);
    channel_runner_options c;
    c.tracking = std::move(tracking);
    c.data_dir = data;
    c.channels = std::move(channels);
    c.time_source = wall_pacing ? nullptr : &f.clk;
    c.batch = batch;
    c.file_batch = batch;
    runner->inner = make_data_runner({data, "", ""}, make_channel_runner(c));
    runner->clock = &f.clk;
  }
  std::string outbox_path() const { return data + "/outbox/email.jsonl"; }
  std::vector<json> sent() const { return read_outbox(outbox_path()); }
  json mail_task(const std::string& id) { return task_of(f.show(id)["runs"].back(), "mail"); }
  // Waits until the mail task waits for its next wave (until another time than `before`); the task.
  json await_wave_wait(const std::string& id, const json& before = nullptr) {
    auto v = f.await(
        id,
        [&](const json& v) {
          auto t = task_of(v["runs"].back(), "mail");
          return t.contains("waitUntil") && t["waitUntil"] != before;
        },
        "the mail task to wait for its next wave");
    return task_of(v["runs"].back(), "mail");
  }
  // The payloads of the campaign's delivery_progress events.
  std::vector<json> progress(const std::string& id) {
    std::vector<json> out;
    for (auto& e : f.events_of_type(id, "delivery_progress")) out.push_back(e["payload"]);
    return out;
  }
};

// reason -> count from a delivery_progress payload's exclusions.
inline std::map<std::string, std::uint64_t> exclusions_of(const json& progress) {
  std::map<std::string, std::uint64_t> out;
  for (auto& kv : progress["exclusions"])
    out[kv["key"]] = std::stoull(kv["value"].get<std::string>());
  return out;
}

// Who the sample data makes eligible for a marketing email, read from its CSV (not through the
// data plane): consent "true" and a non-blank address.
inline std::set<std::string> eligible_in_csv(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::string line;
  std::getline(in, line);
  auto split = [](const std::string& l) {
    std::vector<std::string> f;
    std::string cur;
    for (char ch : l) {
      if (ch == ',') {
        f.push_back(cur);
        cur.clear();
      } else {
        cur += ch;
      }
    }
    f.push_back(cur);
    return f;
  };
  auto header = split(line);
  auto col = [&](const std::string& name) {
    auto it = std::find(header.begin(), header.end(), name);
    REQUIRE(it != header.end());
    return static_cast<std::size_t>(it - header.begin());
  };
  auto id = col("id"), email = col("email"), consent = col("email_opt_in");
  std::set<std::string> out;
  while (std::getline(in, line)) {
    auto f = split(line);
    REQUIRE(f.size() == header.size());
    if (f[consent] == "true" && f[email].find_first_not_of(' ') != std::string::npos)
      out.insert(f[id]);
  }
  return out;
}

inline std::vector<json> log_of(const work_dir& wd, const std::string& data,
                                const std::string& id) {
  auto r = run_tool(wd, "batonctl", {"--data-dir", data, "--json", "events", "--campaign", id});
  REQUIRE(r.code == 0);
  std::vector<json> out;
  for (auto& l : lines_of(r.out)) out.push_back(json::parse(l));
  return out;
}

// `batonctl init` of `data` with the sample schema and `n` profiles of baton-sample-data
// (seed 7) loaded; the ids eligible for a marketing email.
inline std::set<std::string> init_with_sample_profiles(const work_dir& wd, const std::string& data,
                                                       int n) {
  auto csv = wd.str("csv");
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
  auto gen = run_tool(wd, "baton-sample-data",
                      {"--seed", "7", "--profiles", std::to_string(n), "--purchases-per-profile",
                       "0", "--out", csv});
  REQUIRE(gen.code == 0);
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "schema", "apply", schema_file()}).code ==
          0);
  auto load = run_tool(wd, "batonctl",
                       {"--data-dir", data, "data", "load", "profiles", csv + "/profiles.csv"},
                       std::chrono::seconds(60));
  INFO("data load: " << load.out << load.err);
  REQUIRE(load.code == 0);
  return eligible_in_csv(csv + "/profiles.csv");
}

// batond on `data` is killed with SIGKILL at random moments (100-2000 ms apart) and restarted
// until `min_cut` kills found the `activity` task started and not completed: an interrupted
// send; then the last campaign's run finishes without more kills. The campaign of
// `campaign_file` is created and published at the start, and again whenever one ends before
// that (a fast machine). The daemon is stopped cleanly at the end.
struct kill_trials {
  std::vector<std::string> ids;  // the campaigns, in order
  int kills = 0, interrupted = 0;
  std::string trail;  // the delays, "*" marking kills during the send
};

inline kill_trials kill_during_send(const work_dir& wd, const std::string& data,
                                    const std::string& campaign_file, int min_cut,
                                    std::chrono::seconds budget, std::uint32_t seed,
                                    const std::string& activity = "mail") {
  auto t0 = std::chrono::steady_clock::now();
  kill_trials k;
  std::optional<daemon_process> d;
  auto start_campaign = [&] {
    auto ctl = [&](std::vector<std::string> args) {
      args.insert(args.begin(), {"--connect", d->address()});
      auto r = run_tool(wd, "batonctl", args);
      INFO("batonctl: " << r.err);
      REQUIRE(r.code == 0);
      return lines_of(r.out).at(0);
    };
    k.ids.push_back(ctl({"campaign", "create", campaign_file}));
    ctl({"campaign", "publish", k.ids.back()});
  };
  std::mt19937 rng(seed);
  d.emplace(wd, data);
  start_campaign();
  auto ended_run = [&] {
    for (auto& e : log_of(wd, data, k.ids.back()))
      if (e["type"] == "run_ended") return true;
    return false;
  };
  for (;;) {
    if (k.interrupted >= min_cut) {
      // Enough sends were cut: the last campaign now finishes without more kills. (Killing on
      // until a run ends by chance made the test depend on the machine's load: on a loaded CI
      // machine no life of batond was long enough to finish a 100 000-message send.)
      while (!ended_run()) {
        INFO("kills after (ms; * = during the send):" << k.trail);
        REQUIRE(std::chrono::steady_clock::now() - t0 < budget);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      break;
    }
    int delay = 100 + static_cast<int>(rng() % 1900);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    REQUIRE(d->kill9() == 128 + SIGKILL);
    ++k.kills;
    bool started = false, completed = false, ended = false;
    for (auto& e : log_of(wd, data, k.ids.back())) {
      if (e["type"] == "task_started" && e["payload"]["activity"] == activity) started = true;
      if (e["type"] == "task_completed" && e["payload"]["activity"] == activity) completed = true;
      if (e["type"] == "run_ended") ended = true;
    }
    bool cut = started && !completed;
    k.interrupted += cut;
    k.trail += " " + std::to_string(delay) + (cut ? "ms*" : "ms");
    INFO("kills after (ms; * = during the send):" << k.trail);
    REQUIRE(std::chrono::steady_clock::now() - t0 < budget);
    d.emplace(wd, data);
    if (ended) {
      if (k.interrupted >= min_cut) break;
      start_campaign();
    }
  }
  CHECK(d->stop() == 0);
  return k;
}

}  // namespace baton::testing
