// Export of the log as JSON lines (stable field names, the exact payload bytes in base64) and
// import of such an export into an empty store, reproducing every sequence, time and hash.
#include <cstring>
#include <istream>
#include <ostream>

#include "events/catalog.hpp"
#include "model/event_json.hpp"
#include "tools/replay/replay.hpp"

namespace baton::replay {

namespace {

const char* const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string to_base64(const std::string& in) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int k = 3; k >= 0; --k) out += b64[(v >> (6 * k)) & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += b64[(v >> 18) & 63];
    out += b64[(v >> 12) & 63];
    out += i + 1 < in.size() ? b64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool from_base64(const std::string& in, std::string& out) {
  out.clear();
  unsigned v = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const char* p = std::strchr(b64, c);
    if (!p || !c) return false;
    v = (v << 6) | static_cast<unsigned>(p - b64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xff);
    }
  }
  return true;
}

result<event> event_from_json(const nlohmann::json& j, std::uint64_t line) {
  auto where = "line " + std::to_string(line);
  try {
    event e;
    e.global_seq = j.at("seq");
    e.stream = j.at("stream");
    e.stream_seq = j.at("streamSeq");
    e.time = j.at("timeUs");
    auto* t = baton_event_catalog().find(j.at("type").get<std::string>());
    if (!t)
      return make_error(errc::integrity, where,
                        "unknown event type " + j.at("type").get<std::string>());
    e.type = t->id;
    e.version = j.at("version");
    e.actor = j.at("actor");
    e.command_id = j.at("commandId");
    e.correlation_id = j.at("correlationId");
    e.causation_id = j.at("causationId");
    if (!from_base64(j.at("payloadBase64"), e.payload))
      return make_error(errc::integrity, where, "payloadBase64 is not base64");
    if (!from_hex(j.at("prevHash").get<std::string>(), e.prev_hash) ||
        !from_hex(j.at("hash").get<std::string>(), e.hash))
      return make_error(errc::integrity, where, "hashes must be 64 hex digits");
    return e;
  } catch (const std::exception& ex) {
    return make_error(errc::validation, where, std::string("not an exported event: ") + ex.what());
  }
}

}  // namespace

status export_jsonl(const event_store& store, const std::string& campaign, std::ostream& out) {
  const auto& catalog = baton_event_catalog();
  auto write = [&](const event& e) {
    auto j = event_to_json(e, catalog);
    j["payloadBase64"] = to_base64(e.payload);
    out << j.dump() << "\n";
    return static_cast<bool>(out);
  };
  if (!campaign.empty()) {
    auto es = store.read_stream("campaign/" + campaign);
    if (!es) return es.err();
    if (es->empty()) return make_error(errc::not_found, campaign, "no such campaign in the log");
    for (auto& e : es.value()) write(e);
    return ok_status();
  }
  return store.scan(1, write);
}

result<exported_range> export_after(const event_store& store, std::uint64_t after,
                                    std::ostream& out) {
  const auto& catalog = baton_event_catalog();
  exported_range r;
  auto st = store.scan(after + 1, [&](const event& e) {
    auto j = event_to_json(e, catalog);
    j["payloadBase64"] = to_base64(e.payload);
    out << j.dump() << "\n";
    ++r.count;
    r.last = e.global_seq;
    return static_cast<bool>(out);
  });
  if (!st) return st.err();
  return r;
}

result<std::uint64_t> import_jsonl(event_store& store, std::istream& in) {
  if (store.last_global_seq() != 0)
    return make_error(errc::refused, store.dir(), "import needs an empty data dir");
  std::string line;
  std::uint64_t n = 0, lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded())
      return make_error(errc::validation, "line " + std::to_string(lineno), "not JSON");
    auto e = event_from_json(j, lineno);
    if (!e) return e.err();
    append_options o;
    o.sync = false;
    o.preserve = true;
    auto stream = e->stream;
    auto r = store.append(stream, any_version, {e.value()}, o);
    if (!r)
      return make_error(r.err().code, "line " + std::to_string(lineno) + " (" + r.err().where + ")",
                        r.err().what);
    ++n;
  }
  return n;
}

}  // namespace baton::replay
