// The data plane's read-only routes of the HTTP API: what `batonctl audiences list|show`,
// `suppression list`, `data count` and the stored entity schema give, read by batond from its own
// data plane (config data.url, else DATA_DIR/data.sqlite) with the same JSON and the same role
// (viewer). A backend is opened per request: SQLite and PostgreSQL take concurrent readers.
#include <fstream>
#include <sstream>

#include <httplib.h>

#include "audience/audiences.hpp"
#include "audience/schema.hpp"
#include "audience/suppression.hpp"
#include "model/entity_schema.hpp"
#include "model/number.hpp"
#include "tools/batond/http_api.hpp"
#include "tools/batond/http_parse.hpp"

namespace baton {

namespace {

const char* k_json = "application/json";

// Runs `read` on a fresh backend for a viewer (or more); refusals are recorded as the CLI's.
template <class F>
void read_data(http_api_context& c, const httplib::Request& req, httplib::Response& res,
               const std::string& typed, F read) {
  auto user = identify(c, req, false);
  if (!user) return send_error(res, user.err());
  if (auto no = refuse_unless(c, user.value(), role::viewer, typed, ""))
    return send_error(res, *no);
  auto b = audience::open_backend(c.data_url, c.data_dir);
  if (!b) return send_error(res, b.err());
  result<nlohmann::json> out = read(*b.value());
  if (!out) return send_error(res, out.err());
  res.set_content(out.value().dump() + "\n", k_json);
}

result<entity_schema> stored_schema(const http_api_context& c) {
  auto path = c.data_dir + "/schema.json";
  std::ifstream in(path);
  if (!in)
    return make_error(errc::not_found, "schema",
                      "no entity schema yet: run `batonctl schema apply FILE.json` first");
  std::stringstream text;
  text << in.rdbuf();
  auto v = parse_entity_schema(text.str());
  if (!v.ok())
    return make_error(errc::failed, "schema",
                      "the stored schema is invalid: " + v.issues.front().message);
  return *v.schema;
}

}  // namespace

void route_data_api(httplib::Server& s, std::shared_ptr<http_api_context> c) {
  const std::string seg = http::k_segment;
  s.Get("/api/v1/audiences", [c](const httplib::Request& req, httplib::Response& res) {
    read_data(*c, req, res, "audiences list", [](audience::backend& b) -> result<nlohmann::json> {
      auto all = audience::list_audiences(b);
      if (!all) return all.err();
      auto out = nlohmann::json::array();
      for (auto& a : *all) out.push_back(audience::audience_json(a));
      return out;
    });
  });
  s.Get("/api/v1/audiences/" + seg, [c](const httplib::Request& req, httplib::Response& res) {
    std::uint64_t limit = 10;
    if (req.has_param("limit")) {
      auto n = parse_whole_number(req.get_param_value("limit"), "limit", 0, 100000);
      if (!n) return send_error(res, n.err());
      limit = *n;
    }
    auto name = req.matches[1].str();
    read_data(*c, req, res, "audiences show", [&](audience::backend& b) -> result<nlohmann::json> {
      auto a = audience::describe_audience(b, name);
      if (!a) return a.err();
      auto keys = audience::audience_sample(b, *a, limit);
      if (!keys) return keys.err();
      auto j = audience::audience_json(*a);
      j["columns"] = a->columns;
      j["fingerprint"] = a->fingerprint;
      j["keys"] = *keys;
      return j;
    });
  });
  s.Get("/api/v1/suppressions", [c](const httplib::Request& req, httplib::Response& res) {
    auto channel = req.has_param("channel") ? req.get_param_value("channel") : "";
    if (!channel.empty() && channel != "email" && channel != "sms" && channel != "push")
      return send_error(res, make_error(errc::validation, "channel",
                                        "unknown channel '" + channel + "' (email, sms or push)"));
    read_data(*c, req, res, "suppression list",
              [&](audience::backend& b) -> result<nlohmann::json> {
                if (auto t = audience::ensure_suppression_tables(b); !t) return t.err();
                auto all = audience::list_suppressions(b, channel);
                if (!all) return all.err();
                auto out = nlohmann::json::array();
                for (auto& e : *all)
                  out.push_back({{"address", e.address},
                                 {"channel", e.channel},
                                 {"reason", e.reason},
                                 {"source", e.source},
                                 {"createdAt", e.created_at}});
                return out;
              });
  });
  s.Get("/api/v1/schema", [c](const httplib::Request& req, httplib::Response& res) {
    auto user = identify(*c, req, false);
    if (!user) return send_error(res, user.err());
    if (auto no = refuse_unless(*c, user.value(), role::viewer, "schema show", ""))
      return send_error(res, *no);
    auto schema = stored_schema(*c);
    if (!schema) return send_error(res, schema.err());
    res.set_content(schema->to_json().dump() + "\n", k_json);
  });
  s.Get("/api/v1/data/" + seg + "/count", [c](const httplib::Request& req, httplib::Response& res) {
    auto entity = req.matches[1].str();
    read_data(*c, req, res, "data count", [&](audience::backend& b) -> result<nlohmann::json> {
      auto schema = stored_schema(*c);
      if (!schema) return schema.err();
      auto n = audience::count_rows(b, *schema, entity);
      if (!n) return n.err();
      return nlohmann::json{{"entity", entity}, {"count", *n}};
    });
  });
}

}  // namespace baton
