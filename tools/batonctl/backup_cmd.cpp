// `batonctl backup DIR`: a consistent copy of the event store (RocksDB checkpoint: hard links
// where possible), taken in-process, or by the running batond with --connect.
#include <iostream>

#include "tools/batonctl/engine_access.hpp"

namespace baton::ctl {

namespace {

int run_backup(context& ctx, const std::string& target) {
  if (!ctx.connect.empty()) {
    auto engine = open_engine(ctx);
    if (!engine) return fail_api(engine.err());
    auto r = call(*engine.value(), ctx, {"backup", "", "", "", "", {{"dir", target}}});
    if (!r) return fail_api(r.err());
    std::cout << "backup written by batond to " << target << "\n";
    return 0;
  }
  auto store = event_store::open(cli::events_dir(ctx.global));
  if (!store) return cli::fail(store.err());
  auto st = store.value()->checkpoint(target);
  if (!st) return cli::fail(st.err());
  std::cout << "backup of " << store.value()->last_global_seq() << " events written to " << target
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
