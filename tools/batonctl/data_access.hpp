// How batonctl's schema and data commands reach the data plane: the backend named by the config's
// `data.url` ("" = SQLite at DATA_DIR/data.sqlite) and the schema stored at DATA_DIR/schema.json.
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

// The config file (a missing file means the defaults).
inline result<engine_config> read_config(const context& ctx) {
  engine_config cfg;
  std::ifstream in(ctx.global.config);
  if (!in) return cfg;
  std::stringstream s;
  s << in.rdbuf();
  auto ps = parse_config(s.str(), cfg);
  for (const auto& p : ps)
    if (p.level == problem::severity::error)
      return make_error(errc::validation, ctx.global.config + "#" + p.pointer, p.message);
  return cfg;
}

// The data URL of the config file.
inline result<std::string> data_url(const context& ctx) {
  auto cfg = read_config(ctx);
  if (!cfg) return cfg.err();
  return cfg->data_url;
}

// Refuses (errc::refused, "permission: ...") when the acting identity's role in the config's
// `security.roles` / `security.defaultRole` is below `needed`; `verb` as typed ("data load").
inline std::optional<error> refuse_unless(const context& ctx, role needed,
                                          const std::string& verb) {
  auto cfg = read_config(ctx);
  if (!cfg) return cfg.err();
  return check_role(ctx.global.user, cfg->role_of(ctx.global.user), needed, verb);
}

inline result<std::unique_ptr<audience::backend>> open_data(const context& ctx) {
  auto url = data_url(ctx);
  if (!url) return url.err();
  return audience::open_backend(*url, ctx.global.data_dir);
}

// The schema applied by `batonctl schema apply` (errc::not_found before the first apply).
inline result<entity_schema> stored_schema(const context& ctx) {
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
