// Fuzz target: an entity schema document (`schema apply`), and the JSON form of what it accepts
// read back again (parse(to_json()) must accept what it produced).
#include <cstdlib>

#include "model/entity_schema.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto v = baton::parse_entity_schema(text);
  if (v.ok() && v.schema) {
    auto again = baton::parse_entity_schema_json(v.schema->to_json());
    if (!again.ok()) std::abort();  // a schema that was accepted must read back
  }
  return 0;
}
