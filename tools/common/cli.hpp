// What batonctl, batond and baton-replay share: the global flags, the data dir layout, error
// printing ("error: <where>: <what>" on stderr) and the mapping of errors to exit codes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "events/result.hpp"
#include "store/event_store.hpp"

namespace baton::cli {

struct global_options {
  std::string data_dir;       // --data-dir, else $BATON_DATA_DIR, else ./baton-data
  std::string config;         // --config, else DATA_DIR/config.json
  bool config_given = false;  // --config was on the command line (then the file must exist)
  std::string user;           // --user, else the OS account running the command (not $USER)
  bool user_given = false;    // --user was on the command line
  bool json = false;          // --json: machine output
};

// Adds --data-dir, --config, --user, --json to `app` (they are accepted on every subcommand).
void add_global_flags(CLI::App& app, global_options& g);
// The name of the OS account this process runs as (its effective uid), "uid-N" without one.
std::string os_user();
// Fills the defaults left empty after parsing.
void resolve_defaults(global_options& g);

// DATA_DIR/events: the RocksDB event store.
std::string events_dir(const global_options& g);

// Prints "error: <where>: <what>" (one such line per line of a multi-line error, e.g. every
// problem of a config file) and returns the exit code for it.
int fail(const error& e);
int fail(errc code, const std::string& where, const std::string& what);

// "batonctl 0.1.0": the name and the project version (CMake's project(VERSION)).
std::string version_line(const std::string& name);
// Adds --version, printing version_line(app's name) on stdout (exit 0).
void add_version_flag(CLI::App& app);

// Runs CLI11 parsing; returns an exit code when the program should stop now, or nullopt to go on.
// Before CLI11 sees the words: a command word that is not one of the commands at its place is
// "error: unknown command 'campain' (did you mean 'campaign'?)" (exit 2); `help [COMMAND...]`
// prints that command's help (exit 0); no command at all where one is needed prints the command
// list on stdout and exits 1, as git does. Then --help: 0, --version: 0, usage errors: 2.
// A callback may throw CLI::RuntimeError(code) to stop with that code (after printing why).
std::optional<int> parse(CLI::App& app, int argc, char** argv);

// Runs `body` (a main) so that no exception escapes: one that does is printed as
// "error: internal: ..." and gives exit 1 (a bug to report; nothing expected reaches it).
int guarded_main(const std::function<int()>& body);

// There is an initialized data dir at g.data_dir (its event store exists); else errc::not_found
// "no data dir here (run `batonctl init` first)". Only `batonctl init` creates one.
status require_data_dir(const global_options& g);

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
