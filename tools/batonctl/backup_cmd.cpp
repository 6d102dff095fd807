// `batonctl backup DIR`: a consistent copy of the whole data dir (event store checkpoint, SQLite
// data plane, schema, config, manifest), taken in-process or by the running batond with
// --connect; `batonctl restore BACKUP --data-dir NEW`: the copy checked against its manifest
// and made a data dir again.
#include <iostream>

#include "actors/backup.hpp"
#include "tools/batonctl/data_access.hpp"
#include "tools/batonctl/engine_access.hpp"

namespace baton::ctl {

namespace {

int print_backup(const context& ctx, const nlohmann::json& j) {
  for (auto& n : j.value("notes", nlohmann::json::array()))
    std::cerr << "note: " << n.get<std::string>() << "\n";
  if (ctx.global.json) {
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::cout << "backup of " << j.value("events", 0) << " events";
  if (j.value("data", "") == "sqlite") std::cout << " and the SQLite data plane";
  std::cout << " written to " << j.value("backup", "") << " (" << j["files"].size()
            << " files, manifest.json; restore: batonctl restore " << j.value("backup", "")
            << " --data-dir NEW)\n";
  return 0;
}

int run_backup(context& ctx, const std::string& target) {
  if (!ctx.connect.empty()) {
    auto engine = open_engine(ctx);
    if (!engine) return fail_api(engine.err());
    auto r = call(*engine.value(), ctx, {"backup", "", "", "", "", {{"dir", target}}});
    if (!r) return fail_api(r.err());
    return print_backup(ctx, r.value());
  }
  if (auto st = cli::require_data_dir(ctx.global); !st) return cli::fail(st.err());
  auto url = data_url(ctx);
  if (!url) return cli::fail(url.err());
  auto store = event_store::open(cli::events_dir(ctx.global));
  if (!store) return cli::fail(store.err());
  auto r = write_backup(*store.value(), ctx.global.data_dir, url.value(), target);
  if (!r) return cli::fail(r.err());
  return print_backup(ctx, backup_to_json(r.value()));
}

int run_restore(context& ctx, const std::string& backup) {
  auto r = restore_backup(backup, ctx.global.data_dir);
  if (!r) return cli::fail(r.err());
  for (auto& n : r->notes) std::cerr << "note: " << n << "\n";
  if (ctx.global.json) {
    std::cout << nlohmann::json{{"restored", backup},
                                {"dataDir", r->data_dir},
                                {"events", r->events},
                                {"files", r->files}}
                     .dump()
              << "\n";
    return 0;
  }
  std::cout << "restored " << backup << " into " << r->data_dir << ": " << r->files
            << " files checked against the manifest, " << r->events
            << " events verified (start the engine on it)\n";
  return 0;
}

}  // namespace

void add_backup_command(CLI::App& app, context& ctx) {
  auto dir = std::make_shared<std::string>();
  auto* c = app.add_subcommand(
      "backup",
      "Write a consistent copy of the data dir (events, SQLite data, schema, config) to DIR");
  c->add_option("DIR", *dir, "Target directory (must not exist)")->required();
  c->callback([&ctx, dir] { ctx.exit_code = run_backup(ctx, *dir); });
  auto from = std::make_shared<std::string>();
  auto* r = app.add_subcommand(
      "restore", "Check a backup against its manifest and copy it into a new --data-dir");
  r->add_option("BACKUP", *from, "A directory written by `batonctl backup`")->required();
  r->callback([&ctx, from] { ctx.exit_code = run_restore(ctx, *from); });
}

}  // namespace baton::ctl
