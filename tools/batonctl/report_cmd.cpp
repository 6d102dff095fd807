// `batonctl report ID [--activity A]` — delivery and feedback figures per channel activity — and
// `batonctl feedback load FILE.csv` — message_id,event,time rows; unknown ids go to rejects.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "audience/csv.hpp"
#include "tools/batonctl/engine_access.hpp"

namespace baton::ctl {

namespace {

std::string pad(std::string s, std::size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

std::string percent(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", v);
  return buf;
}

std::string report_text(const nlohmann::json& r) {
  std::ostringstream out;
  out << "Report of " << r.value("campaign", "") << " \"" << r.value("name", "") << "\"\n";
  const char* cols[] = {"people",       "targeted", "sent",        "delivered",   "bounced",
                        "errors",       "excluded", "opens",       "uniqueOpens", "clicks",
                        "uniqueClicks", "ctr",      "unsubscribes"};
  out << pad("ACTIVITY", 24);
  for (auto* c : cols) out << pad(c, 13);
  out << "\n";
  auto row = [&](const std::string& name, const nlohmann::json& j) {
    out << pad(name, 24);
    for (auto* c : cols)
      out << pad(j.contains(c)
                     ? (j[c].is_number_float() ? percent(j[c].get<double>()) : j[c].dump())
                     : "-",
                 13);
    out << "\n";
  };
  for (auto& a : r["activities"])
    row(a["activity"].get<std::string>() + " (" + a["channel"].get<std::string>() + ")", a);
  if (r["activities"].size() > 1) row("total", r["total"]);
  for (auto& a : r["activities"])
    for (auto& [reason, n] : a["exclusions"].items())
      out << "  " << a["activity"].get<std::string>() << " excluded (" << reason
          << "): " << n.dump() << "\n";
  for (auto& a : r["activities"]) {
    auto name = a["activity"].get<std::string>();
    if (a.value("control", 0) > 0)
      out << "  " << name << " control group (held out, not sent): " << a["control"].dump() << "\n";
    if (a.contains("variants"))
      for (auto& v : a["variants"])
        out << "  " << name << " variant " << v.value("name", "") << ": sent " << v["sent"].dump()
            << ", opens " << v["opens"].dump() << " (unique " << v["uniqueOpens"].dump()
            << "), clicks " << v["clicks"].dump() << " (unique " << v["uniqueClicks"].dump()
            << ")\n";
    if (a.value("inDoubt", 0) > 0)
      out << "  " << name << " in doubt: " << a["inDoubt"].dump()
          << " (handed over again after a crash left no answer: each may have arrived twice)\n";
    if (a.value("repeated", 0) > 0)
      out << "  " << name << " repeated: " << a["repeated"].dump()
          << " (accepted by a server a second time)\n";
  }
  if (r["activities"].empty()) out << "(no channel activity)\n";
  return out.str();
}

int run_report(context& ctx, const std::string& id, const std::string& activity) {
  auto engine = open_engine(ctx);
  if (!engine) return fail_api(engine.err());
  api_command c{"report", id, "", "", "", {}};
  if (!activity.empty()) c.args["activity"] = activity;
  auto r = call(*engine.value(), ctx, c);
  if (!r) return fail_api(r.err());
  if (!activity.empty() && r.value()["activities"].empty())
    return cli::fail(errc::not_found, "--activity",
                     "no channel activity '" + activity + "' in " + id);
  if (ctx.global.json)
    std::cout << r.value().dump() << "\n";
  else
    std::cout << report_text(r.value());
  return 0;
}

int run_feedback_load(context& ctx, const std::string& file, const std::string& rejects) {
  std::ifstream in(file);
  if (!in) return cli::fail(errc::not_found, file, "cannot read file");
  std::stringstream text;
  text << in.rdbuf();
  auto engine = open_engine(ctx);
  if (!engine) return fail_api(engine.err());
  auto r = call(*engine.value(), ctx, {"feedback", "", "", "", text.str(), {}});
  if (!r) return fail_api(r.err());
  auto& j = r.value();
  if (!rejects.empty()) {
    std::ofstream out(rejects);
    out << "line,reason\n";
    for (auto& x : j["rejected"])
      out << x["line"].dump() << "," << audience::csv_escape(x["reason"].get<std::string>())
          << "\n";
  } else {
    for (auto& x : j["rejected"])
      std::cerr << "rejected: " << file << ":" << x["line"].dump() << ": "
                << x["reason"].get<std::string>() << "\n";
  }
  if (ctx.global.json)
    std::cout << j.dump() << "\n";
  else  // rows = accepted + rejected; accepted = new + repeats
    std::cout << file << ": " << j.value("rows", 0) << " rows: " << j["accepted"].dump()
              << " accepted (" << j["recorded"].dump() << " new, " << j.value("repeats", 0)
              << " already recorded), " << j["rejected"].size() << " rejected\n";
  return 0;
}

}  // namespace

void add_report_commands(CLI::App& app, context& ctx) {
  auto id = std::make_shared<std::string>();
  auto activity = std::make_shared<std::string>();
  auto* r = app.add_subcommand("report",
                               "Delivery and feedback figures of a campaign's channel activities");
  r->add_option("ID", *id, "Campaign id")->required();
  r->add_option("--activity", *activity, "Only this channel activity");
  r->callback([&ctx, id, activity] { ctx.exit_code = run_report(ctx, *id, *activity); });
  auto* f = app.add_subcommand("feedback", "Feedback on sent messages");
  f->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto rejects = std::make_shared<std::string>();
  auto* l = f->add_subcommand(
      "load", "Load message_id,event(delivered|bounced|opened|clicked|unsubscribed),time rows");
  l->add_option("FILE", *file, "CSV file")->required();
  l->add_option("--rejects", *rejects, "Write rejected rows (line, reason) here instead of stderr");
  l->callback([&ctx, file, rejects] { ctx.exit_code = run_feedback_load(ctx, *file, *rejects); });
}

}  // namespace baton::ctl
