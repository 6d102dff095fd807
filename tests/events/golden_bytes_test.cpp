// Golden bytes: a fixed event of every type, at every version the catalog knows, is checked in
// under tests/events/golden/<type>.v<version>.hex. The current version's writer must produce those
// bytes exactly, and every version's bytes must still read (upcast, then decoded) as the same
// event. A change to a schema or a codec that alters stored bytes or their meaning fails here.
// After a deliberate new version: BATON_WRITE_GOLDEN=1 events_tests "[golden]" writes the current
// version's files (older versions' files are never rewritten: they are what old logs contain).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <catch2/catch.hpp>

#include "events/campaign_events.hpp"
#include "events/catalog.hpp"
#include "events/security_events.hpp"
#include "events/store_events.hpp"
#include "events/template_events.hpp"
#include "events/trigger_events.hpp"

using namespace baton;
using namespace baton::ev;

namespace {

// One fixed event per type, every field set to a value other than its default.
std::map<std::string, event> fixed_events() {
  variables vars{{"season", "winter"}, {"tier", "gold"}};
  population p{"out", "wt_c1_r2_gold_out", 1234, "profiles", "ab12"};
  std::vector<campaign_event> all = {
      campaign_created{"c-1", R"({"name":"x"})", "c-0"},
      campaign_updated{R"({"name":"y"})"},
      campaign_published{"scheduled", 1'767'225'600'000'000},
      campaign_status_changed{"paused", "pause"},
      confirmation_given{2, "mail"},
      signal_received{vars, "campaign/c-9"},
      run_started{3, true, "test", vars},
      run_ended{3, "failed", "boom", 42},
      next_run_planned{77},
      task_started{3, "gold", 2, 99},
      task_completed{
          3, "split", 99, {p, population{"complement", "", 0, "profiles", ""}}, {"log a", "log b"}},
      task_failed{3, "gold", "no such table", "suspend"},
      task_skipped{3, "mail", "test run", true},
      task_waiting{3, "pause", 1'767'229'200'000'000, "wait"},
      transition_fired{3, "split", "vip", "mail", 17},
      alert_raised{3, "warn", "Heads up", "Low count"},
      signal_sent{3, "end", "c-2", vars},
      delivery_progress{3, "mail", 1, 500, 480, 2, {{"no consent", "18"}}, "wt_sent", 5, 6},
      feedback_received{3, "mail", "ab12", "clicked", 1'767'229'200'000'000, "42"},
      task_cancelled{3, "mail", "run failed", "running"},
      run_data_dropped{4, 7},
      approval_changed{"rejected", "the subject is wrong"},
      definition_versioned{2, R"({"name":"z"})"},
      version_proposed{R"({"name":"w"})"},
      variant_chosen{3, "mail", "b", "clicks", {{"a", 10, 7, 5, 3, 2}, {"b", 10, 9, 6, 8, 4}}}};
  REQUIRE(all.size() == std::variant_size_v<campaign_event>);  // a new type needs a case here
  std::map<std::string, event> out;
  for (auto& ce : all) out.emplace(name_of(ce), to_event(ce));
  out.emplace("store_salvaged", to_event(store_salvaged{120, 100, 20, "000012.log", 4096,
                                                        "checksum mismatch", "salvage-1", 18}));
  out.emplace("template_saved", to_event(template_saved{"weekly", R"({"name":"t"})", "c-3"}));
  out.emplace("trigger_handled",
              to_event(trigger_handled{"order-42", "17", "mail", "ab12cd", "excluded", "suppressed",
                                       "transactional"}));
  std::vector<security_event> security = {
      user_added{"ann", "approver"},
      user_removed{"bob"},
      token_issued{"ann", "t-1a2b", std::string(64, 'e')},
      token_revoked{"ann", "t-1a2b"},
      auth_failed{"127.0.0.1:50000", true},
      permission_refused{"carl", "viewer", "campaign publish", "c-7"}};
  REQUIRE(security.size() == std::variant_size_v<security_event>);  // a new type needs a case
  for (auto& se : security) {
    auto e = to_event(se);
    out.emplace(baton_event_catalog().type_name(e.type), e);
  }
  return out;
}

std::filesystem::path golden_dir() {
  return std::filesystem::path(BATON_SOURCE_DIR) / "tests/events/golden";
}

std::string to_hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    out += digits[b >> 4];
    out += digits[b & 15];
    if (i % 32 == 31 || i + 1 == bytes.size()) out += '\n';  // one 32-byte row a line
  }
  return out;
}

std::string from_hex(const std::string& text) {
  std::string out, pair;
  for (char c : text) {
    if (c == '\n') continue;
    pair += c;
    if (pair.size() == 2) {
      out += static_cast<char>(std::stoi(pair, nullptr, 16));
      pair.clear();
    }
  }
  REQUIRE(pair.empty());
  return out;
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::filesystem::path golden_file(const std::string& name, std::uint16_t version) {
  return golden_dir() / (name + ".v" + std::to_string(version) + ".hex");
}

// The event the bytes decode to, after the catalog's upcasting, written again at the current
// version: equal events give equal bytes, so this compares what the bytes mean.
std::string meaning(const event& e) {
  auto up = baton_event_catalog().upcast(e);
  REQUIRE(up.ok());
  if (up->type >= user_added::type && up->type <= permission_refused::type) {
    auto s = security_event_from(up.value());
    REQUIRE(s.ok());
    return to_event(s.value()).payload;
  }
  if (up->type == template_saved::type) {
    auto s = template_event_from(up.value());
    REQUIRE(s.ok());
    return to_event(s.value()).payload;
  }
  if (up->type == trigger_handled::type) {
    auto t = trigger_handled_from(up.value());
    REQUIRE(t.ok());
    return to_event(t.value()).payload;
  }
  if (up->type == store_salvaged::type) {
    auto s = store_salvaged_from(up.value());
    REQUIRE(s.ok());
    return to_event(s.value()).payload;
  }
  auto typed = from_event(up.value());
  if (!typed.ok()) FAIL(typed.err().message());
  return to_event(typed.value()).payload;
}

}  // namespace

TEST_CASE("the current writer produces the checked-in bytes of every event type", "[golden]") {
  auto fixed = fixed_events();
  const bool write = std::getenv("BATON_WRITE_GOLDEN") != nullptr;
  for (auto& [name, e] : fixed) {
    INFO(name);
    auto* type = baton_event_catalog().find(name);
    REQUIRE(type);
    CHECK(e.version == type->current_version());  // to_event writes the current version
    auto path = golden_file(name, e.version);
    if (write) std::ofstream(path) << to_hex(e.payload);
    REQUIRE(std::filesystem::exists(path));
    CHECK(read_text(path) == to_hex(e.payload));
  }
}

TEST_CASE("the checked-in bytes of every type and version still read as the same event",
          "[golden]") {
  auto fixed = fixed_events();
  std::size_t files = 0;
  for (const auto* type : baton_event_catalog().all()) {
    INFO(type->name);
    REQUIRE(fixed.count(type->name));  // a type of the catalog without a fixed event here
    for (std::uint16_t v = 1; v <= type->current_version(); ++v) {
      INFO("version " << v);
      auto path = golden_file(type->name, v);
      REQUIRE(std::filesystem::exists(path));
      event e;
      e.type = type->id;
      e.version = v;
      e.payload = from_hex(read_text(path));
      CHECK(meaning(e) == fixed.at(type->name).payload);
      ++files;
    }
  }
  // Every file in the folder belongs to a type and version of the catalog.
  std::size_t on_disk = 0;
  for (auto& f : std::filesystem::directory_iterator(golden_dir()))
    if (f.path().extension() == ".hex") ++on_disk;
  CHECK(on_disk == files);
}

TEST_CASE("golden bytes are compared byte for byte", "[golden]") {
  // The comparison can fail: one flipped bit in a fixed event's bytes no longer matches.
  auto fixed = fixed_events();
  auto& e = fixed.at("task_started");
  auto flipped = e.payload;
  flipped[flipped.size() - 1] ^= 1;
  CHECK(to_hex(flipped) != read_text(golden_file("task_started", e.version)));
}
