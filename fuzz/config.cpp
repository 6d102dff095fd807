// Fuzz target: the config file as every binary reads it at start (engine settings and every
// channel connector's settings, channels/config_file.hpp).
#include "channels/config_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  baton::engine_config c;
  (void)baton::channels::check_config_text(text, c);
  return 0;
}
