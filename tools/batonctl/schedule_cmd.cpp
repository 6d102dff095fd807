// `batonctl campaign schedule ID [--next N]` and `... schedule --file F.json [--next N]`: the
// next N run times of a campaign's schedule (PRODUCT.md §1, "Preview: next N run times"),
// DST-correct in its time zone, in UTC and on the zone's wall clock, or why there is none.
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "model/number.hpp"
#include "model/schedule.hpp"
#include "tools/batonctl/engine_access.hpp"

namespace baton::ctl {

namespace {

struct schedule_args {
  std::string id, file, next = "5";
};

// A campaign's schedule member and the status it is in ("" for a file).
struct source {
  nlohmann::json id = nullptr, schedule = nullptr;
  std::string status;
};

result<source> from_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(errc::not_found, path, "cannot read file");
  std::stringstream text;
  text << in.rdbuf();
  auto doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return make_error(errc::validation, path, "not a JSON object (a campaign definition)");
  source s;
  if (doc.contains("schedule")) s.schedule = doc["schedule"];
  return s;
}

result<source> from_campaign(context& ctx, const std::string& id) {
  auto engine = open_engine(ctx);
  if (!engine) return engine.err();
  auto shown = call(*engine.value(), ctx, {"show", id, "", "", "", {}});
  if (!shown) return shown.err();
  source s;
  s.id = id;
  s.schedule = shown->value("schedule", nlohmann::json(nullptr));
  s.status = shown->value("status", "");
  return s;
}

// What the campaign's status does to its planned runs.
void apply_status(const std::string& status, schedule_preview& p) {
  if (status == "stopped" || status == "completed" || status == "archived" || status == "closed") {
    p.next.clear();
    p.local.clear();
    p.note = "the campaign is " + status + ": no further runs";
  } else if (status == "paused" && !p.next.empty()) {
    p.note = "the campaign is paused: no run starts until it is resumed";
  }
}

void print(const context& ctx, const source& src, const std::string& file,
           const schedule_preview& p) {
  if (ctx.global.json) {
    nlohmann::json next = nlohmann::json::array();
    for (auto t : p.next) next.push_back(format_time(t));
    nlohmann::json j = {
        {"id", src.id},
        {"schedule", src.schedule},
        {"timezone", p.timezone},
        {"next", next},
        {"nextLocal", p.local},
        {"note", p.note.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.note)}};
    if (!file.empty()) j["file"] = file;
    std::cout << j.dump() << "\n";
    return;
  }
  std::string what = src.id.is_string() ? src.id.get<std::string>() : file;
  std::cout << what << ": schedule "
            << (src.schedule.is_null() ? "as soon as possible" : src.schedule.dump()) << "\n";
  if (!p.next.empty())
    std::cout << "next " << p.next.size() << " run(s) (UTC, then " << p.timezone << "):\n";
  for (std::size_t i = 0; i < p.next.size(); ++i)
    std::cout << "  " << format_time(p.next[i]) << "  " << p.local[i] << "\n";
  if (!p.note.empty()) std::cout << "(" << p.note << ")\n";
}

int run_schedule(context& ctx, const schedule_args& a) {
  if (a.id.empty() == a.file.empty())
    return cli::fail(errc::validation, "campaign schedule", "give a campaign ID or --file F.json");
  auto n = parse_whole_number(a.next, "--next", 1, 1000);
  if (!n) return cli::fail(n.err());
  auto src = a.file.empty() ? from_campaign(ctx, a.id) : from_file(a.file);
  if (!src) return fail_api(src.err());
  problems ps;
  auto sched = parse_schedule(&src->schedule, "/schedule", ps);
  for (auto& p : ps)
    std::cerr << (p.level == problem::severity::error ? "error: " : "warning: ") << p.pointer
              << ": " << p.message << "\n";
  if (!sched) return 2;
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  auto preview = preview_schedule(*sched, now, static_cast<int>(*n));
  apply_status(src->status, preview);
  print(ctx, *src, a.file, preview);
  return 0;
}

}  // namespace

void add_campaign_schedule_command(CLI::App& group, context& ctx) {
  auto a = std::make_shared<schedule_args>();
  auto* c = group.add_subcommand(
      "schedule", "The next run times of a campaign's (or a file's) schedule, DST-correct");
  c->add_option("ID", a->id, "Campaign id (or --file)");
  c->add_option("--file", a->file, "A campaign JSON file instead of a campaign");
  c->add_option("--next", a->next, "How many run times (default 5)");
  c->callback([&ctx, a] { ctx.exit_code = run_schedule(ctx, *a); });
}

}  // namespace baton::ctl
