// Fuzz target: a campaign document through the reader and the whole validator (structure, graph,
// filters against config/schema.json, activity options), as `campaign validate` and `create` run
// it. Any text must give problems, never a crash, a hang or unbounded memory.
#include <fstream>
#include <sstream>

#include "model/definition.hpp"
#include "model/entity_schema.hpp"

namespace {

const baton::entity_schema* sample_schema() {
  static const baton::entity_schema* schema = [] {
    std::ifstream in(std::string(BATON_SOURCE_DIR) + "/config/schema.json");
    std::stringstream text;
    text << in.rdbuf();
    auto v = baton::parse_entity_schema(text.str());
    return v.schema ? new baton::entity_schema(std::move(*v.schema)) : nullptr;
  }();
  return schema;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  baton::guardrails limits;
  baton::run_environment env;
  env.channels = {"email", "sms", "push", "news"};
  env.import_dir = "/srv/baton/import";
  limits.env = env;
  (void)baton::validate_campaign(text, sample_schema(), limits);
  (void)baton::validate_campaign(text, nullptr, {});
  return 0;
}
