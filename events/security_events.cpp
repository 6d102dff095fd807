// Cap'n Proto codec of the security stream's events, and their registration in the catalog.
#include "events/security_events.hpp"

#include "events/payload.hpp"
#include "events/register.hpp"
#include "events/security.capnp.h"

namespace baton::ev {

namespace {

namespace cs = baton::capnp_schema;

template <class X>
struct codec;

template <>
struct codec<user_added> {
  using schema = cs::UserAdded;
  static constexpr const char* name = "user_added";
  static void write(const user_added& x, schema::Builder b) {
    b.setName(x.name);
    b.setRole(x.role);
  }
  static user_added read(schema::Reader r) { return {to_std(r.getName()), to_std(r.getRole())}; }
};

template <>
struct codec<user_removed> {
  using schema = cs::UserRemoved;
  static constexpr const char* name = "user_removed";
  static void write(const user_removed& x, schema::Builder b) { b.setName(x.name); }
  static user_removed read(schema::Reader r) { return {to_std(r.getName())}; }
};

template <>
struct codec<token_issued> {
  using schema = cs::TokenIssued;
  static constexpr const char* name = "token_issued";
  static void write(const token_issued& x, schema::Builder b) {
    b.setUser(x.user);
    b.setTokenId(x.token_id);
    b.setHash(x.hash);
  }
  static token_issued read(schema::Reader r) {
    return {to_std(r.getUser()), to_std(r.getTokenId()), to_std(r.getHash())};
  }
};

template <>
struct codec<token_revoked> {
  using schema = cs::TokenRevoked;
  static constexpr const char* name = "token_revoked";
  static void write(const token_revoked& x, schema::Builder b) {
    b.setUser(x.user);
    b.setTokenId(x.token_id);
  }
  static token_revoked read(schema::Reader r) {
    return {to_std(r.getUser()), to_std(r.getTokenId())};
  }
};

template <>
struct codec<auth_failed> {
  using schema = cs::AuthFailed;
  static constexpr const char* name = "auth_failed";
  static void write(const auth_failed& x, schema::Builder b) {
    b.setPeer(x.peer);
    b.setLimited(x.limited);
  }
  static auth_failed read(schema::Reader r) { return {to_std(r.getPeer()), r.getLimited()}; }
};

template <>
struct codec<permission_refused> {
  using schema = cs::PermissionRefused;
  static constexpr const char* name = "permission_refused";
  static void write(const permission_refused& x, schema::Builder b) {
    b.setActor(x.actor);
    b.setRole(x.role);
    b.setCommand(x.command);
    b.setCampaign(x.campaign);
  }
  static permission_refused read(schema::Reader r) {
    return {to_std(r.getActor()), to_std(r.getRole()), to_std(r.getCommand()),
            to_std(r.getCampaign())};
  }
};

template <std::size_t I = 0>
result<security_event> decode(const event& e) {
  if constexpr (I < std::variant_size_v<security_event>) {
    using X = std::variant_alternative_t<I, security_event>;
    if (e.type != X::type) return decode<I + 1>(e);
    auto r = read_payload<typename codec<X>::schema, X>(e.payload,
                                                        [](auto p) { return codec<X>::read(p); });
    if (!r) return r.err();
    return security_event{std::move(r.value())};
  } else {
    return make_error(errc::integrity, "event #" + std::to_string(e.global_seq),
                      "not a security event (type " + std::to_string(e.type) + ")");
  }
}

template <std::size_t I = 0>
void register_all(event_catalog& c) {
  if constexpr (I < std::variant_size_v<security_event>) {
    using X = std::variant_alternative_t<I, security_event>;
    event_type_info t;
    t.id = X::type;
    t.name = codec<X>::name;
    t.schemas = {capnp::Schema::from<typename codec<X>::schema>()};
    c.add(std::move(t));
    register_all<I + 1>(c);
  }
}

}  // namespace

event to_event(const security_event& se) {
  return std::visit(
      [](const auto& x) {
        using X = std::decay_t<decltype(x)>;
        event e;
        e.type = X::type;
        e.version = 1;
        e.payload = build_payload<typename codec<X>::schema>(
            [&](typename codec<X>::schema::Builder b) { codec<X>::write(x, b); });
        return e;
      },
      se);
}

result<security_event> security_event_from(const event& e) {
  if (e.version != 1)
    return make_error(errc::integrity, "event #" + std::to_string(e.global_seq),
                      "unsupported version " + std::to_string(e.version) + " of a security event");
  auto r = decode(e);
  if (!r && r.err().where.empty())
    return make_error(errc::integrity, "event #" + std::to_string(e.global_seq), r.err().what);
  return r;
}

}  // namespace baton::ev

namespace baton {
void register_security_events(event_catalog& c) {
  ev::register_all(c);
}
}  // namespace baton
