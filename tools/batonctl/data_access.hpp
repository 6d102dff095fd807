// How batonctl's schema and data commands reach the data plane: the backend named by the config's
// `data.url` ("" = SQLite at DATA_DIR/data.sqlite) and the schema stored at DATA_DIR/schema.json.
// Only an initialized data dir is opened (`batonctl init` creates one; nothing else does).
#pragma once

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "audience/backend.hpp"
#include "model/config.hpp"
#include "model/entity_schema.hpp"
#include "tools/batonctl/commands.hpp"

namespace baton::ctl {

inline std::string schema_path(const context& ctx) {
  return ctx.global.data_dir + "/schema.json";
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

// Refuses (errc::refused, "permission: ...") when the acting identity's role in the config's
// `security.roles` / `security.defaultRole` is below `needed`; `verb` as typed ("data load").
inline std::optional<error> refuse_unless(const context& ctx, role needed,
                                          const std::string& verb) {
  const auto& cfg = config_of(ctx);
  return check_role(ctx.global.user, cfg.role_of(ctx.global.user), needed, verb);
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
