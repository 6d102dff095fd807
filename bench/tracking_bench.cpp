// P10 (PERFORMANCE.md): tracking hits on `batond --http` — 64 concurrent keep-alive clients on
// loopback alternate click redirects and open pixels of a real campaign's messages, each hit
// recorded durably as a feedback event before it is answered — against a bare cpp-httplib
// server answering a fixed 302, measured in the same run. Afterwards the campaign's report must
// count exactly the hits answered (clicks + opens).
#include <atomic>
#include <csignal>
#include <fstream>
#include <latch>
#include <regex>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bench_util.hpp"

using namespace baton::bench;
using json = nlohmann::json;

namespace {

struct load_result {
  double per_second = 0, p99_ms = 0;
  std::uint64_t ok = 0, failed = 0;
  std::uint64_t warmup_ok = 0;  // answered while the connections were being made (not timed)
};

// `clients` threads, each with one kept connection, GET paths[i % n] for `seconds`. Each client
// connects and makes one request first; the clock starts when all have, so the figure is the
// servers' steady rate, not how a burst of 64 connects meets their listen backlog.
load_result hammer(const std::string& host, int port, const std::vector<std::string>& paths,
                   int clients, double seconds, int expect_status) {
  std::atomic<std::uint64_t> ok{0}, failed{0};
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(clients));
  std::atomic<std::uint64_t> warm{0};
  std::latch connected(clients), go(1);
  steady::time_point t0;
  std::vector<std::thread> ts;
  for (int c = 0; c < clients; ++c)
    ts.emplace_back([&, c] {
      httplib::Client cli(host, port);
      cli.set_keep_alive(true);
      cli.set_read_timeout(30);
      std::size_t i = static_cast<std::size_t>(c) * 7919;
      if (auto r = cli.Get(paths[i++ % paths.size()].c_str()); r && r->status < 400) ++warm;
      connected.count_down();
      go.wait();
      while (seconds_since(t0) < seconds) {
        auto& path = paths[i++ % paths.size()];
        auto s = steady::now();
        auto r = cli.Get(path.c_str());
        double ms = std::chrono::duration<double, std::milli>(steady::now() - s).count();
        if (r && (r->status == expect_status || (expect_status == 0 && r->status < 400))) {
          ++ok;
          lat[static_cast<std::size_t>(c)].push_back(ms);
        } else {
          ++failed;
        }
      }
    });
  connected.wait();
  t0 = steady::now();
  go.count_down();
  for (auto& t : ts) t.join();
  double took = seconds_since(t0);
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  load_result out;
  out.ok = ok;
  out.failed = failed;
  out.warmup_ok = warm;
  out.per_second = static_cast<double>(ok) / took;
  out.p99_ms = percentile(all, 99);
  return out;
}

std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int run(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

}  // namespace

int main(int argc, char** argv) {
  command_line cl;
  if (!cl.parse(argc, argv, {"--runs", "--dir", "--build", "--schema"}, {"--quick"})) return 2;
  bool quick = cl.has("--quick");
  int runs = cl.number("--runs", quick ? 1 : 3);
  double seconds = quick ? 3 : 10;
  const int clients = 64;
  std::string build = cl.text("--build", "build");
  std::string dir = cl.text("--dir", "/tmp");
  std::string schema = cl.text("--schema", "config/schema.json");
  std::string data = dir + "/p10-data";
  std::string ctl = build + "/tools/batonctl --data-dir " + data;

  // A campaign of 2 000 tracked messages in the file outbox.
  {
    std::ofstream csv(dir + "/profiles.csv");
    csv << "id,email,first_name,email_opt_in\n";
    for (int i = 1; i <= 2000; ++i) csv << i << ",p" << i << "@example.com,P" << i << ",true\n";
    json c = {
        {"name", "p10"},
        {"dimension", "profiles"},
        {"activities",
         {{{"id", "all"}, {"type", "build_audience"}},
          {{"id", "mail"},
           {"type", "email"},
           {"category", "marketing"},
           {"subject", "Hi"},
           {"body", "Hello {{first_name}}"},
           {"html", "<html><body><a href=\"https://shop.example/sale\">Sale</a></body></html>"}}}},
        {"transitions", {{{"from", "all"}, {"to", "mail"}}}}};
    std::ofstream(dir + "/p10.json") << c.dump();
  }
  if (run(ctl + " init >&2") || run(ctl + " schema apply " + schema + " >&2") ||
      run(ctl + " data load profiles " + dir + "/profiles.csv >&2") ||
      run(ctl + " user add bench --role viewer > " + dir + "/token") ||
      run(ctl + " --json run " + dir + "/p10.json > " + dir + "/run.json")) {
    note("P10: preparing the campaign failed");
    return 1;
  }
  std::string campaign = json::parse(slurp(dir + "/run.json"))["id"];
  std::vector<std::string> paths;
  std::regex re("http://127\\.0\\.0\\.1:8080(/t/[co]/[A-Za-z0-9_-]+)");
  auto outbox = slurp(data + "/outbox/email.jsonl");
  for (std::sregex_iterator it(outbox.begin(), outbox.end(), re), end; it != end; ++it)
    paths.push_back((*it)[1]);
  note("P10: %zu tracking paths (clicks and opens) of campaign %s", paths.size(), campaign.c_str());

  // batond with --http on a free port.
  std::string out = dir + "/batond.out";
  pid_t pid = fork();
  if (pid == 0) {
    if (!std::freopen(out.c_str(), "w", stdout)) _exit(127);
    if (!std::freopen((dir + "/batond.err").c_str(), "w", stderr)) _exit(127);
    std::string bin = build + "/tools/batond";
    execl(bin.c_str(), bin.c_str(), "--data-dir", data.c_str(), "--listen", "127.0.0.1:0", "--http",
          "127.0.0.1:0", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string api, http;
  for (int i = 0; i < 2000 && http.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::istringstream lines(slurp(out));
    for (std::string l; std::getline(lines, l);) {
      if (l.rfind("listening ", 0) == 0) api = l.substr(10);
      if (l.rfind("http ", 0) == 0) http = l.substr(5);
    }
  }
  if (http.empty()) {
    note("P10: batond --http did not start: %s", slurp(dir + "/batond.err").c_str());
    kill(pid, SIGKILL);
    return 1;
  }
  int port = std::stoi(http.substr(http.rfind(':') + 1));

  // The bare server: a fixed 302, the same thread pool size as batond's.
  httplib::Server bare;
  bare.new_task_queue = [] { return new httplib::ThreadPool(96); };
  bare.Get(R"(/t/[co]/([A-Za-z0-9_-]+))", [](const httplib::Request&, httplib::Response& res) {
    res.status = 302;
    res.set_header("Location", "https://shop.example/sale");
  });
  int bare_port = bare.bind_to_any_port("127.0.0.1");
  std::thread bare_thread([&] { bare.listen_after_bind(); });

  std::vector<double> ours, theirs, p99s;
  std::uint64_t answered = 0, failed = 0;
  for (int r = 0; r < runs; ++r) {
    auto b = hammer("127.0.0.1", bare_port, paths, clients, seconds, 302);
    auto o = hammer("127.0.0.1", port, paths, clients, seconds, 0);
    answered += o.ok + o.warmup_ok;  // every hit batond answered must be recorded
    failed += o.failed;
    note("P10 run %d: batond %.0f hits/s (p99 %.2f ms, %llu failed), bare 302 %.0f/s (p99 %.2f ms)",
         r + 1, o.per_second, o.p99_ms, static_cast<unsigned long long>(o.failed), b.per_second,
         b.p99_ms);
    ours.push_back(o.per_second);
    theirs.push_back(b.per_second);
    p99s.push_back(o.p99_ms);
  }
  bare.stop();
  bare_thread.join();

  // Exactly once: the report counts every hit answered, no more.
  run(build + "/tools/batonctl --connect " + api + " --token-file " + dir +
      "/token --json report " + campaign + " > " + dir + "/report.json");
  auto rep = json::parse(slurp(dir + "/report.json"), nullptr, false);
  std::uint64_t recorded = 0;
  if (rep.is_object())
    for (auto& a : rep["activities"])
      recorded += a.value("clicks", std::uint64_t{0}) + a.value("opens", std::uint64_t{0});
  kill(pid, SIGTERM);
  int st = 0;
  waitpid(pid, &st, 0);
  note("P10: %llu hits answered, %llu recorded in the report",
       static_cast<unsigned long long>(answered), static_cast<unsigned long long>(recorded));

  double value = median(ours), base = median(theirs), ratio = median_ratio(ours, theirs);
  double p99 = median(p99s);
  bool met = value >= 20000 && ratio >= 0.5 && p99 <= 20 && recorded == answered && failed == 0;
  json_line()
      .str("id", "P10")
      .str("what",
           "tracking hits (click redirects and open pixels) on batond --http, 64 clients, "
           "each recorded durably")
      .num("value", value)
      .str("unit", "hits/s")
      .str("baseline", "bare cpp-httplib 302 server")
      .num("baseline_value", base)
      .num("ratio", ratio, 2)
      .str("target", ">= 20000 hits/s, >= 0.5 x bare, p99 <= 20 ms, each recorded once")
      .num("p99_ms", p99, 2)
      .num("answered", static_cast<double>(answered))
      .num("recorded", static_cast<double>(recorded))
      .boolean("met", met)
      .num("runs", runs)
      .num("loadavg_1m", load_average(), 2)
      .print();
  return 0;
}
