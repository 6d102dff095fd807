// `batonctl audiences list | show NAME [--limit N]`: the audiences save_audience keeps in the
// data plane — name, dimension, count, when and by which campaign run — and a sample of keys.
#include <iostream>

#include "audience/audiences.hpp"
#include "model/number.hpp"
#include "tools/batonctl/data_access.hpp"

namespace baton::ctl {

namespace {

std::string pad(std::string s, std::size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s + " ";
}

std::string saved_by(const audience::audience_info& a) {
  return a.campaign + " run " + std::to_string(a.run);
}

std::string saved_at(const audience::audience_info& a) {
  return a.saved_at ? format_time(a.saved_at) : "-";
}

int run_list(context& ctx) {
  if (auto refused = refuse_unless(ctx, role::viewer, "audiences list")) return cli::fail(*refused);
  auto b = open_data(ctx);
  if (!b) return cli::fail(b.err());
  auto all = audience::list_audiences(**b);
  if (!all) return cli::fail(all.err());
  if (ctx.global.json) {
    auto out = nlohmann::json::array();
    for (auto& a : *all) out.push_back(audience::audience_json(a));
    std::cout << out.dump() << "\n";
    return 0;
  }
  if (all->empty()) {
    std::cout << "(no saved audience: a published campaign's save_audience activity makes one)\n";
    return 0;
  }
  std::cout << pad("NAME", 24) << pad("DIMENSION", 14) << pad("COUNT", 10) << pad("SAVED AT", 22)
            << "BY\n";
  for (auto& a : *all)
    std::cout << pad(a.name, 24) << pad(a.dimension, 14) << pad(std::to_string(a.count), 10)
              << pad(saved_at(a), 22) << saved_by(a) << "\n";
  return 0;
}

int run_show(context& ctx, const std::string& name, const std::string& limit_text) {
  if (auto refused = refuse_unless(ctx, role::viewer, "audiences show")) return cli::fail(*refused);
  auto limit = parse_whole_number(limit_text, "--limit", 0, 100000);
  if (!limit) return cli::fail(limit.err());
  auto b = open_data(ctx);
  if (!b) return cli::fail(b.err());
  auto a = audience::describe_audience(**b, name);
  if (!a) return cli::fail(a.err());
  auto keys = audience::audience_sample(**b, *a, *limit);
  if (!keys) return cli::fail(keys.err());
  if (ctx.global.json) {
    auto j = audience::audience_json(*a);
    j["columns"] = a->columns;
    j["fingerprint"] = a->fingerprint;
    j["keys"] = *keys;
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::cout << "Audience " << a->name << "\n"
            << "  dimension:  " << a->dimension << "\n"
            << "  count:      " << a->count << "\n"
            << "  saved at:   " << saved_at(*a) << "\n"
            << "  saved by:   campaign " << saved_by(*a) << "\n"
            << "  columns:    " << nlohmann::json(a->columns).dump() << "\n"
            << "  keys (" << keys->size() << " of " << a->count << "):";
  for (auto& k : *keys) std::cout << " " << (k.is_string() ? k.get<std::string>() : k.dump());
  std::cout << "\n";
  return 0;
}

}  // namespace

void add_audiences_commands(CLI::App& app, context& ctx) {
  auto* g = app.add_subcommand("audiences", "Saved audiences (save_audience) in the data plane");
  g->require_subcommand(1);
  g->add_subcommand("list", "Name, dimension, count, when and by which campaign run each was saved")
      ->callback([&ctx] { ctx.exit_code = run_list(ctx); });
  auto name = std::make_shared<std::string>();
  auto limit = std::make_shared<std::string>("10");
  auto* show = g->add_subcommand("show", "One saved audience and a sample of its keys");
  show->add_option("NAME", *name, "Audience name")->required();
  show->add_option("--limit", *limit, "How many keys to show (default 10, 0 for none)");
  show->callback([&ctx, name, limit] { ctx.exit_code = run_show(ctx, *name, *limit); });
}

}  // namespace baton::ctl
