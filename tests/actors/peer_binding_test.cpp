// Failed authentications are limited per TCP peer IP address, not per CAF node (which a client
// chooses at will), through the real batond: failures from five different nodes on 127.0.0.1
// lock out a sixth client from that address even with a valid token, and every auth_failed
// event names 127.0.0.1. In process, with the gate's peer book set by hand: a session works only
// from the IP address it was opened from.
#include "actors/client.hpp"
#include "actors/gate.hpp"
#include "actors/peer_book.hpp"
#include "engine_fixture.hpp"
#include "network_util.hpp"
#include "process_util.hpp"

using namespace baton;
using namespace baton::testing;
using nlohmann::json;

TEST_CASE("failed logins from many nodes on one IP are rate-limited together",
          "[security][e2e][slow]") {
  work_dir wd;
  auto data = wd.str("data");
  daemon_process d(wd, data);
  wire_peer peer;
  auto failures_logged = [&] {
    std::size_t n = 0;
    for (auto& l : lines_of(d.process().out()))
      if (l.find("api: authentication failed from ") != std::string::npos) ++n;
    return n;
  };
  for (int i = 0; i < 5; ++i) {  // gate_options::max_failures
    raw_socket s(d.address());
    auto gate = peer.handshake(s);  // a node with a host hash of its own each time
    REQUIRE(gate != 0);
    std::vector<caf::strong_actor_ptr> stages;
    auto attempt = peer.frame(
        2, 0, caf_request_id(1), 5, gate,
        peer.serialize(stages, caf::make_message(authenticate_atom::value, std::string("wrong"))));
    REQUIRE(s.send_all(attempt));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (failures_logged() < static_cast<std::size_t>(i + 1) &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(failures_logged() == static_cast<std::size_t>(i + 1));
  }
  // A real client from the same address, with the right token: refused without a look.
  auto colon = d.address().rfind(':');
  auto c = engine_client::connect(
      "127.0.0.1", static_cast<std::uint16_t>(std::stoi(d.address().substr(colon + 1))), d.token());
  REQUIRE(!c);
  CHECK(c.err().code == errc::refused);
  CHECK(c.err().where == "auth");
  auto log = d.process().out();
  CHECK(log.find("api: authentication failed from 127.0.0.1 (rate limited)") != std::string::npos);
  REQUIRE(d.stop() == 0);
  auto events =
      run_tool(wd, "batonctl", {"--data-dir", data, "--json", "events", "--type", "auth_failed"});
  REQUIRE(events.code == 0);
  auto lines = lines_of(events.out);
  REQUIRE(lines.size() == 6);
  for (auto& l : lines) CHECK(json::parse(l)["payload"]["peer"] == "127.0.0.1");
  CHECK(json::parse(lines.back())["payload"]["limited"] == true);
}

TEST_CASE("a session works only from the IP address it was opened from", "[security]") {
  engine_fixture f;
  auto token =
      f.ok("user-add", "", {{"name", "ana"}, {"role", "admin"}})["token"].get<std::string>();
  auto book = std::make_shared<peer_book>();
  gate_options go;
  go.peers = book;
  auto gate = spawn_gate(*f.sys, f.h, engine_config{}, go);
  struct stopper {
    engine_gate g;
    ~stopper() { caf::anon_send_exit(g, caf::exit_reason::user_shutdown); }
  } stop_gate{gate};
  auto node = caf::to_string(f.sys->node());
  caf::scoped_actor self{*f.sys};
  auto authenticate = [&](const std::string& t) {
    result<caf::actor> out = make_error(errc::unavailable, "gate", "no reply");
    self->request(gate, 10s, authenticate_atom::value, t)
        .receive([&](caf::actor& s) { out = s; }, [&](caf::error& e) { out = from_caf(e); });
    return out;
  };
  auto list = [&](const caf::actor& session) {
    result<json> out = make_error(errc::unavailable, "session", "no reply");
    self->request(caf::actor_cast<engine_api>(session), 10s, command_atom::value,
                  api_command{"list", "", "", "", "", {}})
        .receive([&](std::string& r) { out = json::parse(r); },
                 [&](caf::error& e) { out = from_caf(e); });
    return out;
  };
  book->opened(node, "10.0.0.1");
  auto session = authenticate(token);
  REQUIRE(session);
  CHECK(list(session.value()).ok());
  book->opened(node, "10.0.0.2");  // the node now speaks from elsewhere (a forged node id)
  auto moved = list(session.value());
  REQUIRE(!moved);
  CHECK(moved.err().where == "auth");
  book->closed(node, "10.0.0.2");  // unknown: not the address it was opened from either
  CHECK(!list(session.value()));
  book->opened(node, "10.0.0.1");
  CHECK(list(session.value()).ok());

  // Failures count per address: five wrong tokens from 10.0.0.3, then even the right one is
  // refused there, while 10.0.0.4 still gets in.
  book->opened(node, "10.0.0.3");
  for (int i = 0; i < 5; ++i) CHECK(authenticate(std::string(64, 'f')).err().where == "auth");
  CHECK(!authenticate(token));
  book->opened(node, "10.0.0.4");
  CHECK(authenticate(token).ok());
}
