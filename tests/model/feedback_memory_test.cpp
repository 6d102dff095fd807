// What counting feedback costs in memory: a campaign folds a million distinct feedbacks (2 000
// messages, 500 hits each, as tracking records them) and every one of them again; it prints the
// bytes the fold holds per feedback (docs/benchmarks.md, P10) and checks each one counted once.
#include <malloc.h>

#include <cstdio>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "model/campaign_state.hpp"
#include "model/definition.hpp"

using namespace baton;

namespace {

const char* k_definition = R"({"name": "Mail", "dimension": "profiles",
  "activities": [{"id": "all", "type": "build_audience"},
                 {"id": "mail", "type": "email", "category": "marketing", "subject": "Hi", "body": "Hello"}],
  "transitions": [{"from": "all", "to": "mail"}]})";

std::size_t heap_in_use() {  // small blocks, and the large ones malloc maps on their own
  auto m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

}  // namespace

TEST_CASE("a million feedbacks are each counted once, and what they cost in memory",
          "[slow][feedback]") {
  campaign_state s;
  std::uint64_t seq = 0;
  auto add = [&](const ev::campaign_event& ce) {
    event e;
    e.stream = "campaign/c-1";
    e.stream_seq = ++seq;
    e.global_seq = seq;
    e.time = static_cast<time_us>(seq);
    REQUIRE(apply(s, ce, e).ok());
  };
  auto v = validate_campaign(k_definition, nullptr);
  REQUIRE(v.ok());
  add(ev::campaign_created{"c-1", v.definition->to_json().dump(), ""});
  const int messages = 2000, hits = 500;
  std::vector<std::string> ids;
  for (int m = 0; m < messages; ++m) {
    char id[33];
    std::snprintf(id, sizeof id, "%08x%024x", 0x5eed1234u, m * 2654435761u);
    ids.push_back(id);
  }
  auto before = heap_in_use();
  for (int round = 0; round < 2; ++round)  // the second round repeats every feedback
    for (int h = 0; h < hits; ++h)
      for (int m = 0; m < messages; ++m)
        add(ev::feedback_received{1, "mail", ids[static_cast<std::size_t>(m)],
                                  h % 2 ? "opened" : "clicked", 1796000000000000 + h * 1000 + m % 7,
                                  std::to_string(m)});
  auto after = heap_in_use();
  const double n = static_cast<double>(messages) * hits;
  std::printf("feedback fold: %.1f bytes of heap per feedback (%.0f feedbacks)\n",
              static_cast<double>(after - before) / n, n);
  // What the fold kept before the 64-bit keys: the text of every key in a std::set.
  before = heap_in_use();
  {
    std::set<std::string> text;
    for (int h = 0; h < hits; ++h)
      for (int m = 0; m < messages; ++m)
        text.insert(ids[static_cast<std::size_t>(m)] + "|" + (h % 2 ? "opened" : "clicked") + "|" +
                    std::to_string(1796000000000000 + h * 1000 + m % 7));
    std::printf("the same keys as text in a std::set: %.1f bytes of heap per feedback\n",
                static_cast<double>(heap_in_use() - before) / n);
    CHECK(text.size() == static_cast<std::size_t>(n));
  }
  auto& t = s.feedback.at("mail");
  CHECK(t.total.at("clicked") + t.total.at("opened") == static_cast<std::uint64_t>(n));
  CHECK(t.unique.at("clicked").size() == static_cast<std::size_t>(messages));
}
