// `batonctl campaign ...`: validate, create, list, show, graph, the lifecycle verbs, confirm,
// trigger and wait — each one command to the engine (embedded, or batond with --connect).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "model/definition.hpp"
#include "model/entity_schema.hpp"
#include "model/number.hpp"
#include "tools/batonctl/campaign_print.hpp"
#include "tools/batonctl/engine_access.hpp"

namespace baton::ctl {

namespace {

result<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(errc::not_found, path, "cannot read file");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::shared_ptr<entity_schema> local_schema(const context& ctx) {
  auto text = read_file(ctx.global.data_dir + "/schema.json");
  if (!text) return nullptr;
  auto v = parse_entity_schema(text.value());
  return v.ok() ? std::make_shared<entity_schema>(std::move(*v.schema)) : nullptr;
}

// In embedded mode a command records its events and returns: the work they call for happens in
// an engine that runs (`campaign wait` here, or batond).
void embedded_note(const std::string& id) {
  std::cerr << "note: embedded mode: nothing runs until `batonctl campaign wait " << id
            << "` (or batond) opens this data dir\n";
}

// The reply as JSON with --json, else `human`'s rendering of it.
int print_reply(const context& ctx, const nlohmann::json& j,
                const std::function<std::string(const nlohmann::json&)>& human) {
  if (ctx.global.json)
    std::cout << j.dump() << "\n";
  else
    std::cout << human(j);
  return 0;
}

// Runs one command and prints its reply; `human` renders the reply for a terminal.
int simple(context& ctx, api_command cmd,
           const std::function<std::string(const nlohmann::json&)>& human) {
  auto engine = open_engine(ctx);
  if (!engine) return fail_api(engine.err());
  auto r = call(*engine.value(), ctx, std::move(cmd));
  if (!r) return fail_api(r.err());
  return print_reply(ctx, r.value(), human);
}

std::string status_line(const nlohmann::json& j) {
  std::string s = j.value("id", "") + ": " + j.value("status", "");
  if (j.value("duplicate", false)) s += " (repeated command: nothing new)";
  return s + "\n";
}

// The problems of a validation error from the engine: one "<pointer>: <message>" line each.
problems problems_of(const error& e) {
  problems ps;
  std::istringstream lines(e.message());
  for (std::string line; std::getline(lines, line);) {
    auto colon = line.find(": ");
    bool pointer = !line.empty() && line[0] == '/' && colon != std::string::npos;
    ps.push_back({pointer ? (line.substr(0, colon) == "/" ? "" : line.substr(0, colon)) : "",
                  pointer ? line.substr(colon + 2) : line, problem::severity::error});
  }
  return ps;
}

problems warnings_of(const nlohmann::json& reply) {
  problems ps;
  for (auto& w : reply.value("warnings", nlohmann::json::array()))
    if (w.is_object())
      ps.push_back({w.value("pointer", ""), w.value("message", ""), problem::severity::warning});
  return ps;
}

// Every problem on stderr ("error: /pointer: what"); with --json also the document
// {"valid", "problems": [{"pointer", "message", "level"}]} on stdout.
void print_problems(const context& ctx, const problems& ps, bool valid) {
  for (auto& p : ps)
    std::cerr << (p.level == problem::severity::error ? "error: " : "warning: ")
              << (p.pointer.empty() ? "/" : p.pointer) << ": " << p.message << "\n";
  if (!ctx.global.json) return;
  nlohmann::json list = nlohmann::json::array();
  for (auto& p : ps)
    list.push_back({{"pointer", p.pointer},
                    {"message", p.message},
                    {"level", p.level == problem::severity::error ? "error" : "warning"}});
  std::cout << nlohmann::json{{"valid", valid}, {"problems", list}}.dump() << "\n";
}

// What a campaign is checked against locally: the data dir's config (channels with a connector,
// the import directory) when the data dir has one.
guardrails local_limits(const context& ctx) {
  guardrails g;
  if (!ctx.config || !std::filesystem::exists(ctx.global.config)) return g;
  run_environment env;
  if (ctx.config->channels.is_object())
    for (auto& [name, entry] : ctx.config->channels.items()) env.channels.insert(name);
  env.import_dir =
      ctx.config->import_dir.empty() ? ctx.global.data_dir + "/import" : ctx.config->import_dir;
  g.env = std::move(env);
  return g;
}

// With --connect the running batond validates (its schema and config); else this process does,
// with the data dir's schema and config when there are some.
int run_validate(context& ctx, const std::string& file) {
  auto text = read_file(file);
  if (!text) return cli::fail(text.err());
  if (!ctx.connect.empty()) {
    auto engine = open_engine(ctx);
    if (!engine) return fail_api(engine.err());
    auto r = call(*engine.value(), ctx, {"validate", "", "", "", text.value(), {}});
    if (!r && r.err().code != errc::validation) return fail_api(r.err());
    print_problems(ctx, r ? warnings_of(r.value()) : problems_of(r.err()), r.ok());
    if (r && !ctx.global.json) std::cout << file << ": valid (checked by batond)\n";
    return r ? 0 : 2;
  }
  auto schema = local_schema(ctx);
  auto limits = local_limits(ctx);
  auto v = validate_campaign(text.value(), schema.get(), limits);
  print_problems(ctx, v.issues, v.ok());
  if (v.ok() && !ctx.global.json)
    std::cout << file << ": valid"
              << (schema ? "" : " (no entity schema applied: fields not checked)")
              << (limits.env ? "" : " (no config: channels and load_file paths not checked)")
              << "\n";
  return v.ok() ? 0 : 2;
}

int run_create(context& ctx, const api_command& cmd) {
  auto engine = open_engine(ctx);
  if (!engine) return fail_api(engine.err());
  auto r = call(*engine.value(), ctx, cmd);
  if (!r && r.err().code == errc::validation) {  // the problems document of `validate --json`
    print_problems(ctx, problems_of(r.err()), false);
    return 2;
  }
  if (!r) return fail_api(r.err());
  for (auto& w : warnings_of(r.value()))
    std::cerr << "warning: " << w.pointer << ": " << w.message << "\n";
  return print_reply(ctx, r.value(),
                     [](const nlohmann::json& j) { return j.value("id", "") + "\n"; });
}

int run_create(context& ctx, const std::string& file) {
  auto text = read_file(file);
  if (!text) return cli::fail(text.err());
  return run_create(ctx, api_command{"create", "", "", "", text.value(), {}});
}

int run_wait(context& ctx, const std::string& id, double timeout) {
  std::optional<stop_on_signal> signals;
  if (ctx.connect.empty()) signals.emplace();
  auto engine = open_engine(ctx, true);
  if (!engine) return fail_api(engine.err());
  if (signals) signals->attach(engine.value().get());
  int code = wait_for_run(*engine.value(), ctx, id, timeout, signals ? &*signals : nullptr, true);
  if (signals) signals->attach(nullptr);
  return code;
}

// Verbs after which a run may go on: in embedded mode nothing runs until an engine that works
// opens the data dir, and the user is told so.
bool starts_work(const std::string& verb) {
  return verb == "publish" || verb == "test" || verb == "start" || verb == "resume" ||
         verb == "confirm" || verb == "trigger";
}

void add_verb(CLI::App* group, context& ctx, const std::string& verb, const std::string& help) {
  auto id = std::make_shared<std::string>();
  auto* c = group->add_subcommand(verb, help);
  c->add_option("ID", *id, "Campaign id")->required();
  c->callback([&ctx, id, verb] {
    ctx.exit_code = simple(ctx, {verb, *id, "", "", "", {}}, status_line);
    if (ctx.exit_code == 0 && ctx.connect.empty() && starts_work(verb)) embedded_note(*id);
  });
}

// submit, approve, reject (INTERFACES.md §8): the approval flow of drafts.
void add_approval_verbs(CLI::App* g, context& ctx) {
  const std::vector<std::pair<std::string, std::string>> verbs = {
      {"submit", "Submit a draft for approval (read-only until then)"},
      {"approve", "Approve a submitted draft (an approver who did not submit it)"},
      {"reject", "Reject a submitted draft, with a reason"}};
  for (const auto& [verb, help] : verbs) {
    auto id = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    auto* c = g->add_subcommand(verb, help);
    c->add_option("ID", *id, "Campaign id")->required();
    auto* r = c->add_option("--reason", *reason, "Why (required by reject)");
    if (verb == "reject") r->required();
    c->callback([&ctx, id, reason, verb = verb] {
      api_command cmd{verb, *id, "", "", "", {}};
      if (!reason->empty()) cmd.args["reason"] = *reason;
      ctx.exit_code = simple(ctx, cmd, status_line);
    });
  }
}

std::string trigger_line(const nlohmann::json& j) {
  std::string s = j.value("triggerId", "") + ": " + j.value("status", "");
  if (j.value("status", "") == "sent") s += " " + j.value("messageId", "");
  if (j.contains("excluded") && j["excluded"].is_string())
    s += " (" + j["excluded"].get<std::string>() + ")";
  if (j.value("duplicate", false)) s += " (repeated trigger id: the first result, nothing sent)";
  return s + "\n";
}

// `campaign trigger ID`: a signal to a signal-scheduled campaign (--var), or with --recipient a
// send of an api campaign, answered once it is recorded (INTERFACES.md §10).
void add_trigger_command(CLI::App& g, context& ctx) {
  struct trigger_args {
    std::string id, recipient, context_file, trigger_id;
    std::vector<std::string> vars;
  };
  auto a = std::make_shared<trigger_args>();
  auto* tr =
      g.add_subcommand("trigger",
                       "Signal a signal-scheduled campaign (--var), or send an api campaign to one "
                       "recipient (--recipient)");
  tr->add_option("ID", a->id, "Campaign id")->required();
  tr->add_option("--var", a->vars, "A variable as k=v (repeatable; signal campaigns)");
  tr->add_option("--recipient", a->recipient, "The recipient's key (api campaigns)");
  tr->add_option("--context-file", a->context_file,
                 "A JSON object rendered as {{context.PATH}} (api campaigns)");
  tr->add_option("--trigger-id", a->trigger_id,
                 "Idempotency key: a repeat returns the first result and sends nothing");
  tr->callback([&ctx, a] {
    api_command c{"trigger", a->id, "", "", "", {}};
    if (!a->recipient.empty()) {
      c.args["recipient"] = a->recipient;
      if (!a->trigger_id.empty()) c.args["triggerId"] = a->trigger_id;
      if (!a->context_file.empty()) {
        auto text = read_file(a->context_file);
        if (!text) {
          ctx.exit_code = cli::fail(errc::validation, "--context-file", text.err().message());
          return;
        }
        c.body = text.value();
      }
      ctx.exit_code = simple(ctx, c, trigger_line);
      return;
    }
    for (auto& kv : a->vars) {
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        ctx.exit_code = cli::fail(errc::validation, "--var", "expected k=v, got '" + kv + "'");
        return;
      }
      c.args[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    ctx.exit_code = simple(ctx, c, status_line);
    if (ctx.exit_code == 0 && ctx.connect.empty()) embedded_note(a->id);
  });
}

std::string proof_lines(const nlohmann::json& j) {
  std::string s;
  for (auto& p : j.value("proofs", nlohmann::json::array()))
    s += "proof of " + j.value("activity", "") + " for " + p.value("recipient", "") + " to " +
         p.value("to", "") + " (" + p.value("messageId", "") + ")\n";
  return s;
}

// `campaign proof ID ACTIVITY --to ADDR[,ADDR] [--sample N] [--subject-prefix P]`.
void add_proof_command(CLI::App& g, context& ctx) {
  struct proof_args {
    std::string id, activity, to, sample, prefix;
  };
  auto a = std::make_shared<proof_args>();
  auto* p =
      g.add_subcommand("proof",
                       "Send the real rendering of a channel activity for sample recipients of its "
                       "population to seed addresses, marked as proofs (not counted in reports)");
  p->add_option("ID", a->id, "Campaign id")->required();
  p->add_option("ACTIVITY", a->activity, "Channel activity id")->required();
  p->add_option("--to", a->to, "Seed addresses, comma-separated")->required();
  p->add_option("--sample", a->sample, "Recipients of the population to render (default 1)");
  p->add_option("--subject-prefix", a->prefix, "Prefix of the subject (default \"[PROOF] \")");
  p->callback([&ctx, a] {
    api_command c{"proof", a->id, "", "", "", {{"activity", a->activity}, {"to", a->to}}};
    if (!a->sample.empty()) c.args["sample"] = a->sample;
    if (!a->prefix.empty()) c.args["subjectPrefix"] = a->prefix;
    ctx.exit_code = simple(ctx, c, proof_lines);
  });
}

}  // namespace

void add_campaign_commands(CLI::App& app, context& ctx) {
  auto* g = app.add_subcommand("campaign", "Create, run and operate campaigns");
  g->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto id = std::make_shared<std::string>();
  auto* v = g->add_subcommand(
      "validate", "Check a campaign file; exit 2 listing every problem with its JSON pointer");
  v->add_option("FILE", *file, "Campaign JSON")->required();
  v->callback([&ctx, file] { ctx.exit_code = run_validate(ctx, *file); });
  auto* cr = g->add_subcommand("create",
                               "Create a draft from a campaign file or a template; prints its id");
  auto from_template = std::make_shared<std::string>();
  auto new_name = std::make_shared<std::string>();
  cr->add_option("FILE", *file, "Campaign JSON");
  cr->add_option("--from-template", *from_template, "Start from this template's latest version");
  cr->add_option("--name", *new_name, "With --from-template: the new campaign's name");
  cr->callback([&ctx, file, from_template, new_name] {
    if (file->empty() == from_template->empty() || (!new_name->empty() && file->size())) {
      ctx.exit_code = cli::fail(errc::validation, "create",
                                "give a campaign FILE, or --from-template NAME [--name TEXT]");
      return;
    }
    api_command c{"create", "", "", "", "", {{"template", *from_template}}};
    if (!new_name->empty()) c.args["name"] = *new_name;
    ctx.exit_code = file->empty() ? run_create(ctx, c) : run_create(ctx, *file);
  });
  add_campaign_version_commands(*g, ctx);
  auto status = std::make_shared<std::string>();
  auto* ls = g->add_subcommand("list", "List campaigns with status, last and next run, and errors");
  ls->add_option("--status", *status, "Only campaigns with this status")
      ->check(CLI::IsMember(
          {"draft", "scheduled", "live", "paused", "stopped", "completed", "closed", "archived"}));
  ls->callback([&ctx, status] {
    api_command c{"list", "", "", "", "", {}};
    if (!status->empty()) c.args["status"] = *status;
    ctx.exit_code = simple(ctx, c, list_table);
  });
  auto* sh = g->add_subcommand("show", "Status, schedule, runs, tasks and counts of a campaign");
  sh->add_option("ID", *id, "Campaign id")->required();
  sh->callback([&ctx, id] {
    ctx.exit_code = simple(ctx, {"show", *id, "", "", "", {}}, show_text);
  });
  auto run = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("text");
  auto* gr = g->add_subcommand("graph", "The campaign graph with the counts of a run");
  gr->add_option("ID", *id, "Campaign id")->required();
  gr->add_option("--run", *run, "Run number (default: the last run)");
  gr->add_option("--format", *format, "text or dot")->check(CLI::IsMember({"text", "dot"}));
  gr->callback([&ctx, id, run, format] {
    // --json: nodes and edges with their counts, not a drawing inside a string.
    api_command c{"graph", *id, "", "", "", {{"format", ctx.global.json ? "json" : *format}}};
    if (!run->empty()) {
      if (auto n = parse_whole_number(*run, "--run", 1, UINT32_MAX); !n) {
        ctx.exit_code = cli::fail(n.err());
        return;
      }
      c.args["run"] = *run;
    }
    ctx.exit_code =
        simple(ctx, c, [](const nlohmann::json& j) { return j["graph"].get<std::string>(); });
  });
  add_campaign_schedule_command(*g, ctx);
  add_verb(g, ctx, "test", "Start a test run of a draft (skips save_audience and channels)");
  add_verb(g, ctx, "publish", "Publish a valid draft (scheduled or live); it becomes read-only");
  add_verb(g, ctx, "start", "Start a run now on a live or scheduled campaign");
  add_verb(g, ctx, "pause", "Start no new task; running tasks finish");
  add_verb(g, ctx, "resume", "Continue a paused campaign (re-runs a task suspended by an error)");
  add_verb(g, ctx, "stop", "Stop for good (or stop a draft's test run)");
  add_verb(g, ctx, "close", "Recurring campaigns: no new runs; the current one finishes");
  add_verb(g, ctx, "back-to-draft", "Back to an editable draft (only when no run has completed)");
  add_verb(g, ctx, "archive", "Archive a campaign that is not a draft");
  add_verb(g, ctx, "delete", "Delete a draft");
  add_verb(g, ctx, "duplicate", "Copy any campaign as a new draft; prints the new id");
  add_approval_verbs(g, ctx);
  auto activity = std::make_shared<std::string>();
  auto* cf = g->add_subcommand("confirm", "Confirm the send of a channel activity waiting for it");
  cf->add_option("ID", *id, "Campaign id")->required();
  cf->add_option("ACTIVITY", *activity, "Channel activity id")->required();
  cf->callback([&ctx, id, activity] {
    ctx.exit_code =
        simple(ctx, {"confirm", *id, "", "", "", {{"activity", *activity}}}, status_line);
    if (ctx.exit_code == 0 && ctx.connect.empty()) embedded_note(*id);
  });
  add_trigger_command(*g, ctx);
  add_proof_command(*g, ctx);
  auto timeout = std::make_shared<std::string>();
  auto* w = g->add_subcommand(
      "wait",
      "Run the engine until the current run ends (embedded) or wait for it (batond); exit 1 if "
      "it failed or waits for a confirmation, 130 if interrupted");
  w->add_option("ID", *id, "Campaign id")->required();
  w->add_option("--timeout", *timeout, "Give up after SECONDS (exit 7; the run goes on)");
  w->callback([&ctx, id, timeout] {
    auto seconds = cli::parse_seconds(*timeout, "--timeout");
    ctx.exit_code = seconds ? run_wait(ctx, *id, *seconds) : cli::fail(seconds.err());
  });
}

}  // namespace baton::ctl
