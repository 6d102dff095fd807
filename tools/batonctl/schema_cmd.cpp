// `batonctl schema apply FILE.json`: validates an entity schema (every problem with its JSON
// pointer, exit 2), creates or extends the data plane's tables, and stores the schema as
// DATA_DIR/schema.json for the commands that check campaigns and load data. Idempotent.
#include <filesystem>
#include <iostream>

#include "audience/schema.hpp"
#include "tools/batonctl/data_access.hpp"

namespace baton::ctl {

namespace {

int run_apply(context& ctx, const std::string& file) {
  // PRODUCT.md §6: viewers read only; changing the schema needs a manager.
  if (auto refused = refuse_unless(ctx, role::manager, "schema apply")) return cli::fail(*refused);
  std::ifstream in(file);
  if (!in) return cli::fail(errc::not_found, file, "cannot read file");
  std::stringstream text;
  text << in.rdbuf();
  auto v = parse_entity_schema(text.str());
  for (const auto& p : v.issues)
    std::cerr << (p.level == problem::severity::error ? "error: " : "warning: ")
              << (p.pointer.empty() ? "/" : p.pointer) << ": " << p.message << "\n";
  if (!v.ok()) return 2;
  auto b = open_data(ctx);
  if (!b) return cli::fail(b.err());
  if (auto st = audience::apply_schema(**b, *v.schema); !st) return cli::fail(st.err());
  std::string tmp = schema_path(ctx) + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << v.schema->to_json().dump(2) << "\n";
    if (!out) return cli::fail(errc::failed, tmp, "cannot write the schema");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, schema_path(ctx), ec);
  if (ec) return cli::fail(errc::failed, schema_path(ctx), ec.message());
  if (ctx.global.json) {
    auto names = nlohmann::json::array();
    for (const auto& e : v.schema->entities) names.push_back(e.name);
    std::cout << nlohmann::json{{"entities", names},
                                {"backend", (*b)->describe()},
                                {"schema", schema_path(ctx)}}
                     .dump()
              << "\n";
  } else {
    std::cout << "Schema applied: " << v.schema->entities.size() << " entities on "
              << (*b)->describe() << " (stored in " << schema_path(ctx) << ")\n";
  }
  return 0;
}

}  // namespace

void add_schema_commands(CLI::App& app, context& ctx) {
  auto* schema = app.add_subcommand("schema", "The entity schema of the data plane");
  schema->require_subcommand(1);
  auto* apply = schema->add_subcommand(
      "apply", "Validate an entity schema, create or extend its tables, store it (idempotent)");
  auto file = std::make_shared<std::string>();
  apply->add_option("FILE", *file, "Entity schema JSON (INTERFACES.md §5)")->required();
  apply->callback([&ctx, file] { ctx.exit_code = run_apply(ctx, *file); });
}

}  // namespace baton::ctl
