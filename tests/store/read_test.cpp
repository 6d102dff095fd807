// Tailing, snapshots, read-only and secondary opens, checkpoints.
#include <catch2/catch.hpp>

#include <thread>

#include "store_fixture.hpp"

using namespace baton;
using namespace baton::testing;

TEST_CASE("a tail receives every event once and in order while writers append") {
  temp_dir d;
  auto s = open_store(d.str());
  constexpr int writers = 4, per_writer = 250;
  std::vector<std::uint64_t> got;
  std::thread tail([&] {
    std::uint64_t after = 0;
    while (got.size() < writers * per_writer) {
      auto batch = s->wait_for(after, 64, std::chrono::seconds(10));
      REQUIRE(batch.ok());
      REQUIRE_FALSE(batch->empty());  // a timeout here would mean a missed notification
      for (auto& e : *batch) {
        got.push_back(e.global_seq);
        after = e.global_seq;
      }
    }
  });
  std::vector<std::thread> ws;
  for (int w = 0; w < writers; ++w)
    ws.emplace_back([&, w] {
      for (int i = 0; i < per_writer; ++i)
        REQUIRE(s->append("w" + std::to_string(w), any_version, {make_event("x")},
                          append_options{i % 2 == 0, {}})
                    .ok());
    });
  for (auto& t : ws) t.join();
  tail.join();
  REQUIRE(got.size() == writers * per_writer);
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == i + 1);
}

TEST_CASE("wait_for returns empty after its timeout when nothing comes") {
  temp_dir d;
  auto s = open_store(d.str());
  REQUIRE(s->append("a", any_version, make_events(1)).ok());
  auto r = s->wait_for(1, 10, std::chrono::milliseconds(30));
  REQUIRE(r.ok());
  CHECK(r->empty());
  CHECK(s->wait_for(0, 10, std::chrono::milliseconds(30))->size() == 1);
}

namespace {
// A toy fold: the sum of the payloads read as integers.
long fold(long acc, const std::vector<event>& es) {
  for (auto& e : es) acc += std::stol(e.payload);
  return acc;
}
}  // namespace

TEST_CASE("snapshot plus tail equals full replay") {
  temp_dir d;
  auto s = open_store(d.str());
  for (int i = 1; i <= 50; ++i)
    REQUIRE(s->append("acct", any_version, {make_event(std::to_string(i))}).ok());
  auto first = s->read_stream("acct", 1, 30);
  snapshot snap{"acct", 30, first->back().global_seq, 1, std::to_string(fold(0, *first))};
  REQUIRE(s->put_snapshot(snap).ok());
  for (int i = 51; i <= 60; ++i)
    REQUIRE(s->append("acct", any_version, {make_event(std::to_string(i))}).ok());

  auto got = s->get_snapshot("acct");
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK((*got)->version == 30);
  auto tail = s->read_stream("acct", (*got)->version + 1);
  long from_snapshot = fold(std::stol((*got)->state), *tail);
  long full = fold(0, *s->read_stream("acct"));
  CHECK(from_snapshot == full);
  CHECK(full == 60 * 61 / 2);
  CHECK_FALSE(s->get_snapshot("other")->has_value());
}

TEST_CASE("read-only and secondary opens read while the writer runs") {
  temp_dir d;
  auto s = open_store(d.str());
  REQUIRE(s->append("a", any_version, make_events(5)).ok());

  store_options ro;
  ro.open_mode = store_options::mode::read_only;
  auto r = open_store(d.str(), ro);
  CHECK(r->read_stream("a")->size() == 5);
  CHECK(r->append("a", any_version, make_events(1)).err().code == errc::refused);

  store_options so;
  so.open_mode = store_options::mode::secondary;
  so.secondary_path = d.str("secondary");
  auto sec = open_store(d.str(), so);
  CHECK(sec->last_global_seq() == 5);
  REQUIRE(s->append("a", any_version, make_events(3)).ok());
  auto more = sec->wait_for(5, 100, std::chrono::seconds(5));  // catches up by itself
  REQUIRE(more.ok());
  CHECK(more->size() == 3);
  CHECK(sec->read_stream("a")->size() == 8);
  CHECK_FALSE(sec->verify()->first_break.has_value());
}

TEST_CASE("opening a missing store read-only is not-found") {
  temp_dir d;
  store_options ro;
  ro.open_mode = store_options::mode::read_only;
  auto r = event_store::open(d.str("nothing"), ro);
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::not_found);
}

TEST_CASE("a checkpoint is a complete, verifiable copy") {
  temp_dir d;
  auto s = open_store(d.str());
  REQUIRE(s->append("a", any_version, make_events(40)).ok());
  REQUIRE(s->checkpoint(d.str("backup")).ok());
  REQUIRE(s->append("a", any_version, make_events(2)).ok());  // after the checkpoint
  s.reset();
  auto copy = open_store(d.str("backup"));
  CHECK(copy->last_global_seq() == 40);
  CHECK(copy->read_stream("a")->size() == 40);
  auto rep = copy->verify();
  REQUIRE(rep.ok());
  CHECK_FALSE(rep->first_break.has_value());
  CHECK(rep->events == 40);
  CHECK(copy->append("a", 40, make_events(1)).ok());  // and it is writable
}
