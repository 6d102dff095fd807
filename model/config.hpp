// The engine's configuration file (DATA_DIR/config.json): listen address, threads, roles,
// channel connectors, data plane URL, retention. `default_config_json` is what `batonctl init`
// writes; `parse_config` validates a file and reports every problem with its JSON pointer.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "model/problem.hpp"

namespace baton {

enum class role { viewer, manager, approver, admin };
const char* to_string(role r);
bool parse_role(const std::string& s, role& out);

struct engine_config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 4242;
  int scheduler_threads = 2;
  // CAF's scheduler: "sharing" (one shared queue: no idle thread spinning to steal work, the
  // better choice on small machines) or "stealing" (CAF's default, for many cores).
  std::string scheduler_policy = "sharing";
  int workers = 2;                    // threads for blocking activity work (SQL, delivery)
  int passivate_after_seconds = 60;   // idle campaign actors snapshot and stop after this
  int stop_grace_seconds = 30;        // a stop (SIGTERM, Ctrl-C) waits this long for sends
  std::map<std::string, role> roles;  // identity -> role
  role default_role = role::admin;    // for identities not listed
  std::string data_url;               // "" = DATA_DIR/data.sqlite
  std::string import_dir;             // load_file reads only here; "" = DATA_DIR/import
  nlohmann::json channels = nlohmann::json::object();
  int log_retention_days = 30;
  role role_of(const std::string& identity) const;
};

// Refuses a command to an identity whose role is below `needed` (INTERFACES.md §8): errc::refused
// with where "permission" and what "<user> (<role>) may not <verb>", `verb` as the user typed it
// ("data load", "schema apply", "feedback load"). nullopt when the role suffices.
std::optional<error> check_role(const std::string& user, role who, role needed,
                                const std::string& verb);

std::string default_config_json();
// Parses the config text; fills `out` and returns the problems (errors block).
problems parse_config(const std::string& text, engine_config& out);

}  // namespace baton
