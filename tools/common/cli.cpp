#include "tools/common/cli.hpp"

#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "model/number.hpp"
#include "model/time.hpp"

namespace baton::cli {

void add_global_flags(CLI::App& app, global_options& g) {
  app.add_option("--data-dir", g.data_dir,
                 "Data directory (default ./baton-data or $BATON_DATA_DIR)");
  app.add_option("--config", g.config, "Config file (default DATA_DIR/config.json)");
  app.add_option("--user", g.user, "Acting identity recorded in events (default $USER)");
  app.add_flag("--json", g.json, "Machine output: one JSON document, or JSON lines for streams");
}

void resolve_defaults(global_options& g) {
  if (g.data_dir.empty()) {
    const char* env = std::getenv("BATON_DATA_DIR");
    g.data_dir = env && *env ? env : "./baton-data";
  }
  if (g.config.empty()) g.config = g.data_dir + "/config.json";
  if (g.user.empty()) {
    const char* u = std::getenv("USER");
    g.user = u && *u ? u : "unknown";
  }
}

std::string events_dir(const global_options& g) {
  return g.data_dir + "/events";
}

int fail(const error& e) {
  std::cerr << "error: " << e.message() << "\n";
  return exit_code(e.code);
}

int fail(errc code, const std::string& where, const std::string& what) {
  return fail(make_error(code, where, what));
}

std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: " << e.what() << "\n";
    std::cerr << "Run with --help for usage.\n";
    return 2;
  }
  return std::nullopt;
}

store_reader::~store_reader() {
  store.reset();
  if (!secondary_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(secondary_dir, ec);
  }
}

result<store_reader> open_store_for_reading(const global_options& g, bool follow) {
  auto dir = events_dir(g);
  if (!std::filesystem::exists(dir + "/CURRENT"))
    return make_error(errc::not_found, g.data_dir,
                      "no event store here (run `batonctl init` or point --data-dir at one)");
  store_reader r;
  store_options o;
  if (follow) {
    o.open_mode = store_options::mode::secondary;
    r.secondary_dir =
        (std::filesystem::temp_directory_path() / ("baton-secondary-" + std::to_string(::getpid())))
            .string();
    o.secondary_path = r.secondary_dir;
  } else {
    o.open_mode = store_options::mode::read_only;
  }
  auto s = event_store::open(dir, o);
  if (!s) return s.err();
  r.store = std::move(s.value());
  return r;
}

result<log_position> parse_position(const std::string& text, const std::string& flag) {
  log_position p;
  if (!text.empty() && text[0] == '@') {
    auto n = parse_whole_number(std::string_view(text).substr(1), flag, 1, UINT64_MAX);
    if (!n)
      return make_error(errc::validation, flag, "expected @SEQ with a number, got '" + text + "'");
    p.seq = *n;
    return p;
  }
  auto t = parse_time(text);
  if (!t) return make_error(errc::validation, flag, t.err().what);
  p.time_us = t.value();
  return p;
}

result<double> parse_seconds(const std::string& text, const std::string& flag) {
  if (text.empty()) return 0.0;
  return parse_decimal(text, flag, 0, 1e9);
}

}  // namespace baton::cli
