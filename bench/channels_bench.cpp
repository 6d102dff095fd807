// baton_bench_channels: figure P8 (PERFORMANCE.md), SMTP delivery to postfix's smtp-sink on
// loopback (started here, as the tests start it). P8: messages/s of the engine's channel runner
// — rows of a SQLite population -> eligibility -> Mustache -> SMTP over 4 kept connections ->
// the durable sent table, batch by batch; beside it, the connector alone with connection reuse
// and with a new connection per message (what reuse buys). P8.throttle: the rate achieved at
// perSecond 100, 500 and 2000 against the set rate (target within ±2 %).
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "actors/channel_runner.hpp"
#include "actors/data_runner.hpp"
#include "audience/backend.hpp"
#include "audience/loader.hpp"
#include "audience/schema.hpp"
#include "bench/bench_util.hpp"
#include "channels/smtp.hpp"
#include "support/servers.hpp"

using namespace baton;
using nlohmann::json;

namespace {

struct args {
  std::string dir, schema;
  bool quick = false;
  int runs = 3;
};

// DIR/data: the schema applied and `n` consenting profiles (ids 1..n) loaded.
void prepare_data(const std::string& data, const std::string& schema_file, int n) {
  std::filesystem::create_directories(data);
  std::ifstream sf(schema_file);
  std::stringstream text;
  text << sf.rdbuf();
  auto parsed = parse_entity_schema(text.str());
  if (!parsed.ok()) {
    std::fprintf(stderr, "error: %s: not a valid entity schema\n", schema_file.c_str());
    std::exit(2);
  }
  auto b = audience::open_backend("", data);
  if (!b || !audience::apply_schema(**b, *parsed.schema)) std::exit(1);
  std::ofstream(data + "/schema.json") << parsed.schema->to_json().dump(2) << "\n";
  std::string csv_path = data + "/profiles.csv";
  {
    std::ofstream csv(csv_path);
    csv << "id,email,first_name,last_name,email_opt_in\n";
    for (int i = 1; i <= n; ++i)
      csv << i << ",customer" << i << "@example.com,First" << i << ",Last" << i << ",true\n";
  }
  audience::load_request req;
  req.entity = "profiles";
  req.path = csv_path;
  auto r = audience::load_csv(**b, *parsed.schema, req);
  if (!r || r->applied != static_cast<std::uint64_t>(n)) std::exit(1);
}

activity make_activity(const std::string& id, activity_type type, json options) {
  activity a;
  a.id = id;
  a.type = type;
  a.options = std::move(options);
  return a;
}

struct harness {
  std::string data;
  std::shared_ptr<activity_runner> runner;
  int campaigns = 0;

  // The profiles with id <= n, as a population of a fresh campaign.
  std::pair<task_input, ev::population> audience_of(int n) {
    task_input in;
    in.campaign = "bench-" + std::to_string(++campaigns);
    in.run = 1;
    in.dimension = "profiles";
    in.now = 1'795'000'000'000'000;
    static activity all = make_activity("all", activity_type::build_audience, json::object());
    all.options = {{"filter", {{"field", "id"}, {"op", "le"}, {"value", n}}}};
    in.act = &all;
    auto r = runner->run(in);
    if (!r || r->outputs.empty()) {
      std::fprintf(stderr, "error: build_audience: %s\n",
                   r ? "no output" : r.err().message().c_str());
      std::exit(1);
    }
    return {in, r->outputs.front()};
  }

  // Sends to the profiles with id <= n; returns the seconds it took.
  double send(int n, const json& throttle) {
    auto [in, pop] = audience_of(n);
    json options = {{"subject", "Hello {{first_name}}, the winter sale is on"},
                    {"body",
                     "Dear {{first_name}} {{last_name}},\n\nour winter sale starts today: up to "
                     "50% off.\n\nSee you soon!\n"},
                    {"from", "Shop <news@shop.example>"}};
    if (!throttle.is_null()) options["throttle"] = throttle;
    auto mail = make_activity("mail", activity_type::email, options);
    in.act = &mail;
    in.inputs = {{"all", pop}};
    auto t0 = bench::steady::now();
    auto r = runner->run(in);
    double s = bench::seconds_since(t0);
    if (!r) {
      std::fprintf(stderr, "error: send: %s\n", r.err().message().c_str());
      std::exit(1);
    }
    if (r->outputs.empty() || r->outputs.front().count != static_cast<std::uint64_t>(n)) {
      std::fprintf(stderr, "error: sent %s of %d\n", r->logs.empty() ? "?" : r->logs[0].c_str(), n);
      std::exit(1);
    }
    return s;
  }
};

std::vector<channels::message> messages(int from, int to) {
  std::vector<channels::message> out;
  for (int i = from; i < to; ++i) {
    channels::message m;
    m.campaign = "bench-connector";
    m.run = 1;
    m.activity = "mail";
    m.recipient = std::to_string(i);
    m.message_id = channels::make_message_id(m.campaign, m.run, m.activity, m.recipient);
    m.address = "customer" + m.recipient + "@example.com";
    m.from = "Shop <news@shop.example>";
    m.subject = "Hello First" + m.recipient + ", the winter sale is on";
    m.body = "Dear First" + m.recipient + " Last" + m.recipient + ",\n\nour winter sale starts";
    out.push_back(std::move(m));
  }
  return out;
}

bool all_sent(const std::vector<channels::delivery_result>& rs) {
  for (auto& r : rs)
    if (!r.sent()) {
      std::fprintf(stderr, "error: SMTP: %s\n", r.reason.c_str());
      return false;
    }
  return true;
}

// The connector alone: `n` messages in batches of 200 over `connections` kept connections, or
// (reuse false) one connection per message; messages/s.
double connector_rate(const std::string& url, int n, bool reuse, int connections = 4) {
  channels::smtp_options o;
  o.url = url;
  o.timeout_seconds = 10;
  o.connections = connections;
  auto all = messages(0, n);
  auto t0 = bench::steady::now();
  if (reuse) {
    channels::smtp_connector smtp(o, nullptr);
    for (int i = 0; i < n; i += 200) {
      std::vector<channels::message> batch(all.begin() + i, all.begin() + std::min(n, i + 200));
      if (!all_sent(smtp.send(batch))) std::exit(1);
    }
  } else {
    for (auto& m : all) {
      channels::smtp_connector smtp(o, nullptr);
      if (!all_sent(smtp.send({m}))) std::exit(1);
    }
  }
  return n / bench::seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  args a;
  bench::command_line cl;
  bool parsed_ok = cl.parse(argc, argv, {"--dir", "--schema", "--runs"}, {"--quick"});
  try {
    a.quick = cl.has("--quick");
    a.dir = cl.text("--dir", a.dir);
    a.schema = cl.text("--schema", a.schema);
    a.runs = cl.number("--runs", a.quick ? 1 : a.runs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    parsed_ok = false;
  }
  if (!parsed_ok || a.runs < 1) a.dir.clear();  // -> usage
  if (a.dir.empty() || a.schema.empty()) {
    std::fprintf(stderr,
                 "usage: baton_bench_channels --dir DIR --schema FILE [--quick] [--runs N]\n");
    return 2;
  }
  const int n = a.quick ? 5000 : 20000;        // P8 messages per run
  const double seconds = a.quick ? 2.0 : 5.0;  // P8.throttle: length of each paced send
  const std::vector<int> rates = {100, 500, 2000};

  test_servers::smtp_sink sink(false);
  harness h;
  h.data = a.dir + "/data";
  int most = std::max(n, static_cast<int>(2000 * seconds));
  prepare_data(h.data, a.schema, most);
  channel_runner_options c;
  c.data_dir = h.data;
  c.channels = {{"email",
                 {{"connector", "smtp"},
                  {"url", sink.url()},
                  {"messageIdDomain", "bench.example"},
                  {"timeoutSeconds", 10}}}};
  h.runner = make_data_runner({h.data, "", ""}, make_channel_runner(c));

  std::vector<double> runner_rates, reuse_rates, single_rates, fresh_rates;
  for (int run = 1; run <= a.runs; ++run) {
    runner_rates.push_back(n / h.send(n, nullptr));
    reuse_rates.push_back(connector_rate(sink.url(), n, true));
    single_rates.push_back(connector_rate(sink.url(), n, true, 1));
    fresh_rates.push_back(connector_rate(sink.url(), 500, false));
    bench::note(
        "run %d: channel runner %.0f msg/s | connector over 4 kept connections %.0f msg/s, over "
        "one %.0f msg/s, a connection per message %.0f msg/s",
        run, runner_rates.back(), reuse_rates.back(), single_rates.back(), fresh_rates.back());
  }
  double value = bench::median(runner_rates);
  bench::json_line()
      .str("id", "P8")
      .str("what",
           "SMTP delivery to postfix's smtp-sink on loopback through the channel runner (SQLite "
           "rows, eligibility, Mustache, 4 kept connections, durable sent table per batch of 200)")
      .num("value", value)
      .str("unit", "messages/s")
      .str("target", ">= 8000")
      .boolean("met", value >= 8000)
      .num("vs_connection_per_message", value / bench::median(fresh_rates), 1)
      .num("connector_reuse", bench::median(reuse_rates))
      .num("connector_one_connection", bench::median(single_rates))
      .num("connector_connection_per_message", bench::median(fresh_rates))
      .num("reuse_ratio", bench::median_ratio(reuse_rates, fresh_rates), 1)
      .num("messages", n)
      .num("runs", a.runs)
      .num("loadavg_1m", bench::load_average(), 2)
      .print();

  // Throttle: (messages - the first slice, which goes at once) / time taken. The runner hands
  // the connector slices of perSecond / 20 messages, each when the throttle allows it.
  bench::json_line line;
  line.str("id", "P8.throttle")
      .str("what", "rate achieved through the channel runner at throttle.perSecond, to smtp-sink")
      .str("unit", "% deviation from the set rate")
      .str("target", "within +-2 %");
  double worst = 0;
  for (int rate : rates) {
    int k = static_cast<int>(rate * seconds);
    int slice = std::max(1, rate / 20);
    std::vector<double> dev;
    for (int run = 1; run <= a.runs; ++run) {
      double s = h.send(k, {{"perSecond", rate}});
      double achieved = (k - slice) / s;
      dev.push_back(100.0 * (achieved / rate - 1.0));
      bench::note("throttle %d/s: %d messages in %.3f s = %.1f/s (%+.2f %%)", rate, k, s, achieved,
                  dev.back());
    }
    double d = bench::median(dev);
    worst = std::max(worst, std::fabs(d));
    line.num("deviation_at_" + std::to_string(rate), d, 2);
  }
  line.num("value", worst, 2).boolean("met", worst <= 2.0).num("seconds_per_rate", seconds, 1);
  line.num("runs", a.runs).num("loadavg_1m", bench::load_average(), 2).print();
  return 0;
}
