// How batonctl's schema and data commands reach the data plane: the backend named by the config's
// `data.url` ("" = SQLite at DATA_DIR/data.sqlite) and the schema stored at DATA_DIR/schema.json.
// Only an initialized data dir is opened (`batonctl init` creates one; nothing else does).
#pragma once

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "actors/security_book.hpp"
#include "audience/backend.hpp"
#include "model/config.hpp"
#include "model/entity_schema.hpp"
#include "tools/batonctl/commands.hpp"

namespace baton::ctl {

inline std::string schema_path(const context& ctx) {
  return ctx.global.data_dir + "/schema.json";
}

// Appends a permission_refused event to the data dir's log (nothing when another process holds
// it: that engine's own door records what reaches it).
inline void record_refusal(const context& ctx, role who, const std::string& verb) {
  if (!cli::require_data_dir(ctx.global)) return;
  auto store = event_store::open(cli::events_dir(ctx.global));
  if (!store) return;
  auto e = ev::to_event(ev::permission_refused{ctx.global.user, to_string(who), verb, ""});
  e.actor = ctx.global.user;
  (void)store.value()->append(ev::security_stream, any_version, {std::move(e)});
}

// The checked config of the command (the defaults when the data dir has none).
inline const engine_config& config_of(const context& ctx) {
  static const engine_config defaults;
  return ctx.config ? *ctx.config : defaults;
}

// The data URL of the config file.
inline result<std::string> data_url(const context& ctx) {
  return config_of(ctx).data_url;
}

// Refuses (errc::refused, "permission: ...") when the acting identity's role (a user's own,
// else the config's `security.roles` / `security.defaultRole`) is below `needed`; `verb` as
// typed ("data load"). A refusal is recorded as a permission_refused event.
inline std::optional<error> refuse_unless(const context& ctx, role needed,
                                          const std::string& verb) {
  security_state users;
  if (auto reader = cli::open_store_for_reading(ctx.global, false))
    if (auto book = security_book::load(*reader.value().store)) users = *book.value()->get();
  auto who = effective_role(config_of(ctx), users, ctx.global.user);
  auto refused = check_role(ctx.global.user, who, needed, verb);
  if (refused) record_refusal(ctx, who, verb);
  return refused;
}

// The data plane of the data dir (exit 4 when there is no initialized data dir: opening SQLite
// would create one). The config was checked before the command ran.
inline result<std::unique_ptr<audience::backend>> open_data(const context& ctx) {
  if (auto st = cli::require_data_dir(ctx.global); !st) return st.err();
  return audience::open_backend(ctx.config ? ctx.config->data_url : "", ctx.global.data_dir);
}

// The schema applied by `batonctl schema apply` (errc::not_found before the first apply).
inline result<entity_schema> stored_schema(const context& ctx) {
  if (auto st = cli::require_data_dir(ctx.global); !st) return st.err();
  std::ifstream in(schema_path(ctx));
  if (!in)
    return make_error(errc::not_found, schema_path(ctx),
                      "no entity schema yet: run `batonctl schema apply FILE.json` first");
  std::stringstream s;
  s << in.rdbuf();
  auto v = parse_entity_schema(s.str());
  if (!v.ok())
    return make_error(errc::validation, schema_path(ctx),
                      "the stored schema is invalid: " + v.issues.front().message);
  return *v.schema;
}

}  // namespace baton::ctl
