// The config file as every binary reads it at start: the engine's settings (model/config.hpp)
// and each channel's connector settings (what each connector kind needs, channels/connector.hpp),
// checked completely before anything runs, so a typo or a missing `url` is an exit 2 at start
// rather than a failed send hours later. Every problem is reported, each with its pointer.
#pragma once

#include <string>

#include "events/result.hpp"
#include "model/config.hpp"

namespace baton::channels {

// Checks the whole config text and fills `out`: the problems of parse_config and of
// check_channels_config together.
problems check_config_text(const std::string& text, engine_config& out);

// Reads and checks the config file at `path`. A missing file gives the defaults unless
// `required` (a --config given on the command line must exist: errc::validation). On problems,
// errc::validation whose text has one line "<path><pointer>: <what>" per error (print each line
// as "error: ..."); warnings are dropped.
result<engine_config> load_config_file(const std::string& path, bool required);

}  // namespace baton::channels
