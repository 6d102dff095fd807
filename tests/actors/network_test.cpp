// batond on a hostile network (issue 18 B8, issue 11 item 6), through the real binary and raw
// sockets: a frame announcing a huge length drops its connection and leaves batond's memory
// flat; connections over engine.maxConnections are refused; a connection without a handshake is
// closed after engine.handshakeTimeoutSeconds; 1 000 hostile connections and slow clients leave
// batond running and answering the C++ client library.
#include <atomic>

#include "actors/client.hpp"
#include "network_util.hpp"
#include "process_util.hpp"

using namespace baton;
using namespace baton::testing;
using nlohmann::json;

namespace {

// A data dir whose config.json has `engine` members replaced by `limits`.
std::string data_dir_with(const work_dir& wd, const json& limits) {
  auto data = wd.str("data");
  REQUIRE(run_tool(wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
  auto config = json::parse(slurp(data + "/config.json"));
  for (auto& [k, v] : limits.items()) config["engine"][k] = v;
  std::ofstream(data + "/config.json") << config.dump(2);
  return data;
}

std::unique_ptr<engine_client> connect_client(const std::string& addr) {
  auto colon = addr.rfind(':');
  auto c = engine_client::connect(
      addr.substr(0, colon), static_cast<std::uint16_t>(std::stoi(addr.substr(colon + 1))),
      std::string(std::getenv("BATON_TOKEN") ? std::getenv("BATON_TOKEN")
                                             : ""));  // set by daemon_process
  INFO("connect: " << (c ? "" : c.err().message()));
  REQUIRE(c);
  return std::move(c.value());
}

bool answers(engine_client& c) {
  auto r = c.call({"list", "", "tester", "", "", {}}, std::chrono::seconds(20));
  return r.ok() && r.value().is_array();
}

}  // namespace

TEST_CASE("a frame announcing a huge length drops its connection, and batond's memory stays flat",
          "[e2e][net]") {
  work_dir wd;
  auto data = data_dir_with(wd, json::object());
  daemon_process d(wd, data);
  auto client = connect_client(d.address());
  REQUIRE(answers(*client));
  wire_peer caf;
  auto before = vm_rss_kb(d.pid());
  std::vector<std::uint16_t> ports;
  for (int i = 0; i < 3; ++i) {  // as the finding: 3 connections, ~2.7 GB each before the guard
    raw_socket s(d.address());
    ports.push_back(s.local_port());
    s.send_all(cat({basp_header(1, 0, 0xfffffff0u), bytes(4096, 0x41)}));
    CHECK(s.closed_within(std::chrono::seconds(10)));
  }
  {  // the same after a good handshake, on a direct message to the API
    raw_socket s(d.address());
    auto api = caf.handshake(s);
    REQUIRE(api != 0);
    ports.push_back(s.local_port());
    s.send_all(cat({basp_header(2, 0, 1u << 30, caf_request_id(1), 5, api), bytes(4096, 0)}));
    CHECK(s.closed_within(std::chrono::seconds(10)));
  }
  auto after = vm_rss_kb(d.pid());
  INFO("VmRSS before " << before << " kB, after " << after << " kB");
  CHECK(after < before + 50 * 1024);
  CHECK(answers(*client));
  auto log = d.process().out() + d.process().err();
  for (auto p : ports) {
    INFO("batond's log: " << log);
    CHECK(log.find("dropped 127.0.0.1:" + std::to_string(p) + ": a frame of ") !=
          std::string::npos);
  }
  CHECK(log.find("over the cap of 4194304 (engine.maxFrameBytes)") != std::string::npos);
  CHECK(d.stop() == 0);
}

TEST_CASE("connections over engine.maxConnections are refused", "[e2e][net]") {
  work_dir wd;
  auto data = data_dir_with(wd, {{"maxConnections", 3}, {"handshakeTimeoutSeconds", 600}});
  daemon_process d(wd, data);
  wire_peer caf;
  std::vector<std::unique_ptr<raw_socket>> held;
  for (int i = 0; i < 3; ++i) {  // each gets CAF's server handshake: it holds a place
    held.push_back(std::make_unique<raw_socket>(d.address()));
    REQUIRE(caf.read_server_handshake(*held.back()) != 0);
  }
  raw_socket over(d.address());
  CHECK(caf.read_server_handshake(over) == 0);  // closed at once, nothing from CAF
  CHECK(over.closed_within(std::chrono::seconds(10)));
  held.pop_back();  // a place frees: a client gets in (once the guard has seen the close)
  std::unique_ptr<engine_client> client;
  for (int attempt = 0; attempt < 100 && !client; ++attempt) {
    auto colon = d.address().rfind(':');
    auto c =
        engine_client::connect("127.0.0.1", std::stoi(d.address().substr(colon + 1)), d.token());
    if (c) client = std::move(c.value());
  }
  REQUIRE(client);
  CHECK(answers(*client));
  auto log = d.process().out();
  CHECK(log.find("refused 127.0.0.1:" + std::to_string(over.local_port()) +
                 ": 3 connections open (engine.maxConnections)") != std::string::npos);
  CHECK(d.stop() == 0);
}

TEST_CASE("a connection without a handshake is closed after engine.handshakeTimeoutSeconds",
          "[e2e][net]") {
  work_dir wd;
  auto data = data_dir_with(wd, {{"handshakeTimeoutSeconds", 1}});
  daemon_process d(wd, data);
  auto client = connect_client(d.address());
  raw_socket silent(d.address());
  raw_socket partial(d.address());
  partial.send_all(cat({basp_header(1, 0, 32), bytes(5, 0)}));  // a truncated handshake
  CHECK(silent.closed_within(std::chrono::seconds(15)));
  CHECK(partial.closed_within(std::chrono::seconds(15)));
  CHECK(answers(*client));  // a client that did its handshake stays
  auto log = d.process().out();
  for (auto* s : {&silent, &partial})
    CHECK(log.find("dropped 127.0.0.1:" + std::to_string(s->local_port()) +
                   ": no client handshake within 1 s (engine.handshakeTimeoutSeconds)") !=
          std::string::npos);
  CHECK(d.stop() == 0);
}

TEST_CASE("1 000 hostile connections leave batond running and answering", "[e2e][net]") {
  work_dir wd;
  auto data = data_dir_with(wd, {{"maxConnections", 48}, {"handshakeTimeoutSeconds", 1}});
  daemon_process d(wd, data);
  auto client = connect_client(d.address());
  REQUIRE(answers(*client));
  auto before = vm_rss_kb(d.pid());
  wire_peer caf;
  constexpr int total = 1000, threads = 64;  // more at once than maxConnections
  std::atomic<int> next{0}, closed{0}, hostile_kept{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> attackers;
  for (int t = 0; t < threads; ++t)
    attackers.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = next++; i < total; i = next++) {
        auto outcome = caf.attack(d.address(), i, rng);
        if (outcome == attack_outcome::closed_by_batond)
          ++closed;
        else if (!polite_attack(i % attack_kinds))
          ++hostile_kept;
      }
    });
  int answered = 0, asked = 0;
  std::thread watcher([&] {
    while (!done) {
      ++asked;
      if (answers(*client)) ++answered;
    }
  });
  for (auto& a : attackers) a.join();
  done = true;
  watcher.join();
  INFO("closed by batond: " << closed << " of " << total);
  CHECK(hostile_kept == 0);  // every hostile connection was closed
  CHECK(closed >= total / attack_kinds * (attack_kinds - 2));
  CHECK(d.process().running());
  CHECK(asked > 0);
  CHECK(answered == asked);  // the client connected before the flood got every answer
  auto fresh = connect_client(d.address());
  CHECK(answers(*fresh));
  auto after = vm_rss_kb(d.pid());
  INFO("VmRSS before " << before << " kB, after " << after << " kB");
  CHECK(after < before + 50 * 1024);
  CHECK(d.stop() == 0);
}

TEST_CASE("slow clients do not stall the others", "[e2e][net]") {
  work_dir wd;
  auto data = data_dir_with(wd, json::object());
  daemon_process d(wd, data);
  auto client = connect_client(d.address());
  auto flow = slurp(std::string(BATON_SOURCE_DIR) + "/config/campaigns/flow-control.json");
  auto created = client->call({"create", "", "tester", "", flow, {}});
  REQUIRE(created);
  std::string id = created.value()["id"];
  wire_peer caf;
  // One that asks for a lot and reads none of it: its replies pile up behind it.
  raw_socket deaf(d.address());
  auto api = caf.handshake(deaf);
  REQUIRE(api != 0);
  bytes asks;
  for (int i = 1; i <= 3000; ++i)
    asks = cat({asks, caf.command(api, i, api_command{"show", id, "deaf", "", "", {}})});
  deaf.send_all(asks);
  // One that sends most of a big frame and stops; others that send their handshake a byte at a
  // time.
  raw_socket stuck(d.address());
  REQUIRE(caf.handshake(stuck) != 0);
  stuck.send_all(
      cat({basp_header(2, 0, (4u << 20) - 1, caf_request_id(1), 5, api), bytes(1u << 20, 0)}));
  std::atomic<bool> done{false};
  std::vector<std::thread> trickles;
  for (int t = 0; t < 8; ++t)
    trickles.emplace_back([&] {
      raw_socket s(d.address());
      auto hs = caf.handshake_frame();
      for (std::size_t i = 0; i < hs.size() && !done; ++i) {
        s.send_all(bytes{hs[i]});
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  for (int i = 0; i < 20; ++i) CHECK(answers(*client));
  auto other = connect_client(d.address());
  CHECK(answers(*other));
  done = true;
  for (auto& t : trickles) t.join();
  CHECK(d.process().running());
  CHECK(d.stop() == 0);
}
