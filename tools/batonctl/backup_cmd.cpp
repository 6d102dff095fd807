// `batonctl backup DIR`: a consistent copy of the event store (RocksDB checkpoint: hard links
// where possible), taken in-process on the data dir (batond takes no backups: with --connect the
// command is refused before it runs).
#include <iostream>

#include "tools/batonctl/commands.hpp"

namespace baton::ctl {

namespace {

int run_backup(context& ctx, const std::string& target) {
  if (auto st = cli::require_data_dir(ctx.global); !st) return cli::fail(st.err());
  auto store = event_store::open(cli::events_dir(ctx.global));
  if (!store) return cli::fail(store.err());
  auto st = store.value()->checkpoint(target);
  if (!st) return cli::fail(st.err());
  auto events = store.value()->last_global_seq();
  if (ctx.global.json)
    std::cout << nlohmann::json{{"backup", target}, {"events", events}}.dump() << "\n";
  else
    std::cout << "backup of " << events << " events written to " << target
              << " (restore: stop the engine, use it as DATA_DIR/events)\n";
  return 0;
}

}  // namespace

void add_backup_command(CLI::App& app, context& ctx) {
  auto dir = std::make_shared<std::string>();
  auto* c = app.add_subcommand(
      "backup", "Write a consistent copy of the event store to DIR (which must not exist)");
  c->add_option("DIR", *dir, "Target directory")->required();
  c->callback([&ctx, dir] { ctx.exit_code = run_backup(ctx, *dir); });
}

}  // namespace baton::ctl
