// The operator console's static files (tools/batond/console/), compiled into batond by
// tools/batond/embed_assets.cmake: batond serves every asset itself, nothing from outside.
#pragma once

#include <string_view>
#include <vector>

namespace baton {

struct console_asset {
  std::string_view name;   // the file name, served at /assets/NAME
  std::string_view bytes;  // its content
};

const std::vector<console_asset>& console_assets();

}  // namespace baton
