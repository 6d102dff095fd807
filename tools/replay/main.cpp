// baton-replay: the auditor's tool. Read-only on the event store (works while batond runs):
// verifies the log's integrity by replaying it.
#include <iostream>

#include <nlohmann/json.hpp>

#include "events/catalog.hpp"
#include "tools/common/cli.hpp"

namespace {

int run_verify(const baton::cli::global_options& g) {
  auto reader = baton::cli::open_store_for_reading(g, false);
  if (!reader) return baton::cli::fail(reader.err());
  auto rep = reader->store->verify();
  if (!rep) return baton::cli::fail(rep.err());
  const auto& catalog = baton::baton_event_catalog();
  std::optional<baton::verify_break> brk = rep->first_break;
  if (!brk) {  // every event must also be of a type and version this build understands
    auto st = reader->store->scan(1, [&](const baton::event& e) {
      auto up = catalog.upcast(e);
      if (up) return true;
      brk = baton::verify_break{e.global_seq, e.stream, e.stream_seq, up.err().what};
      return false;
    });
    if (!st) return baton::cli::fail(st.err());
  }
  if (g.json) {
    nlohmann::json j = {{"ok", !brk},
                        {"events", rep->events},
                        {"streams", rep->streams},
                        {"headSeq", rep->head_seq},
                        {"headHash", baton::to_hex(rep->head_hash)}};
    if (brk)
      j["break"] = {{"seq", brk->global_seq},
                    {"stream", brk->stream},
                    {"streamSeq", brk->stream_seq},
                    {"what", brk->what}};
    std::cout << j.dump() << "\n";
  }
  if (brk) {
    std::string where = "event #" + std::to_string(brk->global_seq);
    if (!brk->stream.empty())
      where += " (" + brk->stream + "#" + std::to_string(brk->stream_seq) + ")";
    return baton::cli::fail(baton::errc::integrity, where, brk->what);
  }
  if (!g.json)
    std::cout << "ok: " << rep->events << " events in " << rep->streams
              << " streams verified; head #" << rep->head_seq << " "
              << baton::to_hex(rep->head_hash) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  baton::cli::global_options g;
  int exit_code = 0;
  CLI::App app{"baton-replay — audit Baton's event log (read-only)", "baton-replay"};
  app.require_subcommand(1);
  app.fallthrough();
  baton::cli::add_global_flags(app, g);
  app.parse_complete_callback([&] { baton::cli::resolve_defaults(g); });
  app.add_subcommand("verify",
                     "Replay the whole log: sequences, hashes, the hash chain, the stream index; "
                     "exit 6 naming the first break")
      ->callback([&] { exit_code = run_verify(g); });
  if (auto code = baton::cli::parse(app, argc, argv)) return *code;
  return exit_code;
}
