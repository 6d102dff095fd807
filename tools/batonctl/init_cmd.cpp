// `batonctl init`: create the data dir with the default config and an empty event store.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "channels/tracking_token.hpp"
#include "model/config.hpp"
#include "tools/batonctl/commands.hpp"

namespace baton::ctl {

namespace {

int run_init(context& ctx) {
  auto& g = ctx.global;
  std::error_code ec;
  std::filesystem::create_directories(g.data_dir, ec);
  if (ec) return cli::fail(errc::unavailable, g.data_dir, "cannot create: " + ec.message());
  bool wrote_config = false;
  if (!std::filesystem::exists(g.config)) {
    std::ofstream out(g.config);
    out << default_config_json(channels::generate_tracking_secret(), cli::os_user());
    if (!out) return cli::fail(errc::failed, g.config, "cannot write the config file");
    wrote_config = true;
  }
  auto store = event_store::open(cli::events_dir(g));
  if (!store) return cli::fail(store.err());
  if (g.json) {
    std::cout << nlohmann::json{{"dataDir", g.data_dir},
                                {"config", g.config},
                                {"configWritten", wrote_config}}
                     .dump()
              << "\n";
  } else {
    std::cout << "Initialized " << g.data_dir
              << (wrote_config ? " (default config written to " + g.config + ")" : " (config kept)")
              << "\n";
  }
  return 0;
}

}  // namespace

void add_init_command(CLI::App& app, context& ctx) {
  auto* c = app.add_subcommand("init", "Create the data dir with a default config (idempotent)");
  c->callback([&ctx] { ctx.exit_code = run_init(ctx); });
}

}  // namespace baton::ctl
