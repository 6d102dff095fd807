// The data plane as an activity_runner: targeting and data activities run on the worker threads
// against the configured backend (SQLite in the data dir, or PostgreSQL), each worker borrowing
// its own connection from a small pool. The entity schema is re-read for each task, so a
// `batonctl schema apply` takes effect without restarting the engine.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/activity_runner.hpp"
#include "model/config.hpp"
#include "model/entity_schema.hpp"

namespace baton {

struct data_runner_options {
  std::string data_dir;    // holds schema.json and, by default, data.sqlite
  std::string url;         // "" = sqlite in data_dir; "postgresql://..." = PostgreSQL
  std::string import_dir;  // load_file reads only under here ("" = DATA_DIR/import)
};

// The entity schema last applied to the data dir (DATA_DIR/schema.json).
result<entity_schema> read_entity_schema(const std::string& data_dir);

// Runs the data activities; hands every other type to `next` (or refuses it).
std::shared_ptr<activity_runner> make_data_runner(data_runner_options o,
                                                  std::shared_ptr<activity_runner> next = nullptr);

// The runner an engine over `data_dir` normally uses: flow control, the data plane, channels.
std::shared_ptr<activity_runner> make_engine_runner(const std::string& data_dir,
                                                    const std::string& url,
                                                    const std::string& import_dir,
                                                    const nlohmann::json& channels);
// The same from the whole engine config: channels, and `tracking` and `deliverability` for the
// channel runner (a tracking config that cannot be used is left out, with a warning logged).
std::shared_ptr<activity_runner> make_engine_runner(const std::string& data_dir,
                                                    const engine_config& config);

}  // namespace baton
