// baton_bench_peers: figure P9 — the event store's durable append (P2's load: 64 writer threads,
// one synchronous append per call) against two peers fed the same event bytes by 64 writers,
// each measured back to back in the same run: PostgreSQL (synchronous_commit=on, fsync on, one
// event per transaction into an events table keyed by stream and per-stream sequence) and Redis
// Streams (XADD, appendonly with appendfsync always). bench/run starts both servers on loopback.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "bench/bench_util.hpp"
#include "bench/durable_append.hpp"

using namespace baton;
using namespace baton::bench;

namespace {

constexpr int writers = 64;

struct rate {
  double per_s = 0, p99_ms = 0;
};

// Runs `one(w, i)` (one durable append by writer w) from 64 threads for `secs`.
template <class Setup, class One>
rate drive(double secs, Setup setup, One one) {
  std::vector<std::vector<double>> lat(writers);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false}, failed{false};
  steady::time_point deadline;
  auto body = [&](int w) {
    auto conn = setup(w);
    ++ready;
    while (!go.load()) std::this_thread::yield();
    for (std::uint64_t i = 1;; ++i) {
      auto t = steady::now();
      if (t >= deadline) break;
      if (!one(conn, w, i)) {
        failed = true;
        return;
      }
      lat[w].push_back(std::chrono::duration<double, std::milli>(steady::now() - t).count());
    }
  };
  std::vector<std::thread> ts;
  for (int w = 0; w < writers; ++w) ts.emplace_back(body, w);
  while (ready.load() < writers) std::this_thread::yield();
  auto t0 = steady::now();
  deadline = t0 + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(secs));
  go = true;
  for (auto& t : ts) t.join();
  double elapsed = seconds_since(t0);
  if (failed) fail("a peer append failed (see above)");
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  return {static_cast<double>(all.size()) / elapsed, percentile(all, 99)};
}

// --- PostgreSQL ------------------------------------------------------------------------------

struct pg_conn {
  PGconn* c = nullptr;
  ~pg_conn() {
    if (c) PQfinish(c);
  }
};

bool pg_exec(PGconn* c, const char* sql) {
  PGresult* r = PQexec(c, sql);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok) note("P9 postgresql: %s", PQerrorMessage(c));
  PQclear(r);
  return ok;
}

rate postgres_once(const std::string& conninfo, const event_shape& shape, double secs) {
  {
    pg_conn admin{PQconnectdb(conninfo.c_str())};
    if (PQstatus(admin.c) != CONNECTION_OK)
      fail("postgresql: " + std::string(PQerrorMessage(admin.c)));
    if (!pg_exec(admin.c, "SET client_min_messages = warning") ||
        !pg_exec(admin.c, "DROP TABLE IF EXISTS events") ||
        !pg_exec(admin.c,
                 "CREATE TABLE events (stream text NOT NULL, seq bigint NOT NULL, body bytea NOT "
                 "NULL, PRIMARY KEY (stream, seq))"))
      fail("postgresql: cannot create the events table");
  }
  auto setup = [&](int) {
    auto p = std::make_shared<pg_conn>();
    p->c = PQconnectdb(conninfo.c_str());
    if (PQstatus(p->c) != CONNECTION_OK) fail("postgresql: " + std::string(PQerrorMessage(p->c)));
    pg_exec(p->c, "SET synchronous_commit = on");
    PGresult* r = PQprepare(
        p->c, "append", "INSERT INTO events (stream, seq, body) VALUES ($1, $2, $3)", 3, nullptr);
    PQclear(r);
    return p;
  };
  auto one = [&](const std::shared_ptr<pg_conn>& p, int w, std::uint64_t i) {
    auto bytes = encode_envelope(shape.make(i));
    auto stream = stream_name(w);
    auto seq = std::to_string(i);  // the per-stream sequence: the writer's expected version + 1
    const char* values[3] = {stream.c_str(), seq.c_str(),
                             reinterpret_cast<const char*>(bytes.data())};
    int lengths[3] = {0, 0, static_cast<int>(bytes.size())};
    int formats[3] = {0, 0, 1};
    PGresult* r = PQexecPrepared(p->c, "append", 3, values, lengths, formats, 0);  // autocommit
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) note("P9 postgresql insert: %s", PQerrorMessage(p->c));
    PQclear(r);
    return ok;
  };
  return drive(secs, setup, one);
}

// --- Redis (RESP over a socket: XADD stream * e BYTES) ----------------------------------------

struct redis_conn {
  int fd = -1;
  std::string buf;
  ~redis_conn() {
    if (fd >= 0) ::close(fd);
  }
  bool call(const std::vector<std::string>& args, std::string* reply) {
    std::string out = "*" + std::to_string(args.size()) + "\r\n";
    for (auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    for (std::size_t off = 0; off < out.size();) {
      auto n = ::write(fd, out.data() + off, out.size() - off);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    // One reply: a status (+...), an error (-...), or a bulk string ($N\r\n...\r\n).
    auto line = [&](std::string& l) {
      for (;;) {
        auto at = buf.find("\r\n");
        if (at != std::string::npos) {
          l = buf.substr(0, at);
          buf.erase(0, at + 2);
          return true;
        }
        char tmp[4096];
        auto n = ::read(fd, tmp, sizeof tmp);
        if (n <= 0) return false;
        buf.append(tmp, static_cast<std::size_t>(n));
      }
    };
    std::string l;
    if (!line(l) || l.empty()) return false;
    if (l[0] == '-') {
      note("P9 redis: %s", l.c_str());
      return false;
    }
    if (l[0] == '$' && l != "$-1") return line(*reply);
    *reply = l;
    return true;
  }
};

std::shared_ptr<redis_conn> redis_connect(const std::string& host, int port) {
  auto r = std::make_shared<redis_conn>();
  r->fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  if (::connect(r->fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    fail("redis: cannot connect to " + host + ":" + std::to_string(port));
  int one = 1;
  ::setsockopt(r->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return r;
}

rate redis_once(const std::string& host, int port, const event_shape& shape, double secs) {
  std::string reply;
  auto admin = redis_connect(host, port);
  if (!admin->call({"CONFIG", "GET", "appendfsync"}, &reply)) fail("redis: CONFIG GET failed");
  if (!admin->call({"FLUSHALL"}, &reply)) fail("redis: FLUSHALL failed");
  auto setup = [&](int) { return redis_connect(host, port); };
  auto one = [&](const std::shared_ptr<redis_conn>& r, int w, std::uint64_t i) {
    auto bytes = encode_envelope(shape.make(i));
    std::string id;
    return r->call({"XADD", stream_name(w), "*", "e",
                    std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size())},
                   &id);
  };
  return drive(secs, setup, one);
}

int usage() {
  std::fprintf(stderr,
               "usage: baton_bench_peers --pg CONNINFO --redis HOST:PORT [--runs N] [--quick] "
               "[--dir DIR]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) try {
  command_line cl;
  if (!cl.parse(argc, argv, {"--pg", "--redis", "--runs", "--dir"}, {"--quick"})) return usage();
  if (!cl.has("--pg") || !cl.has("--redis")) return usage();
  bool quick = cl.has("--quick");
  int runs = cl.number("--runs", quick ? 1 : 3);
  std::filesystem::path base = cl.text("--dir", "/tmp");
  auto redis = cl.text("--redis", "");
  auto colon = redis.rfind(':');
  if (colon == std::string::npos) return usage();
  std::string rhost = redis.substr(0, colon);
  int rport = std::stoi(redis.substr(colon + 1));
  double secs = quick ? 1.5 : 5;
  event_shape shape;
  std::vector<double> ours, pg, rd, ours_p99, pg_p99, rd_p99;
  for (int run = 0; run < runs; ++run) {
    auto o = p2_store_once(base, shape, writers, secs);
    auto p = postgres_once(cl.text("--pg", ""), shape, secs);
    auto r = redis_once(rhost, rport, shape, secs);
    ours.push_back(o.events_per_s);
    ours_p99.push_back(o.p99_ms);
    pg.push_back(p.per_s);
    pg_p99.push_back(p.p99_ms);
    rd.push_back(r.per_s);
    rd_p99.push_back(r.p99_ms);
    note(
        "P9 run %d: store %.0f events/s (p99 %.2f ms); postgresql %.0f/s (p99 %.2f ms); redis "
        "%.0f/s (p99 %.2f ms)",
        run + 1, o.events_per_s, o.p99_ms, p.per_s, p.p99_ms, r.per_s, r.p99_ms);
  }
  double rp = median_ratio(ours, pg), rr = median_ratio(ours, rd);
  json_line()
      .str("id", "P9")
      .str("what", "durable append, 64 writers, 1 event per call, same ~256-byte event bytes")
      .num("value", median(ours))
      .str("unit", "events/s")
      .str("baseline", "PostgreSQL 15 (synchronous_commit=on, one event per transaction)")
      .num("baseline_value", median(pg))
      .num("ratio", rp, 2)
      .str("baseline2", "Redis 7 Streams XADD (appendonly, appendfsync always)")
      .num("baseline2_value", median(rd))
      .num("ratio2", rr, 2)
      .str("target", ">= 5 x PostgreSQL and >= 1.5 x Redis")
      .boolean("met", rp >= 5 && rr >= 1.5)
      .num("p99_ms", median(ours_p99), 2)
      .num("postgresql_p99_ms", median(pg_p99), 2)
      .num("redis_p99_ms", median(rd_p99), 2)
      .num("writers", writers)
      .num("seconds", secs, 1)
      .num("runs", runs)
      .num("loadavg_1m", load_average(), 2)
      .print();
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "baton_bench_peers: %s\n", e.what());
  return 1;
}
