// `batonctl run FILE [--test]`: create the campaign, publish it (or start a test run), run it
// once now, wait for the run to end and show its graph with counts. Exit 1 if the run failed.
#include <fstream>
#include <iostream>
#include <sstream>

#include "tools/batonctl/engine_access.hpp"

namespace baton::ctl {

namespace {

struct run_args {
  std::string file;
  bool test = false;
  double timeout = 0;
};

int run_once(context& ctx, const run_args& a) {
  std::ifstream in(a.file);
  if (!in) return cli::fail(errc::not_found, a.file, "cannot read file");
  std::stringstream text;
  text << in.rdbuf();
  auto engine = open_engine(ctx);
  if (!engine) return fail_api(engine.err());
  auto& e = *engine.value();
  auto created = call(e, ctx, {"create", "", "", "", text.str(), {}});
  if (!created) return fail_api(created.err());
  std::string id = created.value()["id"];
  if (!ctx.global.json) std::cerr << "created " << id << "\n";
  auto started = call(e, ctx, {a.test ? "test" : "publish", id, "", "", "", {}});
  if (!started) return fail_api(started.err());
  auto status = started.value().value("status", "");
  if (!a.test) {
    auto shown = call(e, ctx, {"show", id, "", "", "", {}});
    if (!shown) return fail_api(shown.err());
    bool running =
        !shown.value()["lastRun"].is_null() && shown.value()["lastRun"]["status"] == "running";
    if (!running) {  // scheduled or signal-triggered: run once now
      auto now = call(e, ctx, {"start", id, "", "", "", {}});
      if (!now) return fail_api(now.err());
    }
  }
  auto ms = a.timeout > 0 ? std::chrono::milliseconds(static_cast<long>(a.timeout * 1000))
                          : std::chrono::hours(24 * 365);
  auto waited = call(e, ctx, {"wait", id, "", "", "", {}}, ms);
  if (!waited) return fail_api(waited.err());
  auto& w = waited.value();
  bool failed = w["runStatus"] == "failed" || w["runStatus"] == "suspended";
  if (failed && w.contains("error"))
    std::cerr << "error: " << w["error"]["activity"].get<std::string>() << ": "
              << w["error"]["message"].get<std::string>()
              << (w["runStatus"] == "suspended"
                      ? " (the campaign is paused: fix and `batonctl campaign resume`)"
                      : "")
              << "\n";
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
                "Give up waiting after SECONDS (exit 7: the run may still be going on)")
      ->check(CLI::Range(0.0, 31536000.0));
  c->callback([&ctx, a] { ctx.exit_code = run_once(ctx, *a); });
}

}  // namespace baton::ctl
