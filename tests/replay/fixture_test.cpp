// Replay across versions: a log recorded by an earlier build (tests/fixtures/campaigns.jsonl)
// must import with the same hashes, verify, and fold to exactly the states that build's engine
// showed. A change that alters the meaning of old events fails here before it ships.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include "events/hash.hpp"
#include "model/campaign_view.hpp"
#include "tools/replay/replay.hpp"

using namespace baton;

namespace {

struct temp_store {
  std::filesystem::path dir;
  std::unique_ptr<event_store> store;
  temp_store() {
    std::random_device rd;
    dir = std::filesystem::temp_directory_path() / ("baton-replay-" + std::to_string(rd()));
    auto s = event_store::open(dir.string());
    REQUIRE(s.ok());
    store = std::move(s.value());
  }
  ~temp_store() {
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

std::string fixture(const std::string& name) {
  return std::string(BATON_SOURCE_DIR) + "/tests/fixtures/" + name;
}

void import_fixture(event_store& store) {
  std::ifstream in(fixture("campaigns.jsonl"));
  REQUIRE(in);
  auto n = replay::import_jsonl(store, in);
  if (!n) FAIL(n.err().message());
  REQUIRE(n.value() > 50);
}

nlohmann::json expected() {
  std::ifstream in(fixture("campaigns.expected.json"));
  REQUIRE(in);
  return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("the recorded log imports with its hashes and verifies") {
  temp_store t;
  import_fixture(*t.store);
  auto o = replay::verify_all(*t.store, std::nullopt);
  REQUIRE(o.ok());
  if (o->first_break) FAIL(o->first_break->what);
  CHECK(o->campaigns >= 5);
}

TEST_CASE("the recorded log folds to the states the recording engine showed") {
  temp_store t;
  import_fixture(*t.store);
  auto exp = expected();
  REQUIRE(exp["final"].size() >= 5);
  for (auto& [id, shown] : exp["final"].items()) {
    INFO(id);
    auto s = replay::state_at(*t.store, id, {});
    REQUIRE(s.ok());
    CHECK(campaign_to_json(s.value()) == shown);
  }
  REQUIRE(exp["points"].size() >= 5);
  for (auto& [key, state] : exp["points"].items()) {
    INFO(key);
    auto at = key.find('@');
    replay::point p;
    p.seq = std::stoull(key.substr(at + 1));
    auto s = replay::state_at(*t.store, key.substr(0, at), p);
    REQUIRE(s.ok());
    CHECK(campaign_to_json(s.value()) == state);
  }
}

TEST_CASE("an altered export is refused on import") {
  std::ifstream in(fixture("campaigns.jsonl"));
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto pos = all.find("\"actor\":\"fixture\"");
  REQUIRE(pos != std::string::npos);
  all.replace(pos, 17, "\"actor\":\"mallory\"");
  temp_store t;
  std::istringstream altered(all);
  auto n = replay::import_jsonl(*t.store, altered);
  REQUIRE_FALSE(n.ok());
  CHECK(n.err().code == errc::integrity);
}

TEST_CASE("an anchor proves the log up to it, and catches a rewritten chain") {
  temp_store t;
  import_fixture(*t.store);
  auto rep = t.store->verify();
  REQUIRE(rep.ok());
  replay::anchor a{rep->head_seq, rep->head_hash};
  auto text = replay::format_anchor(a);
  auto parsed = replay::parse_anchor(text);
  REQUIRE(parsed.ok());
  CHECK(parsed->seq == a.seq);
  auto ok = replay::verify_all(*t.store, parsed.value());
  REQUIRE(ok.ok());
  CHECK_FALSE(ok->first_break.has_value());
  replay::anchor wrong = a;
  wrong.hash[0] ^= 1;
  auto bad = replay::verify_all(*t.store, wrong);
  REQUIRE(bad.ok());
  REQUIRE(bad->first_break.has_value());
  CHECK(bad->first_break->global_seq == a.seq);
  CHECK_FALSE(replay::parse_anchor("12:xyz").ok());
  CHECK_FALSE(replay::parse_anchor("nope").ok());
}

TEST_CASE("a snapshot that disagrees with the fold is a break") {
  temp_store t;
  import_fixture(*t.store);
  auto heads = t.store->streams("campaign/").value();
  REQUIRE_FALSE(heads.empty());
  auto id = heads.front().stream.substr(9);
  auto s = replay::state_at(*t.store, id, {});
  REQUIRE(s.ok());
  auto forged = s.value();
  forged.status = campaign_status::archived;  // the engine never said so
  REQUIRE(t.store
              ->put_snapshot({heads.front().stream, forged.version, forged.last_global, 1,
                              encode_state(forged)})
              .ok());
  auto o = replay::verify_all(*t.store, std::nullopt);
  REQUIRE(o.ok());
  REQUIRE(o->first_break.has_value());
  CHECK(o->first_break->stream == heads.front().stream);
  CHECK(o->first_break->what.find("snapshot") != std::string::npos);
  REQUIRE(t.store
              ->put_snapshot(
                  {heads.front().stream, s->version, s->last_global, 1, encode_state(s.value())})
              .ok());
  auto fixed = replay::verify_all(*t.store, std::nullopt);
  CHECK_FALSE(fixed->first_break.has_value());
}

TEST_CASE("diff and timeline describe what happened") {
  temp_store t;
  import_fixture(*t.store);
  auto heads = t.store->streams("campaign/").value();
  auto id = heads.front().stream.substr(9);
  replay::point start;
  start.seq = t.store->read_stream(heads.front().stream)->front().global_seq;  // just created
  auto before = replay::state_at(*t.store, id, start);
  auto after = replay::state_at(*t.store, id, {});
  REQUIRE(before.ok());
  REQUIRE(after.ok());
  auto d = replay::diff_states(before.value(), after.value());
  CHECK(d.contains("runs"));
  auto between = replay::events_between(*t.store, id, start, {});
  REQUIRE(between.ok());
  CHECK(between->size() + 1 == after->version);
  auto tl = replay::timeline(*t.store, id);
  REQUIRE(tl.ok());
  CHECK(tl->find("campaign_created") != std::string::npos);
  CHECK(tl->find("run_ended") != std::string::npos);
  CHECK_FALSE(replay::state_at(*t.store, "c-nothere", {}).ok());
}
