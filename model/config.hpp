// The engine's configuration file (DATA_DIR/config.json): listen address, threads, roles,
// channel connectors, data plane URL, retention. `default_config_json` is what `batonctl init`
// writes; `parse_config` validates a file and reports every problem with its JSON pointer.
#pragma once

#include <cstdint>
#include <map>
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

std::string default_config_json();
// "HOST:PORT" with a port from 0 to 65535 and a non-empty host (digits only, nothing after them).
bool parse_host_port(const std::string& text, std::string& host, std::uint16_t& port);
// Parses the config text (model/json_parse.hpp: limits, line and column); fills `out` and returns
// every problem with its JSON pointer (errors block). Unknown members are errors ("did you mean"
// when a known one is a typo away). The entries of `channels` are only required to be an object
// here: channels/config_file.hpp checks each connector's settings.
problems parse_config(const std::string& text, engine_config& out);

}  // namespace baton
