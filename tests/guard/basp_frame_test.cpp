// batond's wire frame reader (tools/batond/guard/basp_frame.hpp) against CAF 0.17 itself: the
// header layout and atoms are CAF's, the frames a real client writes (serialized by CAF) pass
// unchanged, and each hostile frame is refused from the bytes that show it, holding nothing.
#include <catch2/catch.hpp>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/io/basp/header.hpp>

#include "actors/api.hpp"
#include "tools/batond/guard/basp_frame.hpp"

using namespace baton;
using namespace baton::guard;
using bytes = std::vector<std::uint8_t>;

namespace {

struct caf_side {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf_side() {
    register_api_types(cfg);
    cfg.load<caf::io::middleman>();  // without it CAF's node id is "invalid", not a real client's
    cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(cfg);
  }
  // What CAF's binary serializer writes for `xs`.
  template <class... Ts>
  bytes serialize(Ts&&... xs) {
    std::vector<char> buf;
    caf::binary_serializer sink{*sys, buf};
    REQUIRE(!sink(std::forward<Ts>(xs)...));
    return bytes(buf.begin(), buf.end());
  }
  // A frame as caf::io::basp::instance::write lays it out: the header, then the payload.
  bytes frame(caf::io::basp::message_type op, std::uint8_t flags, std::uint64_t data,
              std::uint64_t src, std::uint64_t dst, const bytes& payload) {
    caf::io::basp::header h{op, flags, static_cast<std::uint32_t>(payload.size()), data, src, dst};
    auto out = serialize(h);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
  }
  bytes handshake() {
    return frame(caf::io::basp::message_type::client_handshake, 0, 0, 0, 0, serialize(sys->node()));
  }
  bytes command(const std::string& verb) {
    auto msg = caf::make_message(command_atom::value, api_command{verb, "", "me", "", "", {}});
    std::vector<caf::strong_actor_ptr> stages;
    return frame(caf::io::basp::message_type::direct_message, 0,
                 caf::make_message_id(7).integer_value(), 8, 11, serialize(stages, msg));
  }
};

frame_rules api_rules(std::uint32_t cap = 1 << 20) {
  frame_rules r;
  r.max_payload = cap;
  r.message_types = api_message_types();
  return r;
}

bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

bytes header_only(basp_op op, std::uint32_t len, std::uint8_t flags = 0, std::uint64_t dst = 0) {
  bytes out;
  encode_basp_header({static_cast<std::uint8_t>(op), flags, len, 0, 0, dst}, out);
  return out;
}

// A direct message to actor 11 whose payload starts with `types` (a CAF type list) and goes on
// with `rest`.
bytes direct(const std::string& types, const bytes& rest, std::uint8_t stages = 0) {
  bytes payload{stages, 0, 0, static_cast<std::uint8_t>(types.size())};
  payload.insert(payload.end(), types.begin(), types.end());
  payload.insert(payload.end(), rest.begin(), rest.end());
  bytes out;
  encode_basp_header({2, 0, static_cast<std::uint32_t>(payload.size()), 0, 8, 11}, out);
  return cat({out, payload});
}

}  // namespace

TEST_CASE("the frame layout and the atoms are CAF 0.17's", "[guard]") {
  caf_side c;
  caf::io::basp::header h{caf::io::basp::message_type::down_message,
                          3,
                          0x01020304,
                          0x1122334455667788ULL,
                          42,
                          0xfedcba9876543210ULL};
  auto wire = c.serialize(h);
  REQUIRE(wire.size() == basp_header_size);
  auto d = decode_basp_header(wire.data());
  CHECK(d.operation == 5);
  CHECK(d.flags == 3);
  CHECK(d.payload_len == 0x01020304);
  CHECK(d.operation_data == 0x1122334455667788ULL);
  CHECK(d.source_actor == 42);
  CHECK(d.dest_actor == 0xfedcba9876543210ULL);
  bytes ours;
  encode_basp_header(d, ours);
  CHECK(ours == wire);
  CHECK(caf_atom_default == static_cast<std::uint64_t>(caf::atom("default")));
  CHECK(caf_atom_empty == static_cast<std::uint64_t>(caf::atom("")));
  CHECK(caf_atom_spawn_serv == static_cast<std::uint64_t>(caf::atom("SpawnServ")));
  CHECK(+basp_named_receiver_flag == +caf::io::basp::header::named_receiver_flag);
  CHECK(+basp_select_connection_flag == +caf::io::basp::header::select_connection_flag);
}

TEST_CASE("a client's frames, as CAF writes them, pass unchanged in any cut", "[guard]") {
  caf_side c;
  auto rules = api_rules();
  auto node = c.serialize(c.sys->node());
  std::vector<caf::strong_actor_ptr> stages;
  auto stream = cat({
      c.handshake(),
      c.frame(caf::io::basp::message_type::client_handshake, basp_select_connection_flag, 0, 0, 0,
              node),
      c.frame(caf::io::basp::message_type::monitor_message, 0, 0, 0, 11,
              c.serialize(c.sys->node(), c.sys->node())),
      c.command("list"),
      c.frame(caf::io::basp::message_type::direct_message, 0, 0, 8, 11,
              c.serialize(stages, caf::make_message(subscribe_atom::value, std::string("c-1"),
                                                    caf::actor{}))),
      c.frame(caf::io::basp::message_type::down_message, 0, 0, 9, 0,
              c.serialize(c.sys->node(), c.sys->node(), caf::error{})),
      c.frame(caf::io::basp::message_type::heartbeat, 0, 0, 0, 0, {}),
  });
  for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{32}, stream.size()}) {
    client_frame_reader r(rules);
    bytes out;
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      INFO("cut every " << piece << " bytes, at " << at);
      REQUIRE(r.feed(stream.data() + at, std::min(piece, stream.size() - at), out) == "");
    }
    CHECK(out == stream);
    CHECK(r.handshake_done());
    CHECK(r.pending() == 0);
  }
}

TEST_CASE("CAF's info exchange is taken and not passed on", "[guard]") {
  caf_side c;
  auto rules = api_rules();
  std::vector<caf::strong_actor_ptr> stages;
  auto query = c.frame(caf::io::basp::message_type::direct_message, basp_named_receiver_flag, 0, 7,
                       static_cast<std::uint64_t>(caf::atom("SpawnServ")),
                       c.serialize(stages, caf::make_message(caf::sys_atom_v, caf::get_atom_v,
                                                             std::string("info"))));
  auto answer =
      c.frame(caf::io::basp::message_type::direct_message, 0, 0, 1, 13,
              c.serialize(stages, caf::make_message(caf::ok_atom_v, std::string("info"),
                                                    caf::strong_actor_ptr{}, std::string("x"))));
  client_frame_reader r(rules);
  bytes out;
  auto hs = c.handshake();
  REQUIRE(r.feed(hs.data(), hs.size(), out).empty());
  auto rest = cat({query, answer, c.command("list")});
  REQUIRE(r.feed(rest.data(), rest.size(), out).empty());
  CHECK(out == cat({hs, c.command("list")}));
}

TEST_CASE("a frame over the cap is refused from its header, holding nothing", "[guard]") {
  caf_side c;
  auto rules = api_rules(4096);
  auto hs = c.handshake();
  for (basp_op op : {basp_op::client_handshake, basp_op::direct_message}) {
    client_frame_reader r(rules);
    bytes out;
    auto stream = op == basp_op::client_handshake ? header_only(op, 0xfffffff0u)
                                                  : cat({hs, header_only(op, 4097, 0, 11)});
    stream.resize(stream.size() + 1000, 0x41);  // the start of the announced payload
    auto why = r.feed(stream.data(), stream.size(), out);
    CHECK(why.find("over the cap of 4096 (engine.maxFrameBytes)") != std::string::npos);
    CHECK(r.pending() == 0);
    CHECK(r.capacity() == 0);
    auto more = header_only(basp_op::heartbeat, 0);
    auto before = out.size();
    CHECK(r.feed(more.data(), more.size(), out) == why);  // refused for good
    CHECK(out.size() == before);
  }
}

TEST_CASE("what a reader holds follows the bytes that arrived, not the length announced",
          "[guard]") {
  caf_side c;
  auto rules = api_rules(4u << 20);
  client_frame_reader r(rules);
  bytes out;
  auto hs = c.handshake();
  REQUIRE(r.feed(hs.data(), hs.size(), out).empty());
  auto start = header_only(basp_op::direct_message, (4u << 20) - 1, 0, 11);
  start.resize(start.size() + 1000, 0);
  REQUIRE(r.feed(start.data(), start.size(), out).empty());
  CHECK(r.pending() == start.size());
  CHECK(r.capacity() <= 2 * start.size());
  CHECK(out == hs);  // nothing of the incomplete frame passed on
}

TEST_CASE("hostile frames are refused with the reason", "[guard]") {
  caf_side c;
  auto rules = api_rules();
  auto hs = c.handshake();
  bytes charbuf_bomb{0xff, 0xff, 0xff, 0xff, 0x0f};  // a 4 GiB char vector, as CAF reads it
  auto bad_node = c.serialize(c.sys->node());
  bad_node[0] ^= 0x01;  // a node id kind CAF does not make
  std::vector<std::pair<bytes, std::string>> cases = {
      {header_only(basp_op::client_handshake, 0), "malformed client handshake header"},
      {header_only(basp_op::direct_message, 10, 0, 11), "direct message before the client"},
      {cat({hs, header_only(basp_op::server_handshake, 10)}), "server handshake from a client"},
      {cat({hs, header_only(basp_op::routed_message, 10, 0, 11)}), "routed message from a client"},
      {cat({hs, header_only(basp_op::heartbeat, 4)}), "malformed heartbeat header"},
      {cat({hs, header_only(static_cast<basp_op>(9), 0)}), "operation 9 from a client"},
      {cat({hs, direct("@<>+@charbuf", charbuf_bomb)}),
       "types the API does not accept: @<>+@charbuf"},
      {cat({hs, direct("@<>+@atom+baton.api_command", {}, 1)}), "with a forwarding stack"},
      {cat({hs, header_only(basp_op::direct_message, 4, basp_named_receiver_flag,
                            static_cast<std::uint64_t>(caf::atom("ConfigServ")))}),
       "named CAF actor"},
      {c.frame(caf::io::basp::message_type::client_handshake, 0, 0, 0, 0, bad_node),
       "node id of an unknown kind"},
      {c.frame(caf::io::basp::message_type::client_handshake, 0, 0, 0, 0,
               cat({c.serialize(c.sys->node()), bytes{0}})),
       "client handshake with trailing bytes"},
      {cat({hs,
            c.frame(caf::io::basp::message_type::down_message, 0, 0, 9, 0,
                    cat({c.serialize(c.sys->node(), c.sys->node()), bytes{1},
                         c.serialize(static_cast<std::uint64_t>(caf::atom("x"))), bytes{0, 0, 12},
                         bytes{'@', '<', '>', '+', '@', 'c', 'h', 'a', 'r', 'b', 'u', 'f'},
                         charbuf_bomb}))}),
       "down message whose reason carries @<>+@charbuf"},
  };
  for (auto& [stream, reason] : cases) {
    client_frame_reader r(rules);
    bytes out;
    auto why = r.feed(stream.data(), stream.size(), out);
    INFO("expected: " << reason << "; got: " << why);
    CHECK(why.find(reason) != std::string::npos);
    CHECK(r.pending() == 0);
    CHECK((out.empty() || out == hs));  // at most the handshake went through
  }
}

TEST_CASE("the client handshake names the client's node as CAF does", "[guard]") {
  caf_side c;
  auto rules = api_rules();
  client_frame_reader r(rules);
  CHECK(r.client_node().empty());
  bytes out;
  REQUIRE(r.feed(c.handshake().data(), c.handshake().size(), out).empty());
  REQUIRE(r.handshake_done());
  CHECK(r.client_node() == caf::to_string(c.sys->node()));
}
