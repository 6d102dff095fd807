// batonctl's subcommands, one registration function per group; each sets `exit_code` when run.
#pragma once

#include <optional>

#include <CLI/CLI.hpp>

#include "model/config.hpp"
#include "tools/common/cli.hpp"

namespace baton::ctl {

struct context {
  cli::global_options global;
  std::string connect;     // --connect HOST:PORT: drive a running batond
  std::string token_file;  // --token-file F (else $BATON_TOKEN): the API token for --connect
  std::string token;       // read by check_identity, never printed
  std::string tls_ca;      // --tls-ca F: speak TLS to batond, whose certificate F's CA signed
  std::string tls_cert;    // --tls-cert F, --tls-key F: the client's certificate (batond --tls-ca)
  std::string tls_key;
  std::string command;  // the command as typed ("campaign publish"), for refusals
  // The config file of a local command, checked before the command runs (defaults when the data
  // dir has none); unset with --connect.
  std::optional<engine_config> config;
  int exit_code = 0;
};

// Who acts (INTERFACES.md §8), checked before any command runs: with --connect, --user is
// refused (2) and the token is read from --token-file or $BATON_TOKEN; in embedded mode the
// identity `engine` (3) and an OS account that does not own the data dir (3, "auth") are.
// Prints why and returns the exit code, or 0 to go on.
int check_identity(context& ctx);

void add_init_command(CLI::App& app, context& ctx);
void add_user_commands(CLI::App& app, context& ctx);
void add_events_command(CLI::App& app, context& ctx);
void add_campaign_commands(CLI::App& app, context& ctx);
void add_run_command(CLI::App& app, context& ctx);
void add_backup_command(CLI::App& app, context& ctx);
void add_report_commands(CLI::App& app, context& ctx);
void add_schema_commands(CLI::App& app, context& ctx);
void add_data_commands(CLI::App& app, context& ctx);
void add_audiences_commands(CLI::App& app, context& ctx);
void add_deliverability_commands(CLI::App& app, context& ctx);  // bounces, suppression
void add_template_commands(CLI::App& app, context& ctx);        // template save|list|show
// `campaign edit|versions|diff`, added to the `campaign` group.
void add_campaign_version_commands(CLI::App& campaign_group, context& ctx);
// `campaign schedule`, added to the `campaign` group.
void add_campaign_schedule_command(CLI::App& campaign_group, context& ctx);

}  // namespace baton::ctl
