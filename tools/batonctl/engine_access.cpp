#include "tools/batonctl/engine_access.hpp"

#include <iostream>
#include <random>
#include <sstream>

namespace baton::ctl {

result<std::unique_ptr<engine_client>> open_engine(const context& ctx) {
  if (!ctx.connect.empty()) {
    std::string host;
    std::uint16_t port = 0;
    if (!parse_host_port(ctx.connect, host, port) || port == 0)
      return make_error(errc::validation, "--connect",
                        "expected HOST:PORT, got '" + ctx.connect + "'");
    return engine_client::connect(host, port);
  }
  return engine_client::embedded({ctx.global.data_dir, ctx.global.config, true});
}

int fail_api(const error& e) {
  return cli::fail(e);  // one "error: " line per problem of a validation error
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
