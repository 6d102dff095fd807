#include "channels/config_file.hpp"

#include <fstream>
#include <sstream>

#include "channels/connector.hpp"

namespace baton::channels {

problems check_config_text(const std::string& text, engine_config& out) {
  auto ps = parse_config(text, out);
  if (ps.size() == 1 && ps[0].pointer.empty()) return ps;  // not a JSON object at all
  auto channel_problems = check_channels_config(out.channels);
  ps.insert(ps.end(), channel_problems.begin(), channel_problems.end());
  return ps;
}

result<engine_config> load_config_file(const std::string& path, bool required) {
  engine_config c;
  std::ifstream in(path);
  if (!in) {
    if (!required) return c;
    return make_error(errc::validation, path, "cannot read the config file (no such file?)");
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return make_error(errc::validation, path, "cannot read the config file");
  std::string lines;
  for (const auto& p : check_config_text(text.str(), c))
    if (p.level == problem::severity::error)
      lines += (lines.empty() ? "" : "\n") + path + p.pointer + ": " + p.message;
  if (!lines.empty()) return make_error(errc::validation, "", lines);
  return c;
}

}  // namespace baton::channels
