#include "tools/common/cli.hpp"

#include <pwd.h>
#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "model/json_parse.hpp"
#include "model/number.hpp"
#include "model/time.hpp"

namespace baton::cli {

void add_global_flags(CLI::App& app, global_options& g) {
  app.add_option("--data-dir", g.data_dir,
                 "Data directory (default ./baton-data or $BATON_DATA_DIR)");
  app.add_option("--config", g.config, "Config file (default DATA_DIR/config.json)");
  app.add_option("--user", g.user,
                 "Acting identity in embedded mode (default the OS account running the command)");
  app.add_flag("--json", g.json, "Machine output: one JSON document, or JSON lines for streams");
}

std::string os_user() {
  auto uid = ::geteuid();
  if (const passwd* pw = ::getpwuid(uid); pw && pw->pw_name && *pw->pw_name) return pw->pw_name;
  return "uid-" + std::to_string(uid);
}

void resolve_defaults(global_options& g) {
  g.config_given = !g.config.empty();
  g.user_given = !g.user.empty();
  if (g.data_dir.empty()) {
    const char* env = std::getenv("BATON_DATA_DIR");
    g.data_dir = env && *env ? env : "./baton-data";
  }
  if (g.config.empty()) g.config = g.data_dir + "/config.json";
  if (g.user.empty()) g.user = os_user();
}

std::string events_dir(const global_options& g) {
  return g.data_dir + "/events";
}

int fail(const error& e) {
  std::istringstream lines(e.message());
  for (std::string line; std::getline(lines, line);) std::cerr << "error: " << line << "\n";
  return exit_code(e.code);
}

int fail(errc code, const std::string& where, const std::string& what) {
  return fail(make_error(code, where, what));
}

std::string version_line(const std::string& name) {
  return name + " " + BATON_VERSION;
}

void add_version_flag(CLI::App& app) {
  app.set_version_flag("--version", version_line(app.get_name()), "Print the version and exit");
}

namespace {

// The named subcommands of `app`.
std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> out;
  for (const auto* sub :
       app.get_subcommands([](const CLI::App* s) { return !s->get_name().empty(); }))
    out.push_back(sub->get_name());
  return out;
}

CLI::App* find_command(CLI::App& app, const std::string& word) {
  auto found = app.get_subcommands(
      [&](CLI::App* s) { return !s->get_name().empty() && s->check_name(word); });
  return found.empty() ? nullptr : found.front();
}

// Whether `word` is an option of `app` (or of a parent it falls through to) that takes a value.
bool option_takes_value(const CLI::App* app, const std::string& word) {
  if (word.find('=') != std::string::npos) return false;
  for (; app; app = app->get_parent()) {
    const CLI::Option* o = app->get_option_no_throw(word);
    if (o) return o->get_type_size_max() > 0 && o->get_items_expected_max() > 0;
  }
  return false;
}

std::string command_path(const CLI::App* app) {
  std::string path = app->get_name();
  for (const CLI::App* p = app->get_parent(); p; p = p->get_parent())
    path = p->get_name() + " " + path;
  return path;
}

// The help of `app` as `--help` prints it: "Usage: batonctl campaign ...", with the parents' names.
std::string help_of(const CLI::App* app) {
  return app->get_parent() ? app->help(command_path(app->get_parent())) : app->help();
}

// The help of the command named by `words` below `app` (exit 0), or an unknown-command error.
int print_help(CLI::App& app, const std::vector<std::string>& words) {
  CLI::App* cur = &app;
  for (const auto& w : words) {
    CLI::App* sub = find_command(*cur, w);
    if (!sub) {
      auto near = closest_name(w, command_names(*cur));
      std::cerr << "error: unknown command '" << w << "'"
                << (cur == &app ? "" : " for '" + command_path(cur) + "'")
                << (near.empty() ? "" : " (did you mean '" + near + "'?)") << "\n";
      return 2;
    }
    cur = sub;
  }
  std::cout << help_of(cur);
  return 0;
}

// The checks of parse() that CLI11 cannot make: see cli.hpp.
std::optional<int> check_command_words(CLI::App& app, int argc, char** argv) {
  CLI::App* cur = &app;
  bool leaf = command_names(app).empty();
  for (int i = 1; i < argc && !leaf; ++i) {
    std::string w = argv[i];
    if (w == "--") break;
    if (w == "-h" || w == "--help" || w == "--version") return std::nullopt;
    if (!w.empty() && w[0] == '-') {
      if (option_takes_value(cur, w)) ++i;
      continue;
    }
    if (cur == &app && w == "help" && !find_command(app, "help"))
      return print_help(app, std::vector<std::string>(argv + i + 1, argv + argc));
    if (CLI::App* sub = find_command(*cur, w)) {
      cur = sub;
      leaf = command_names(*cur).empty();
      continue;
    }
    auto near = closest_name(w, command_names(*cur));
    std::cerr << "error: unknown command '" << w << "'"
              << (cur == &app ? "" : " for '" + command_path(cur) + "'")
              << (near.empty() ? "" : " (did you mean '" + near + "'?)") << "\n"
              << "Run '" << command_path(cur) << " help' for the list of commands.\n";
    return 2;
  }
  if (!leaf && cur->get_require_subcommand_min() > 0) {  // `batonctl`, `batonctl campaign`
    std::cout << help_of(cur);
    return 1;
  }
  return std::nullopt;
}

}  // namespace

std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  if (auto code = check_command_words(app, argc, argv)) return code;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: " << e.what() << "\n";
    std::cerr << "Run with --help for usage.\n";
    return 2;
  }
  return std::nullopt;
}

int guarded_main(const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::cerr << "error: internal: " << e.what() << " (please report this)\n";
  } catch (...) {
    std::cerr << "error: internal: unknown exception (please report this)\n";
  }
  return 1;
}

status require_data_dir(const global_options& g) {
  if (std::filesystem::exists(events_dir(g) + "/CURRENT")) return ok_status();
  return make_error(errc::not_found, g.data_dir, "no data dir here (run `batonctl init` first)");
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
