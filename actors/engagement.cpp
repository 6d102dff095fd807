#include "actors/engagement.hpp"

#include "audience/value.hpp"

namespace baton {

namespace {

const entity* entity_of(const entity_schema& schema, const audience::delivery_ref& d) {
  return schema.find_entity(d.dimension);
}

result<audience::value> key_value(const entity& e, const std::string& key) {
  const column* c = e.find_column(e.key);
  if (!c) return make_error(errc::failed, e.name, "the entity's key column is missing");
  return audience::parse_value(key, c->type);
}

}  // namespace

result<std::string> recipient_address(audience::backend& b, const entity_schema& schema,
                                      const audience::delivery_ref& d) {
  const entity* e = entity_of(schema, d);
  auto ch = channel_from_string(d.channel);
  if (!e || !ch || !e->addresses.count(*ch)) return std::string();
  auto key = key_value(*e, d.recipient);
  if (!key) return std::string();
  std::string out;
  auto st = b.query("SELECT " + audience::quote_id(e->addresses.at(*ch)) + " FROM " +
                        audience::quote_id(e->name) + " WHERE " + audience::quote_id(e->key) +
                        " = " + b.placeholder(1),
                    {key.value()}, [&](const audience::row& r) {
                      if (!r[0].null) out = r[0].to_text();
                      return false;
                    });
  if (!st) return st.err();
  return out;
}

status withdraw_consent(audience::backend& b, const entity_schema& schema,
                        const audience::delivery_ref& d) {
  const entity* e = entity_of(schema, d);
  auto ch = channel_from_string(d.channel);
  if (!e || !ch || !e->consent.count(*ch)) return ok_status();
  auto key = key_value(*e, d.recipient);
  if (!key) return ok_status();
  auto r = b.exec("UPDATE " + audience::quote_id(e->name) + " SET " +
                      audience::quote_id(e->consent.at(*ch)) + " = " + b.placeholder(1) +
                      " WHERE " + audience::quote_id(e->key) + " = " + b.placeholder(2),
                  {audience::value::boolean(false), key.value()});
  if (!r) return r.err();
  return ok_status();
}

status unsubscribe(audience::backend& b, const entity_schema& schema,
                   const audience::delivery_ref& d, std::string address, const std::string& source,
                   const std::string& at) {
  if (auto w = withdraw_consent(b, schema, d); !w) return w;
  if (address.empty()) {
    auto a = recipient_address(b, schema, d);
    if (!a) return a.err();
    address = std::move(a.value());
  }
  if (audience::suppression_address(d.channel, address).empty()) return ok_status();
  auto added = audience::add_suppression(
      b, {d.channel, address, audience::k_reason_unsubscribe, source, at});
  if (!added) return added.err();
  return ok_status();
}

}  // namespace baton
