// `batonctl events`: list and follow the event log, as a table that fits the terminal or as JSON
// lines. Opens the store read-only (a secondary when following), so it works beside a daemon.
#include <csignal>
#include <iostream>

#include "events/catalog.hpp"
#include "model/event_json.hpp"
#include "model/number.hpp"
#include "tools/batonctl/commands.hpp"
#include "tools/batonctl/data_access.hpp"
#include "tools/common/event_view.hpp"

namespace baton::ctl {

namespace {

struct events_args {
  cli::event_filter filter;
  std::string since, until;
  std::string run, limit;
  bool follow = false;
};

volatile std::sig_atomic_t interrupted = 0;

int run_events(context& ctx, events_args& a) {
  if (auto refused = refuse_unless(ctx, role::viewer, "events")) return cli::fail(*refused);
  auto& f = a.filter;
  for (auto [text, flag, is_since] :
       {std::tuple{a.since, "--since", true}, std::tuple{a.until, "--until", false}}) {
    if (text.empty()) continue;
    auto p = cli::parse_position(text, flag);
    if (!p) return cli::fail(p.err());
    (is_since ? f.since_us : f.until_us) = p->time_us;
    (is_since ? f.since_seq : f.until_seq) = p->seq;
  }
  if (!a.run.empty()) {
    auto n = parse_whole_number(a.run, "--run", 1, UINT32_MAX);
    if (!n) return cli::fail(n.err());
    f.run = static_cast<std::uint32_t>(*n);
  }
  std::size_t limit = 0;
  if (!a.limit.empty()) {
    auto n = parse_whole_number(a.limit, "--limit", 1, UINT32_MAX);
    if (!n) return cli::fail(n.err());
    limit = static_cast<std::size_t>(*n);
  }
  const auto& catalog = baton_event_catalog();
  if (!f.type.empty() && !catalog.find(f.type))
    return cli::fail(errc::validation, "--type", "unknown event type '" + f.type + "'");
  auto reader = cli::open_store_for_reading(ctx.global, a.follow);
  if (!reader) return cli::fail(reader.err());
  auto& store = *reader->store;
  std::size_t width = cli::terminal_width(), shown = 0;
  bool header = !ctx.global.json;
  auto emit = [&](const event& e) {
    if (!f.matches_envelope(e, catalog)) return true;
    auto up = catalog.upcast(e);
    auto j = event_to_json(up ? up.value() : e, catalog);
    if (!f.matches(e, j, catalog)) return true;
    if (header) {
      std::cout << cli::format_event_header(width) << "\n";
      header = false;
    }
    if (ctx.global.json)
      std::cout << j.dump() << "\n";
    else
      std::cout << cli::format_event_line(j, width) << "\n";
    ++shown;
    return limit == 0 || shown < limit;
  };
  std::uint64_t last = f.since_seq ? *f.since_seq - 1 : 0;
  bool more = true;
  if (auto only = f.only_stream()) {
    auto es = store.read_stream(*only);
    if (!es) return cli::fail(es.err());
    for (auto& e : es.value()) {
      if (e.global_seq <= last) continue;
      if (!(more = emit(e))) break;
    }
    last = std::max(last, store.last_global_seq());
  } else {
    auto st = store.scan(last + 1, [&](const event& e) {
      last = e.global_seq;
      return more = emit(e);
    });
    if (!st) return cli::fail(st.err());
  }
  std::cout.flush();
  if (!a.follow || !more) return 0;
  std::signal(SIGINT, [](int) { interrupted = 1; });
  std::signal(SIGTERM, [](int) { interrupted = 1; });
  while (!interrupted && more) {
    auto batch = store.wait_for(last, 1000, std::chrono::milliseconds(200));
    if (!batch) return cli::fail(batch.err());
    for (auto& e : batch.value()) {
      last = e.global_seq;
      if (!(more = emit(e))) break;
    }
    std::cout.flush();
  }
  return 0;
}

}  // namespace

void add_events_command(CLI::App& app, context& ctx) {
  auto a = std::make_shared<events_args>();
  auto* c =
      app.add_subcommand("events", "List or follow the event log (read-only; works beside batond)");
  c->add_option("--campaign", a->filter.campaign, "Only this campaign's events");
  c->add_option("--stream", a->filter.stream, "Only this stream (e.g. campaign/c-1a2b3c4d)");
  c->add_option("--type", a->filter.type, "Only this event type (e.g. task_completed)");
  c->add_option("--actor", a->filter.actor, "Only events caused by this identity");
  c->add_option("--run", a->run, "Only events of this run number");
  c->add_option("--activity", a->filter.activity, "Only events about this activity id");
  c->add_option("--since", a->since, "From this time (ISO-8601) or global sequence (@SEQ)");
  c->add_option("--until", a->until, "Up to this time (ISO-8601) or global sequence (@SEQ)");
  c->add_option("--limit", a->limit, "Stop after N events");
  c->add_flag("--follow,-f", a->follow,
              "Keep printing new events as they are appended (Ctrl-C stops)");
  c->callback([&ctx, a] { ctx.exit_code = run_events(ctx, *a); });
}

}  // namespace baton::ctl
