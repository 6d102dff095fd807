// baton-replay: the auditor's tool. Read-only on the event store (it works while batond runs),
// except `import`, which fills an empty data dir from an export, and `salvage`, which keeps a
// damaged log's intact part; `anchor` and `salvage` also note the anchor in anchors.jsonl.
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "channels/config_file.hpp"
#include "model/campaign_view.hpp"
#include "model/event_json.hpp"
#include "model/number.hpp"
#include "model/time.hpp"
#include "tools/common/cli.hpp"
#include "tools/replay/replay.hpp"

namespace {

using namespace baton;

struct args {
  cli::global_options g;
  std::string id, at, seq, from, to, anchor, campaign, format = "jsonl", output, file;
  int exit_code = 0;
};

int print_break(const args& a, const replay::verify_outcome& o) {
  auto& b = o.first_break;
  if (a.g.json) {
    nlohmann::json j = {{"ok", !b},
                        {"events", o.store.events},
                        {"streams", o.store.streams},
                        {"campaigns", o.campaigns},
                        {"snapshotsChecked", o.snapshots_checked},
                        {"headSeq", o.store.head_seq},
                        {"headHash", to_hex(o.store.head_hash)}};
    if (b)
      j["break"] = {{"seq", b->global_seq},
                    {"stream", b->stream},
                    {"streamSeq", b->stream_seq},
                    {"what", b->what}};
    std::cout << j.dump() << "\n";
  }
  if (b) {
    std::string where = "event #" + std::to_string(b->global_seq);
    if (!b->stream.empty()) where += " (" + b->stream + "#" + std::to_string(b->stream_seq) + ")";
    return cli::fail(errc::integrity, where, b->what);
  }
  if (!a.g.json)
    std::cout << "ok: " << o.store.events << " events in " << o.store.streams
              << " streams verified (hash chain, index, " << o.campaigns << " campaigns folded, "
              << o.snapshots_checked << " snapshots matched); head #" << o.store.head_seq << " "
              << to_hex(o.store.head_hash) << "\n";
  return 0;
}

int run_verify(const args& a) {
  std::optional<replay::anchor> anchor;
  if (!a.anchor.empty()) {
    auto p = replay::parse_anchor(a.anchor);
    if (!p) return cli::fail(p.err());
    anchor = p.value();
  }
  auto recorded = replay::newest_anchor(a.g.data_dir);
  if (!recorded) return cli::fail(recorded.err());
  auto r = cli::open_store_for_reading(a.g, false);
  if (!r) return cli::fail(r.err());
  auto o = replay::verify_all(*r->store, anchor, recorded.value());
  if (!o) return cli::fail(o.err());
  return print_break(a, o.value());
}

int run_anchor(const args& a) {
  auto r = cli::open_store_for_reading(a.g, false);
  if (!r) return cli::fail(r.err());
  auto rep = r->store->verify();
  if (!rep) return cli::fail(rep.err());
  if (rep->first_break)
    return cli::fail(errc::integrity, "event #" + std::to_string(rep->first_break->global_seq),
                     rep->first_break->what + " (no anchor for a broken log)");
  replay::anchor an{rep->head_seq, rep->head_hash};
  // Kept beside the log too, so that verify checks the newest one without being told.
  if (auto st =
          replay::record_anchor(a.g.data_dir, {an, format_time(system_clock().now()), "anchor"});
      !st)
    std::cerr << "warning: " << st.err().message() << " (the anchor is printed all the same)\n";
  if (a.g.json)
    std::cout << nlohmann::json{{"seq", an.seq},
                                {"hash", to_hex(an.hash)},
                                {"anchor", replay::format_anchor(an)}}
                     .dump()
              << "\n";
  else
    std::cout << replay::format_anchor(an) << "\n";
  return 0;
}

result<replay::point> point_of(const std::string& at, const std::string& seq,
                               const std::string& flag) {
  replay::point p;
  if (!at.empty()) {
    auto pos = cli::parse_position(at, flag);
    if (!pos) return pos.err();
    p.at = pos->time_us;
    p.seq = pos->seq;
  }
  if (!seq.empty()) {
    auto n = parse_whole_number(seq, "--seq", 1, UINT64_MAX);
    if (!n) return n.err();
    p.seq = *n;
  }
  return p;
}

int run_state_cmd(const args& a) {
  auto p = point_of(a.at, a.seq, "--at");
  if (!p) return cli::fail(p.err());
  auto r = cli::open_store_for_reading(a.g, false);
  if (!r) return cli::fail(r.err());
  auto s = replay::state_at(*r->store, a.id, p.value());
  if (!s) return cli::fail(s.err());
  std::cout << campaign_to_json(s.value()).dump(a.g.json ? -1 : 2) << "\n";
  return 0;
}

int run_diff(const args& a) {
  auto from = point_of(a.from, "", "--from");
  auto to = point_of(a.to, "", "--to");
  if (!from) return cli::fail(from.err());
  if (!to) return cli::fail(to.err());
  auto r = cli::open_store_for_reading(a.g, false);
  if (!r) return cli::fail(r.err());
  auto before = replay::state_at(*r->store, a.id, from.value());
  campaign_state empty;
  if (!before && before.err().code != errc::not_found) return cli::fail(before.err());
  auto after = replay::state_at(*r->store, a.id, to.value());
  if (!after) return cli::fail(after.err());
  auto between = replay::events_between(*r->store, a.id, from.value(), to.value());
  if (!between) return cli::fail(between.err());
  nlohmann::json events = nlohmann::json::array();
  for (auto& e : between.value()) events.push_back(event_to_json(e, baton_event_catalog()));
  nlohmann::json j = {
      {"campaign", a.id},
      {"changes", replay::diff_states(before ? before.value() : empty, after.value())},
      {"events", events}};
  if (a.g.json) {
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::cout << "Changes of " << a.id << " between " << a.from << " and " << a.to << ":\n"
            << j["changes"].dump(2) << "\n\n"
            << events.size() << " events in between:\n";
  for (auto& e : events)
    std::cout << "  #" << e["seq"] << " " << e["time"].get<std::string>() << " "
              << e["actor"].get<std::string>() << " " << e["type"].get<std::string>() << "\n";
  return 0;
}

int run_timeline(const args& a) {
  auto r = cli::open_store_for_reading(a.g, false);
  if (!r) return cli::fail(r.err());
  if (a.g.json) {  // JSON lines: a history is a stream
    auto t = replay::timeline_json(*r->store, a.id);
    if (!t) return cli::fail(t.err());
    for (auto& j : t.value()) std::cout << j.dump() << "\n";
    return 0;
  }
  auto t = replay::timeline(*r->store, a.id);
  if (!t) return cli::fail(t.err());
  std::cout << t.value();
  return 0;
}

int run_export(const args& a) {
  if (a.format != "jsonl")
    return cli::fail(errc::validation, "--format", "only jsonl is supported");
  auto r = cli::open_store_for_reading(a.g, false);
  if (!r) return cli::fail(r.err());
  std::ofstream file;
  if (!a.output.empty()) {
    file.open(a.output);
    if (!file) return cli::fail(errc::failed, a.output, "cannot write");
  }
  auto st = replay::export_jsonl(*r->store, a.campaign, a.output.empty() ? std::cout : file);
  return st ? 0 : cli::fail(st.err());
}

int run_salvage(const args& a) {
  auto o = replay::salvage(a.g.data_dir, a.g.user);
  if (!o) return cli::fail(o.err());
  auto& r = o.value();
  if (a.g.json) {
    nlohmann::json j = {{"salvaged", r.needed},
                        {"headBefore", r.head_before},
                        {"headAfter", r.head_after},
                        {"dropped", r.head_before - r.head_after},
                        {"readableDropped", r.readable_dropped},
                        {"keptIn", r.needed ? nlohmann::json(r.kept_in) : nlohmann::json(nullptr)},
                        {"damage", nullptr},
                        {"event", r.needed ? nlohmann::json(r.event_seq) : nlohmann::json(nullptr)},
                        {"anchor", r.needed ? nlohmann::json(replay::format_anchor(r.new_anchor))
                                            : nlohmann::json(nullptr)}};
    if (r.damage)
      j["damage"] = {
          {"file", r.damage->file}, {"offset", r.damage->offset}, {"what", r.damage->what}};
    std::cout << j.dump() << "\n";
    return 0;
  }
  if (!r.needed) {
    std::cout << "nothing to salvage: the log opens intact with " << r.head_after
              << " events (check it with `baton-replay verify`)\n";
    return 0;
  }
  std::cout << "salvaged " << cli::events_dir(a.g) << ": kept events #1..#" << r.head_after
            << ", dropped " << r.head_before - r.head_after << " (" << r.readable_dropped
            << " of them still readable)\n";
  if (r.damage)
    std::cout << "  damage: " << r.damage->file << " offset " << r.damage->offset << ": "
              << r.damage->what << "\n";
  std::cout << "  set aside in " << r.kept_in << " (the damaged write-ahead log, dropped.jsonl)\n"
            << "  recorded as event #" << r.event_seq << " (store_salvaged); new anchor "
            << replay::format_anchor(r.new_anchor) << "\n";
  return 0;
}

int run_import(const args& a) {
  std::ifstream in(a.file);
  if (!in) return cli::fail(errc::not_found, a.file, "cannot read");
  auto store = event_store::open(cli::events_dir(a.g));
  if (!store) return cli::fail(store.err());
  auto n = replay::import_jsonl(*store.value(), in);
  if (!n) return cli::fail(n.err());
  auto o = replay::verify_all(*store.value(), std::nullopt);
  if (!o) return cli::fail(o.err());
  if (o->first_break) return print_break(a, o.value());
  if (a.g.json)
    std::cout
        << nlohmann::json{{"imported", n.value()}, {"dataDir", a.g.data_dir}, {"ok", true}}.dump()
        << "\n";
  else
    std::cout << "imported " << n.value() << " events into " << a.g.data_dir << "; verify ok\n";
  return 0;
}

// baton-replay reads no config; a --config given anyway is still checked, so that a wrong one is
// never silently ignored.
void check_config(args& a) {
  cli::resolve_defaults(a.g);
  if (!a.g.config_given) return;
  auto c = channels::load_config_file(a.g.config, true);
  if (!c) throw CLI::RuntimeError(cli::fail(c.err()));
}

int run(int argc, char** argv) {
  args a;
  CLI::App app{"baton-replay — audit Baton's event log (read-only, works beside a running batond)",
               "baton-replay"};
  app.require_subcommand(1);
  app.fallthrough();
  cli::add_version_flag(app);
  cli::add_global_flags(app, a.g);
  app.parse_complete_callback([&] { check_config(a); });
  auto* v = app.add_subcommand("verify",
                               "Replay everything: sequences, hashes, chain, index, the engine's "
                               "fold vs its snapshots; exit 6 naming the first break");
  v->add_option("--anchor", a.anchor,
                "SEQ:HASH from `baton-replay anchor`: prove the log up to it is unchanged");
  v->callback([&] { a.exit_code = run_verify(a); });
  app.add_subcommand("anchor", "Print the chain head (SEQ:HASH) to keep elsewhere")->callback([&] {
    a.exit_code = run_anchor(a);
  });
  app.add_subcommand("salvage",
                     "Keep a damaged log's intact events, set the rest aside, record the drop "
                     "(needs the data dir: stop batond first)")
      ->callback([&] { a.exit_code = run_salvage(a); });
  auto* s = app.add_subcommand(
      "state", "A campaign as it was at a time or sequence (the JSON of `batonctl campaign show`)");
  s->add_option("ID", a.id)->required();
  s->add_option("--at", a.at, "ISO-8601 time, or @SEQ");
  s->add_option("--seq", a.seq, "Global sequence number");
  s->callback([&] { a.exit_code = run_state_cmd(a); });
  auto* d = app.add_subcommand(
      "diff", "What changed in a campaign between two times, and the events in between");
  d->add_option("ID", a.id)->required();
  d->add_option("--from", a.from, "ISO-8601 time or @SEQ")->required();
  d->add_option("--to", a.to, "ISO-8601 time or @SEQ")->required();
  d->callback([&] { a.exit_code = run_diff(a); });
  auto* t = app.add_subcommand("timeline",
                               "A campaign's history: time, identity, command, events, errors");
  t->add_option("ID", a.id)->required();
  t->callback([&] { a.exit_code = run_timeline(a); });
  auto* e = app.add_subcommand(
      "export", "Every event as JSON lines (envelope, payload, exact bytes) for an archive");
  e->add_option("--campaign", a.campaign, "Only this campaign's stream (cannot be imported alone)");
  e->add_option("--format", a.format, "jsonl");
  e->add_option("--output,-o", a.output, "Write to FILE instead of stdout");
  e->callback([&] { a.exit_code = run_export(a); });
  auto* im = app.add_subcommand(
      "import",
      "Load a full export into an empty data dir (same sequences, times and hashes), then verify");
  im->add_option("FILE", a.file)->required();
  im->callback([&] { a.exit_code = run_import(a); });
  if (auto code = cli::parse(app, argc, argv)) return *code;
  return a.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  return baton::cli::guarded_main([&] { return run(argc, argv); });
}
