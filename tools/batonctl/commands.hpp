// batonctl's subcommands, one registration function per group; each sets `exit_code` when run.
#pragma once

#include <optional>

#include <CLI/CLI.hpp>

#include "model/config.hpp"
#include "tools/common/cli.hpp"

namespace baton::ctl {

struct context {
  cli::global_options global;
  std::string connect;  // --connect HOST:PORT: drive a running batond
  // The config file of a local command, checked before the command runs (defaults when the data
  // dir has none); unset with --connect.
  std::optional<engine_config> config;
  int exit_code = 0;
};

void add_init_command(CLI::App& app, context& ctx);
void add_events_command(CLI::App& app, context& ctx);
void add_campaign_commands(CLI::App& app, context& ctx);
void add_run_command(CLI::App& app, context& ctx);
void add_backup_command(CLI::App& app, context& ctx);
void add_report_commands(CLI::App& app, context& ctx);
void add_schema_commands(CLI::App& app, context& ctx);
void add_data_commands(CLI::App& app, context& ctx);
void add_audiences_commands(CLI::App& app, context& ctx);
void add_deliverability_commands(CLI::App& app, context& ctx);  // bounces, suppression
// `campaign schedule`, added to the `campaign` group.
void add_campaign_schedule_command(CLI::App& campaign_group, context& ctx);

}  // namespace baton::ctl
