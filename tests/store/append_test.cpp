// Appending: sequences, expected versions, multi-stream atomicity, command-id idempotency,
// range reads and the per-stream index.
#include <catch2/catch.hpp>

#include <algorithm>

#include <set>
#include <thread>

#include "events/hash.hpp"
#include "store_fixture.hpp"

using namespace baton;
using namespace baton::testing;

TEST_CASE("appends assign gap-free stream and global sequences") {
  temp_dir d;
  manual_clock clk;
  store_options o;
  o.time_source = &clk;
  auto s = open_store(d.str(), o);
  auto r1 = s->append("a", no_stream, make_events(3));
  REQUIRE(r1.ok());
  CHECK(r1->ranges[0].first_seq == 1);
  CHECK(r1->ranges[0].last_seq == 3);
  CHECK(r1->ranges[0].first_global == 1);
  clk.advance(10);
  auto r2 = s->append("b", no_stream, make_events(2));
  REQUIRE(r2.ok());
  CHECK(r2->ranges[0].first_global == 4);
  auto r3 = s->append("a", 3, make_events(1, "x"));
  REQUIRE(r3.ok());
  CHECK(r3->ranges[0].first_seq == 4);
  CHECK(r3->ranges[0].first_global == 6);
  CHECK(s->stream_version("a").value() == 4);
  CHECK(s->stream_version("b").value() == 2);
  CHECK(s->stream_version("nope").value() == 0);
  CHECK(s->last_global_seq() == 6);

  auto a = s->read_stream("a");
  REQUIRE(a.ok());
  REQUIRE(a->size() == 4);
  CHECK(a->at(0).payload == "e0");
  CHECK(a->at(3).payload == "x0");
  CHECK(a->at(3).global_seq == 6);
  CHECK(a->at(0).time == clk.now() - 10);
  CHECK(a->at(3).time == clk.now());
  auto all = s->read_all(1, 100);
  REQUIRE(all->size() == 6);
  for (std::size_t i = 0; i < all->size(); ++i) {
    CHECK(all->at(i).global_seq == i + 1);
    CHECK(all->at(i).hash == record_hash(all->at(i)));
    if (i > 0) CHECK(all->at(i).prev_hash == all->at(i - 1).hash);
  }
}

TEST_CASE("stream names are kept apart even when one prefixes another") {
  temp_dir d;
  auto s = open_store(d.str());
  REQUIRE(s->append("a", any_version, make_events(2, "a")).ok());
  REQUIRE(s->append("ab", any_version, make_events(3, "ab")).ok());
  CHECK(s->read_stream("a")->size() == 2);
  CHECK(s->read_stream("ab")->size() == 3);
  auto heads = s->streams("a").value();
  REQUIRE(heads.size() == 2);
  CHECK(heads[0].stream == "a");
  CHECK(heads[1].version == 3);
  CHECK(s->streams("ab")->size() == 1);
}

TEST_CASE("range reads return exactly the asked slice") {
  temp_dir d;
  auto s = open_store(d.str());
  REQUIRE(s->append("r", no_stream, make_events(20)).ok());
  auto mid = s->read_stream("r", 5, 9);
  REQUIRE(mid->size() == 5);
  CHECK(mid->front().stream_seq == 5);
  CHECK(mid->back().stream_seq == 9);
  CHECK(s->read_stream("r", 21)->empty());
  CHECK(s->read_stream("r", 20)->size() == 1);
  CHECK(s->read_all(15, 3)->size() == 3);
  CHECK(s->read_all(15, 3)->front().global_seq == 15);
  CHECK(s->read_all(21, 3)->empty());
}

TEST_CASE("reads cross the index's appended ranges, interleaved with other streams") {
  // The index holds one entry per appended range (keys.hpp): ranges of 1, 4, 1 and 6 events
  // of "r", with "q" appended in between, so r's global sequences have gaps.
  temp_dir d;
  auto s = open_store(d.str());
  std::uint64_t want_global[13] = {};
  std::uint64_t seq = 0;
  for (int n : {1, 4, 1, 6}) {
    auto r = s->append("r", any_version, make_events(n));
    REQUIRE(r.ok());
    for (auto g = r->ranges[0].first_global; g <= r->ranges[0].last_global; ++g)
      want_global[++seq] = g;
    REQUIRE(s->append("q", any_version, make_events(2)).ok());
  }
  REQUIRE(seq == 12);
  for (std::uint64_t from = 1; from <= 12; ++from)
    for (std::uint64_t to = from; to <= 13; ++to) {
      auto got = s->read_stream("r", from, to);
      REQUIRE(got.ok());
      INFO("read_stream(r, " << from << ", " << to << ")");
      REQUIRE(got->size() == std::min<std::uint64_t>(to, 12) - from + 1);
      for (std::size_t i = 0; i < got->size(); ++i) {
        CHECK((*got)[i].stream == "r");
        CHECK((*got)[i].stream_seq == from + i);
        CHECK((*got)[i].global_seq == want_global[from + i]);
      }
    }
  CHECK(s->read_stream("r", 0)->size() == 12);
  CHECK(s->read_stream("q")->size() == 8);
  CHECK(s->read_stream("r", 13)->empty());
  auto v = s->verify();
  REQUIRE(v.ok());
  CHECK_FALSE(v->first_break.has_value());
}

TEST_CASE("a wrong expected version is a conflict that writes nothing") {
  temp_dir d;
  auto s = open_store(d.str());
  REQUIRE(s->append("a", no_stream, make_events(2)).ok());
  auto r = s->append("a", 1, make_events(1));
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::conflict);
  CHECK(r.err().where == "a");
  CHECK(r.err().what.find("at 2") != std::string::npos);
  CHECK_FALSE(s->append("a", no_stream, make_events(1)).ok());
  CHECK(s->stream_version("a").value() == 2);
  CHECK(s->last_global_seq() == 2);
}

TEST_CASE("an append to several streams commits all or nothing") {
  temp_dir d;
  auto s = open_store(d.str());
  REQUIRE(s->append("x", no_stream, make_events(1)).ok());
  std::vector<append_request> both{{"x", 1, make_events(2)}, {"y", no_stream, make_events(3)}};
  auto r = s->append(both);
  REQUIRE(r.ok());
  CHECK(r->ranges.size() == 2);
  CHECK(r->ranges[1].first_global == 4);
  std::vector<append_request> bad{{"x", 3, make_events(1)}, {"y", 99, make_events(1)}};
  auto r2 = s->append(bad);
  REQUIRE_FALSE(r2.ok());
  CHECK(r2.err().where == "y");
  CHECK(s->stream_version("x").value() == 3);
  CHECK(s->stream_version("y").value() == 3);
  CHECK(s->last_global_seq() == 6);
}

TEST_CASE("bad requests are refused with a reason") {
  temp_dir d;
  auto s = open_store(d.str());
  CHECK(s->append("", any_version, make_events(1)).err().code == errc::validation);
  CHECK(s->append(std::string("a\0b", 3), any_version, make_events(1)).err().code ==
        errc::validation);
  CHECK(s->append("a", any_version, {}).err().code == errc::validation);
  CHECK(s->last_global_seq() == 0);
}

TEST_CASE("a repeated command id returns the first result and writes nothing") {
  temp_dir d;
  std::string dir = d.str();
  append_result first;
  {
    auto s = open_store(dir);
    append_options o;
    o.command_id = "create-42";
    auto r = s->append("c", no_stream, make_events(2), o);
    REQUIRE(r.ok());
    CHECK_FALSE(r->duplicate);
    first = r.value();
    auto again = s->append("c", no_stream, make_events(5), o);
    REQUIRE(again.ok());
    CHECK(again->duplicate);
    CHECK(again->ranges[0].last_global == first.ranges[0].last_global);
    CHECK(s->last_global_seq() == 2);
    CHECK(s->read_stream("c")->at(0).command_id == "create-42");
  }
  auto s = open_store(dir);  // the id survives a restart
  append_options o;
  o.command_id = "create-42";
  auto again = s->append("c", 2, make_events(1), o);
  REQUIRE(again.ok());
  CHECK(again->duplicate);
  CHECK(again->ranges[0].first_seq == 1);
  CHECK(s->last_global_seq() == 2);
}

TEST_CASE("concurrent writers with expected versions lose and duplicate nothing") {
  temp_dir d;
  auto s = open_store(d.str());
  constexpr int threads = 8, per_thread = 60;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        for (;;) {
          auto v = s->stream_version("hot").value();
          auto r = s->append("hot", v == 0 ? no_stream : v,
                             {make_event(std::to_string(t) + ":" + std::to_string(i))},
                             append_options{false, {}});
          if (r.ok()) break;
          REQUIRE(r.err().code == errc::conflict);
          ++conflicts;
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  auto all = s->read_stream("hot");
  REQUIRE(all->size() == threads * per_thread);
  std::set<std::string> seen;
  for (std::size_t i = 0; i < all->size(); ++i) {
    CHECK(all->at(i).stream_seq == i + 1);
    seen.insert(all->at(i).payload);
  }
  CHECK(seen.size() == threads * per_thread);  // every append once
  auto rep = s->verify();
  REQUIRE(rep.ok());
  CHECK_FALSE(rep->first_break.has_value());
}

TEST_CASE("a second read-write open is refused naming the holder") {
  temp_dir d;
  auto s = open_store(d.str());
  auto again = event_store::open(d.str());
  REQUIRE_FALSE(again.ok());
  CHECK(again.err().code == errc::unavailable);
  CHECK(again.err().what.find("pid " + std::to_string(::getpid())) != std::string::npos);
}
