// Fuzz target: the filter compiler (audience/filter.hpp) — filter JSON to SQL text for both
// dialects, over the entities of config/schema.json, without the validator in front of it (the
// compiler must refuse by itself what the validator would). Nothing is executed: a backend that
// only knows its dialect stands in for the connection (the compiler asks nothing else of it).
#include <fstream>
#include <sstream>

#include "audience/filter.hpp"
#include "model/json_parse.hpp"

namespace {

using namespace baton;
using namespace baton::audience;

class dialect_only final : public backend {
 public:
  explicit dialect_only(dialect d) : d_(d) {}
  dialect kind() const override { return d_; }
  std::string describe() const override { return "fuzz"; }
  result<std::uint64_t> exec(const std::string&, const std::vector<value>&) override {
    return refused();
  }
  status query(const std::string&, const std::vector<value>&, const row_callback&) override {
    return refused();
  }
  result<std::unique_ptr<statement>> prepare(const std::string&) override { return refused(); }
  status begin() override { return refused(); }
  status commit() override { return refused(); }
  status rollback() override { return refused(); }
  result<std::vector<std::pair<std::string, std::string>>> table_columns(
      const std::string&) override {
    return refused();
  }

 private:
  static error refused() { return make_error(errc::failed, "fuzz", "no connection"); }
  dialect d_;
};

const entity_schema& sample_schema() {
  static const entity_schema schema = [] {
    std::ifstream in(std::string(BATON_SOURCE_DIR) + "/config/schema.json");
    std::stringstream text;
    text << in.rdbuf();
    auto v = parse_entity_schema(text.str());
    return v.schema ? std::move(*v.schema) : entity_schema{};
  }();
  return schema;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  problems ps;
  auto doc = parse_json_text(std::string_view(reinterpret_cast<const char*>(data), size), ps);
  if (!doc) return 0;
  static const std::map<std::string, std::string> vars = {{"country", "FR"}, {"limit", "10"}};
  static dialect_only sqlite(dialect::sqlite), postgres(dialect::postgres);
  for (const auto& e : sample_schema().entities) {
    for (backend* b : {static_cast<backend*>(&sqlite), static_cast<backend*>(&postgres)}) {
      scope s{&sample_schema(), &e, "t", nullptr, "w"};
      filter_env env{&vars, 1'700'000'000'000'000, 0};
      sql_builder q(*b);
      (void)append_filter(q, s, *doc, env);
    }
  }
  return 0;
}
