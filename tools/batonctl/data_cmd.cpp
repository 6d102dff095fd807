// `batonctl data load ENTITY FILE.csv [--mode upsert|insert|delete] [--rejects FILE]` (a progress
// bar on a terminal, plain lines otherwise) and `batonctl data count ENTITY`.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "audience/loader.hpp"
#include "audience/schema.hpp"
#include "tools/batonctl/data_access.hpp"

namespace baton::ctl {

namespace {

struct load_args {
  std::string entity, file, mode = "upsert", rejects;
};

// Progress on stderr: a redrawn bar on a terminal, one line per batch otherwise.
std::function<void(const audience::load_progress&)> progress_printer(bool quiet) {
  if (quiet) return {};
  bool tty = isatty(STDERR_FILENO);
  auto start = std::chrono::steady_clock::now();
  return [tty, start](const audience::load_progress& p) {
    double pct = p.total_bytes
                     ? 100.0 * static_cast<double>(p.bytes) / static_cast<double>(p.total_bytes)
                     : 100.0;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double rate = secs > 0 ? static_cast<double>(p.rows) / secs : 0;
    if (tty) {
      int filled = static_cast<int>(pct / 100.0 * 30);
      std::fprintf(stderr, "\r[%-30s] %5.1f%%  %llu rows  %.0f rows/s",
                   std::string(filled, '#').c_str(), pct, static_cast<unsigned long long>(p.rows),
                   rate);
      if (p.bytes >= p.total_bytes) std::fprintf(stderr, "\n");
    } else {
      std::fprintf(stderr, "loaded %llu rows (%.1f%%, %.0f rows/s)\n",
                   static_cast<unsigned long long>(p.rows), pct, rate);
    }
    std::fflush(stderr);
  };
}

// Ctrl-C (or SIGTERM) during a load: the loader sees the flag, rolls the file back and returns.
// The handler is then the default again, so a second Ctrl-C ends the process at once (the
// database rolls back an uncommitted transaction by itself).
std::atomic<bool> load_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);  // set from a signal handler

void on_load_signal(int) {
  load_interrupted.store(true, std::memory_order_relaxed);
}

struct interrupt_scope {
  struct sigaction old_int {
  }, old_term{};
  interrupt_scope() {
    struct sigaction sa {};
    sa.sa_handler = on_load_signal;
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
  }
  ~interrupt_scope() {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
  }
};

int run_load(context& ctx, const load_args& a) {
  auto mode = audience::load_mode_from_string(a.mode);
  if (!mode) return cli::fail(errc::validation, "--mode", "expected upsert, insert or delete");
  // PRODUCT.md §6: viewers read only; changing data needs a manager (any --mode).
  if (auto refused = refuse_unless(ctx, role::manager, "data load")) return cli::fail(*refused);
  auto schema = stored_schema(ctx);
  if (!schema) return cli::fail(schema.err());
  auto b = open_data(ctx);
  if (!b) return cli::fail(b.err());
  audience::load_request req;
  req.entity = a.entity;
  req.path = a.file;
  req.mode = *mode;
  req.rejects_path = a.rejects;
  req.progress = progress_printer(ctx.global.json);
  req.cancel = &load_interrupted;
  interrupt_scope on_interrupt;
  auto r = audience::load_csv(**b, *schema, req);
  if (!r && load_interrupted.load()) {
    std::cerr << "error: data load: interrupted, nothing was loaded\n";
    return 130;  // 128 + SIGINT, as a shell reports a command Ctrl-C stopped
  }
  if (!r) return cli::fail(r.err());
  if (ctx.global.json) {
    std::cout << nlohmann::json{{"entity", a.entity},    {"rows", r->rows},
                                {"applied", r->applied}, {"rejected", r->rejected},
                                {"missing", r->missing}, {"rejects", a.rejects}}
                     .dump()
              << "\n";
  } else {
    std::cout << a.entity << ": " << r->rows << " rows read, " << r->applied << " applied, "
              << r->rejected << " rejected";
    if (r->missing) std::cout << ", " << r->missing << " keys not found";
    std::cout << (r->rejected && !a.rejects.empty() ? " (see " + a.rejects + ")" : "") << "\n";
    for (const auto& line : r->first_rejects) std::cerr << "rejected: " << line << "\n";
  }
  return 0;
}

int run_count(context& ctx, const std::string& entity) {
  if (auto refused = refuse_unless(ctx, role::viewer, "data count")) return cli::fail(*refused);
  auto schema = stored_schema(ctx);
  if (!schema) return cli::fail(schema.err());
  auto b = open_data(ctx);
  if (!b) return cli::fail(b.err());
  auto n = audience::count_rows(**b, *schema, entity);
  if (!n) return cli::fail(n.err());
  if (ctx.global.json)
    std::cout << nlohmann::json{{"entity", entity}, {"count", *n}}.dump() << "\n";
  else
    std::cout << *n << "\n";
  return 0;
}

}  // namespace

void add_data_commands(CLI::App& app, context& ctx) {
  auto* data = app.add_subcommand("data", "Load and count the data plane's entities");
  data->require_subcommand(1);
  auto args = std::make_shared<load_args>();
  auto* load =
      data->add_subcommand("load", "Load an entity from a CSV file (header row of columns)");
  load->add_option("ENTITY", args->entity, "Entity name")->required();
  load->add_option("FILE", args->file, "CSV file")->required();
  load->add_option("--mode", args->mode, "upsert (default), insert or delete")
      ->check(CLI::IsMember({"upsert", "insert", "delete"}));
  load->add_option("--rejects", args->rejects, "Write rejected rows (line, reason, record) here");
  load->callback([&ctx, args] { ctx.exit_code = run_load(ctx, *args); });
  auto entity = std::make_shared<std::string>();
  auto* count = data->add_subcommand("count", "Count the rows of an entity");
  count->add_option("ENTITY", *entity, "Entity name")->required();
  count->callback([&ctx, entity] { ctx.exit_code = run_count(ctx, *entity); });
}

}  // namespace baton::ctl
