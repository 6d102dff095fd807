// `batonctl run FILE [--test]`: create the campaign, publish it (or start a test run), run it
// once now, wait for the run to end and show its graph with counts. Exit 1 if the run failed.
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "tools/batonctl/engine_access.hpp"

namespace baton::ctl {

namespace {

struct run_args {
  std::string file;
  bool test = false;
  std::string timeout;  // seconds; "" = no limit
};

int run_once(context& ctx, const run_args& a) {
  auto seconds = cli::parse_seconds(a.timeout, "--timeout");
  if (!seconds) return cli::fail(seconds.err());
  std::ifstream in(a.file);
  if (!in) return cli::fail(errc::not_found, a.file, "cannot read file");
  std::stringstream text;
  text << in.rdbuf();
  std::optional<stop_on_signal> signals;
  if (ctx.connect.empty()) signals.emplace();
  auto engine = open_engine(ctx, true);
  if (!engine) return fail_api(engine.err());
  auto& e = *engine.value();
  if (signals) signals->attach(&e);
  struct detach {
    std::optional<stop_on_signal>& s;
    ~detach() {
      if (s) s->attach(nullptr);
    }
  } detach_on_return{signals};
  auto created = call(e, ctx, {"create", "", "", "", text.str(), {}});
  if (!created) return fail_api(created.err());
  std::string id = created.value()["id"];
  if (!ctx.global.json) std::cerr << "created " << id << "\n";
  auto started = call(e, ctx, {a.test ? "test" : "publish", id, "", "", "", {}});
  if (!started) return fail_api(started.err());
  if (!a.test) {
    auto shown = call(e, ctx, {"show", id, "", "", "", {}});
    if (!shown) return fail_api(shown.err());
    // A new campaign has a run only if publishing started it; that run may already have ended
    // (a fast failure), so any run counts: starting another would be refused.
    bool started_run = !shown.value()["lastRun"].is_null();
    if (!started_run) {  // scheduled or signal-triggered: run once now
      auto now = call(e, ctx, {"start", id, "", "", "", {}});
      if (!now) return fail_api(now.err());
    }
  }
  int code = wait_for_run(e, ctx, id, *seconds, signals ? &*signals : nullptr, false);
  if (code == 130 || code == 7) return code;
  bool failed = code != 0;
  if (ctx.global.json) {
    auto shown = call(e, ctx, {"show", id, "", "", "", {}});
    if (!shown) return fail_api(shown.err());
    std::cout << shown.value().dump() << "\n";
  } else {
    auto graph = call(e, ctx, {"graph", id, "", "", "", {}});
    if (!graph) return fail_api(graph.err());
    std::cout << graph.value()["graph"].get<std::string>();
  }
  return failed ? 1 : 0;
}

}  // namespace

void add_run_command(CLI::App& app, context& ctx) {
  auto a = std::make_shared<run_args>();
  auto* c = app.add_subcommand(
      "run", "Create + publish (or --test) + run once now + wait; show the graph with counts");
  c->add_option("FILE", a->file, "Campaign JSON")->required();
  c->add_flag("--test", a->test, "A test run of the draft instead of publishing (sends nothing)");
  c->add_option("--timeout", a->timeout,
                "Give up waiting after SECONDS (exit 7: the run may still be going on)");
  c->callback([&ctx, a] { ctx.exit_code = run_once(ctx, *a); });
}

}  // namespace baton::ctl
