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
