// batonctl: the operator and admin CLI. Embedded mode (the engine runs in this process over
// --data-dir) by default; --connect HOST:PORT drives a running batond instead. Before any command
// runs: a mistyped command is named with the closest one, a command that works on a data dir is
// refused with --connect (it would act on ./baton-data behind the user's back), and the config
// file of a local command is checked completely (every problem, exit 2).
#include <cstdlib>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "channels/config_file.hpp"
#include "tools/batonctl/commands.hpp"

namespace {

using namespace baton;

// "schema apply", "campaign show", ...: the command as typed.
std::string command_of(const CLI::App& app) {
  std::string path;
  const CLI::App* cur = &app;
  while (true) {
    auto subs = cur->get_subcommands();
    if (subs.empty()) return path;
    cur = subs.front();
    path += (path.empty() ? "" : " ") + cur->get_name();
  }
}

// Why a command cannot go through batond, or "" when it can.
std::string needs_data_dir(const std::string& command) {
  if (command == "init") return "creates a data dir";
  if (command == "schema apply" || command == "data load" || command == "data count")
    return "works on the data plane of a data dir";
  if (command == "events") return "reads the event store of a data dir (read-only, beside batond)";
  if (command.rfind("suppression", 0) == 0 || command == "bounces ingest")
    return "works on the data plane of a data dir";
  return "";
}

// Runs before the command: throws CLI::RuntimeError(code) after printing why it must not run.
void before_command(const CLI::App& app, ctl::context& ctx) {
  cli::resolve_defaults(ctx.global);
  auto command = command_of(app);
  ctx.command = command;
  if (int code = ctl::check_identity(ctx)) throw CLI::RuntimeError(code);
  if (!ctx.connect.empty()) {
    if (auto why = needs_data_dir(command); !why.empty()) {
      cli::fail(errc::validation, "--connect",
                "`" + command + "` " + why +
                    ": run it where batond's data dir is, with --data-dir (or stop batond)");
      throw CLI::RuntimeError(2);
    }
    if (ctx.global.config_given) {
      cli::fail(errc::validation, "--config",
                "batond reads its own config file; --config has no effect with --connect");
      throw CLI::RuntimeError(2);
    }
    return;
  }
  // `init` writes the config when it is missing, even at an explicit --config path.
  bool required = ctx.global.config_given && command != "init";
  auto config = channels::load_config_file(ctx.global.config, required);
  if (!config) throw CLI::RuntimeError(cli::fail(config.err()));
  ctx.config = std::move(config.value());
}

int run(int argc, char** argv) {
  // The engine's log lines go to stderr (stdout is the command's output, JSON with --json), and
  // only warnings and errors: the information is the daemon's.
  spdlog::set_default_logger(spdlog::stderr_color_mt("batonctl"));
  spdlog::set_level(spdlog::level::warn);
  ctl::context ctx;
  CLI::App app{"batonctl — operate Baton campaigns, data and event logs", "batonctl"};
  app.require_subcommand(1);
  app.fallthrough();
  cli::add_version_flag(app);
  cli::add_global_flags(app, ctx.global);
  ctl::add_init_command(app, ctx);
  app.add_option("--connect", ctx.connect,
                 "Drive a running batond at HOST:PORT instead of the data dir");
  app.add_option("--token-file", ctx.token_file,
                 "With --connect: the file holding the API token (default $BATON_TOKEN)");
  app.add_option("--tls-ca", ctx.tls_ca,
                 "With --connect: speak TLS; batond's certificate must be signed by this CA");
  app.add_option("--tls-cert", ctx.tls_cert,
                 "With --connect and --tls-ca: this client's PEM certificate (batond --tls-ca)");
  app.add_option("--tls-key", ctx.tls_key, "With --tls-cert: its PEM private key");
  ctl::add_events_command(app, ctx);
  ctl::add_campaign_commands(app, ctx);
  ctl::add_template_commands(app, ctx);
  ctl::add_run_command(app, ctx);
  ctl::add_backup_command(app, ctx);
  ctl::add_report_commands(app, ctx);
  ctl::add_schema_commands(app, ctx);
  ctl::add_data_commands(app, ctx);
  ctl::add_audiences_commands(app, ctx);
  ctl::add_user_commands(app, ctx);
  ctl::add_deliverability_commands(app, ctx);
  app.footer("Run 'batonctl help COMMAND' (or 'batonctl COMMAND --help') for a command's options.");
  app.parse_complete_callback([&] { before_command(app, ctx); });
  if (auto code = cli::parse(app, argc, argv)) return *code;
  return ctx.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  int code = baton::cli::guarded_main([&] { return run(argc, argv); });
  // Every engine this command opened is stopped by now; when one could not wait for work still
  // going on (engine_client::stop), its threads are still running: end without running static
  // destructors under them.
  std::cout.flush();
  std::cerr.flush();
  std::_Exit(code);
}
