#include "tools/batonctl/engine_access.hpp"

#include <iostream>
#include <random>
#include <sstream>

namespace baton::ctl {

result<std::unique_ptr<engine_client>> open_engine(const context& ctx) {
  if (!ctx.connect.empty()) {
    auto colon = ctx.connect.rfind(':');
    int port = 0;
    try {
      port = colon == std::string::npos ? 0 : std::stoi(ctx.connect.substr(colon + 1));
    } catch (const std::exception&) {
    }
    if (port <= 0 || port > 65535)
      return make_error(errc::validation, "--connect",
                        "expected HOST:PORT, got '" + ctx.connect + "'");
    return engine_client::connect(ctx.connect.substr(0, colon), static_cast<std::uint16_t>(port));
  }
  return engine_client::embedded({ctx.global.data_dir, ctx.global.config, true});
}

int fail_api(const error& e) {
  if (e.code == errc::validation && e.where.empty() && e.what.find('\n') != std::string::npos) {
    std::istringstream lines(e.what);
    for (std::string line; std::getline(lines, line);) std::cerr << "error: " << line << "\n";
    return exit_code(e.code);
  }
  return cli::fail(e);
}

result<nlohmann::json> call(engine_client& c, const context& ctx, api_command cmd,
                            std::chrono::milliseconds timeout) {
  cmd.actor = ctx.global.user;
  if (cmd.command_id.empty()) {
    std::random_device rd;
    std::ostringstream id;
    id << "ctl-" << std::hex << rd() << rd();
    cmd.command_id = id.str();
  }
  return c.call(std::move(cmd), timeout);
}

}  // namespace baton::ctl
