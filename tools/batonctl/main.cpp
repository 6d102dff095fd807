// batonctl: the operator and admin CLI. Embedded mode (the engine runs in this process over
// --data-dir) by default; --connect HOST:PORT drives a running batond instead.
#include <cstdlib>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "tools/batonctl/commands.hpp"

int main(int argc, char** argv) {
  // The engine's log lines go to stderr (stdout is the command's output, JSON with --json), and
  // only warnings and errors: the information is the daemon's.
  spdlog::set_default_logger(spdlog::stderr_color_mt("batonctl"));
  spdlog::set_level(spdlog::level::warn);
  baton::ctl::context ctx;
  CLI::App app{"batonctl — operate Baton campaigns, data and event logs", "batonctl"};
  app.require_subcommand(1);
  app.fallthrough();
  baton::cli::add_global_flags(app, ctx.global);
  baton::ctl::add_init_command(app, ctx);
  app.add_option("--connect", ctx.connect,
                 "Drive a running batond at HOST:PORT instead of the data dir");
  baton::ctl::add_events_command(app, ctx);
  baton::ctl::add_campaign_commands(app, ctx);
  baton::ctl::add_run_command(app, ctx);
  baton::ctl::add_backup_command(app, ctx);
  baton::ctl::add_report_commands(app, ctx);
  baton::ctl::add_schema_commands(app, ctx);
  baton::ctl::add_data_commands(app, ctx);
  baton::ctl::add_audiences_commands(app, ctx);
  app.parse_complete_callback([&] { baton::cli::resolve_defaults(ctx.global); });
  if (auto code = baton::cli::parse(app, argc, argv)) return *code;
  // Every engine this command opened is stopped by now; when one could not wait for work still
  // going on (engine_client::stop), its threads are still running: end without running static
  // destructors under them.
  std::cout.flush();
  std::cerr.flush();
  std::_Exit(ctx.exit_code);
}
