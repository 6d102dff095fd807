// The engine's configuration file (DATA_DIR/config.json): listen address, threads, roles,
// channel connectors, data plane URL, retention, tracking and deliverability. `default_config_json`
// is what `batonctl init` writes; `parse_config` validates a file and reports every problem with
// its JSON pointer.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/problem.hpp"

namespace baton {

// Cumulative: admin ⊃ approver ⊃ manager ⊃ viewer; `none` may do nothing, reads included.
enum class role { none, viewer, manager, approver, admin };
const char* to_string(role r);
bool parse_role(const std::string& s, role& out);

// `tracking` (INTERFACES.md §9): where the public tracking paths are and how tokens are signed.
// Absent = no tracked links, no open pixel and no List-Unsubscribe header.
struct tracking_config {
  std::string base_url;            // public URL of `batond --http`, no trailing slash
  std::string secret;              // hex, at least 64 digits (32 bytes)
  std::string unsubscribe_mailto;  // "unsubscribe@shop.example" or "" (no mailto: unsubscribe)
  std::map<std::string, std::string> hook_secrets;  // provider webhook NAME -> HMAC secret
  bool enabled() const { return !base_url.empty() && !secret.empty(); }
};

// `deliverability.suppressAfter`: how many bounces suppress an address.
struct suppress_rules {
  int hard = 1;       // hard bounces (5.x.x)
  int soft = 3;       // soft bounces (4.x.x) ...
  int soft_days = 7;  // ... within this many days, counted from each DSN's Date
};

// One `deliverability.fatigue` rule: at most `max` messages of `category` per recipient on
// `channel` (email, sms, push) within `days` days, across all campaigns.
struct fatigue_rule {
  std::string channel;
  std::string category = "marketing";
  int max = 3;
  int days = 7;
};

struct deliverability_config {
  suppress_rules suppress_after;
  std::vector<fatigue_rule> fatigue;
};

struct engine_config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 4242;
  int scheduler_threads = 2;
  // CAF's scheduler: "sharing" (one shared queue: no idle thread spinning to steal work, the
  // better choice on small machines) or "stealing" (CAF's default, for many cores).
  std::string scheduler_policy = "sharing";
  int workers = 2;                   // threads for blocking activity work (SQL, delivery)
  int passivate_after_seconds = 60;  // idle campaign actors snapshot and stop after this
  int stop_grace_seconds = 30;       // a stop (SIGTERM, Ctrl-C) waits this long for sends
  // batond's network guard (tools/batond/guard): the largest frame a client may send, how many
  // connections at once, and how long a new connection may take to complete its handshake.
  int max_frame_bytes = 4 << 20;
  int max_connections = 256;
  int handshake_timeout_seconds = 10;
  std::map<std::string, role> roles;  // identity -> role
  role default_role = role::admin;    // for identities not listed (init writes "none")
  bool require_approval = false;      // security.requireApproval: publish needs an approved draft
  std::string data_url;               // "" = DATA_DIR/data.sqlite
  std::string import_dir;             // load_file reads only here; "" = DATA_DIR/import
  nlohmann::json channels = nlohmann::json::object();
  int log_retention_days = 30;
  tracking_config tracking;
  deliverability_config deliverability;
  // `http` (INTERFACES.md §11): the seconds an event stream of batond --http stays quiet before
  // it sends a heartbeat comment.
  int http_heartbeat_seconds = 15;
  role role_of(const std::string& identity) const;
};

// Refuses a command to an identity whose role is below `needed` (INTERFACES.md §8): errc::refused
// with where "permission" and what "<user> (<role>) may not <verb>", `verb` as the user typed it
// ("data load", "schema apply", "feedback load"). nullopt when the role suffices.
std::optional<error> check_role(const std::string& user, role who, role needed,
                                const std::string& verb);

// The config `batonctl init` writes; with a `tracking_secret` (64 hex digits, made by the
// caller: see channels/tracking_token.hpp) it has a `tracking` member for batond's default
// --http address, without one it has none.
// `admin` (the OS account running `batonctl init`) gets the role admin in `security.roles`;
// `security.defaultRole` is "none".
std::string default_config_json(const std::string& tracking_secret = "",
                                const std::string& admin = "");
// "HOST:PORT" with a port from 0 to 65535 and a non-empty host (digits only, nothing after them).
bool parse_host_port(const std::string& text, std::string& host, std::uint16_t& port);
// Parses the config text (model/json_parse.hpp: limits, line and column); fills `out` and returns
// every problem with its JSON pointer (errors block). Unknown members are errors ("did you mean"
// when a known one is a typo away). The entries of `channels` are only required to be an object
// here: channels/config_file.hpp checks each connector's settings.
problems parse_config(const std::string& text, engine_config& out);

}  // namespace baton
