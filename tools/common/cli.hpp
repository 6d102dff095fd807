// What batonctl, batond and baton-replay share: the global flags, the data dir layout, error
// printing ("error: <where>: <what>" on stderr) and the mapping of errors to exit codes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "events/result.hpp"
#include "store/event_store.hpp"

namespace baton::cli {

struct global_options {
  std::string data_dir;  // --data-dir, else $BATON_DATA_DIR, else ./baton-data
  std::string config;    // --config, else DATA_DIR/config.json
  std::string user;      // --user, else $USER
  bool json = false;     // --json: machine output
};

// Adds --data-dir, --config, --user, --json to `app` (they are accepted on every subcommand).
void add_global_flags(CLI::App& app, global_options& g);
// Fills the defaults left empty after parsing.
void resolve_defaults(global_options& g);

// DATA_DIR/events: the RocksDB event store.
std::string events_dir(const global_options& g);

// Prints "error: <where>: <what>" and returns the exit code for it.
int fail(const error& e);
int fail(errc code, const std::string& where, const std::string& what);

// Runs CLI11 parsing; returns an exit code when the program should stop now (help: 0, usage
// error: 2 with the message), or nullopt to go on.
std::optional<int> parse(CLI::App& app, int argc, char** argv);

// The event store opened for reading while an engine may be writing: read-only, or as a
// secondary (for following) with a private temporary directory that is removed on close.
struct store_reader {
  std::unique_ptr<event_store> store;
  std::string secondary_dir;
  store_reader() = default;
  store_reader(store_reader&&) = default;
  ~store_reader();
  event_store* operator->() const { return store.get(); }
};
result<store_reader> open_store_for_reading(const global_options& g, bool follow);

// "2026-11-22T10:00:00Z" or "@123" (a global sequence).
struct log_position {
  std::optional<std::int64_t> time_us;
  std::optional<std::uint64_t> seq;
};
result<log_position> parse_position(const std::string& text, const std::string& flag);

// A --timeout in seconds ("2.5"; "" = none, 0): errc::validation naming `flag` otherwise.
result<double> parse_seconds(const std::string& text, const std::string& flag);

}  // namespace baton::cli
