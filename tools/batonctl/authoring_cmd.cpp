// `batonctl template save|list|show` and `campaign edit|versions|diff` (INTERFACES.md §10): each
// one command to the engine (embedded, or batond with --connect). `campaign create
// --from-template` is in campaign_cmd.cpp.
#include <fstream>
#include <iostream>
#include <sstream>

#include "model/number.hpp"
#include "tools/batonctl/engine_access.hpp"

namespace baton::ctl {

namespace {

using json = nlohmann::json;

// Runs one command; prints the reply as JSON with --json, else `human`'s rendering.
int simple(context& ctx, api_command cmd, const std::function<std::string(const json&)>& human) {
  auto engine = open_engine(ctx);
  if (!engine) return fail_api(engine.err());
  auto r = call(*engine.value(), ctx, std::move(cmd));
  if (!r) return fail_api(r.err());
  std::cout << (ctx.global.json ? r.value().dump() + "\n" : human(r.value()));
  return 0;
}

std::string text(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return "-";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

std::string pad(std::string s, std::size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s + " ";
}

std::string template_table(const json& list) {
  std::ostringstream out;
  out << pad("NAME", 24) << pad("VERSION", 8) << pad("SAVED AT", 24) << "BY\n";
  for (auto& t : list)
    out << pad(text(t, "name"), 24) << pad(text(t, "version"), 8) << pad(text(t, "savedAt"), 24)
        << text(t, "savedBy") << "\n";
  if (list.empty()) out << "(no templates)\n";
  return out.str();
}

std::string versions_table(const json& list) {
  std::ostringstream out;
  out << pad("VERSION", 8) << pad("CREATED AT", 24) << "BY\n";
  for (auto& v : list)
    out << pad(text(v, "version"), 8) << pad(text(v, "createdAt"), 24) << text(v, "createdBy")
        << "\n";
  return out.str();
}

std::string diff_text(const json& changes) {
  std::ostringstream out;
  for (auto& c : changes) {
    auto change = text(c, "change");
    out << pad(change, 8) << text(c, "pointer");
    if (change == "changed") out << ": " << c["from"].dump() << " -> " << c["to"].dump();
    if (change == "added") out << ": " << c["to"].dump();
    out << "\n";
  }
  if (changes.empty()) out << "(no change)\n";
  return out.str();
}

std::string edit_text(const json& j) {
  auto id = text(j, "id");
  if (j.value("duplicate", false)) return id + ": repeated command: nothing new\n";
  if (!j["proposed"].is_null())
    return id + ": version " + text(j, "proposed") +
           " proposed; it waits for an approver's `batonctl campaign approve " + id + "`\n";
  if (text(j, "status") == "draft") return id + ": draft replaced\n";
  auto v = text(j, "version");
  return id + ": version " + v +
         (text(j, "inForce") == v ? " in force from the next run\n"
                                  : " applies from the next run (the current run finishes on "
                                    "version " +
                                        text(j, "inForce") + ")\n");
}

// A --version / --from / --to value: a whole number from 1 (else exit 2).
bool number_arg(context& ctx, const std::string& value, const std::string& flag) {
  if (auto n = parse_whole_number(value, flag, 1, UINT32_MAX); !n) {
    ctx.exit_code = cli::fail(n.err());
    return false;
  }
  return true;
}

}  // namespace

void add_template_commands(CLI::App& app, context& ctx) {
  auto* g = app.add_subcommand("template", "Save campaigns as templates; list and show them");
  g->require_subcommand(1);
  auto id = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto version = std::make_shared<std::string>();
  auto* sv = g->add_subcommand(
      "save", "Save a campaign's definition as template NAME (its next version if NAME exists)");
  sv->add_option("ID", *id, "Campaign id")->required();
  sv->add_option("NAME", *name, "Template name (letters, digits, . _ -)")->required();
  sv->callback([&ctx, id, name] {
    ctx.exit_code =
        simple(ctx, {"template-save", *id, "", "", "", {{"name", *name}}}, [](const json& j) {
          return "template " + text(j, "name") + " version " + text(j, "version") + " saved from " +
                 text(j, "campaign") + "\n";
        });
  });
  auto* ls = g->add_subcommand("list", "List templates with their latest version");
  ls->callback([&ctx] {
    ctx.exit_code = simple(ctx, {"template-list", "", "", "", "", {}}, template_table);
  });
  auto* sh = g->add_subcommand("show", "A template's definition (default: its latest version)");
  sh->add_option("NAME", *name, "Template name")->required();
  sh->add_option("--version", *version, "Version number (default: the latest)");
  sh->callback([&ctx, name, version] {
    api_command c{"template-show", "", "", "", "", {{"name", *name}}};
    if (!version->empty()) {
      if (!number_arg(ctx, *version, "--version")) return;
      c.args["version"] = *version;
    }
    ctx.exit_code = simple(ctx, c, [](const json& j) {
      return "# template " + text(j, "name") + " version " + text(j, "version") + " (saved " +
             text(j, "savedAt") + " by " + text(j, "savedBy") + " from " +
             text(j, "sourceCampaign") + ")\n" + j["definition"].dump(2) + "\n";
    });
  });
}

void add_campaign_version_commands(CLI::App& g, context& ctx) {
  auto id = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  auto* ed = g.add_subcommand(
      "edit",
      "Replace a draft's definition, or give a published recurring campaign a new version that "
      "applies from its next run");
  ed->add_option("ID", *id, "Campaign id")->required();
  ed->add_option("FILE", *file, "Campaign JSON")->required();
  ed->callback([&ctx, id, file] {
    std::ifstream in(*file);
    if (!in) {
      ctx.exit_code = cli::fail(errc::not_found, *file, "cannot read file");
      return;
    }
    std::stringstream body;
    body << in.rdbuf();
    ctx.exit_code = simple(ctx, {"edit", *id, "", "", body.str(), {}}, edit_text);
  });
  auto* vs = g.add_subcommand("versions", "The versions of a campaign's definition");
  vs->add_option("ID", *id, "Campaign id")->required();
  vs->callback([&ctx, id] {
    ctx.exit_code = simple(ctx, {"versions", *id, "", "", "", {}}, versions_table);
  });
  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  auto* df = g.add_subcommand(
      "diff", "What changed between two versions: activities, options and transitions");
  df->add_option("ID", *id, "Campaign id")->required();
  df->add_option("--from", *from, "Version to compare from")->required();
  df->add_option("--to", *to, "Version to compare to")->required();
  df->callback([&ctx, id, from, to] {
    if (!number_arg(ctx, *from, "--from") || !number_arg(ctx, *to, "--to")) return;
    ctx.exit_code =
        simple(ctx, {"diff", *id, "", "", "", {{"from", *from}, {"to", *to}}}, diff_text);
  });
}

}  // namespace baton::ctl
