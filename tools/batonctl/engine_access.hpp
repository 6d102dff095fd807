// How batonctl reaches the engine: in this process over --data-dir (embedded), or a running
// batond with --connect HOST:PORT. Also prints API errors the way every batonctl command does.
#pragma once

#include "actors/client.hpp"
#include "tools/batonctl/commands.hpp"

namespace baton::ctl {

result<std::unique_ptr<engine_client>> open_engine(const context& ctx);
// Prints "error: ..." (one line per problem for validation errors) and returns the exit code.
int fail_api(const error& e);
// Sends a command with the acting identity and a fresh command id.
result<nlohmann::json> call(engine_client& c, const context& ctx, api_command cmd,
                            std::chrono::milliseconds timeout = std::chrono::hours(24 * 365));

}  // namespace baton::ctl
