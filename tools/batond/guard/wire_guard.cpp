#include "tools/batond/guard/wire_guard.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "tools/batond/guard/sockets.hpp"

namespace baton::guard {

namespace {

using steady = std::chrono::steady_clock;
constexpr std::size_t read_chunk = 64u << 10;
// A side is not read while this much of what it sent still waits for the other side.
constexpr std::size_t pending_limit = 1u << 20;
constexpr std::uint64_t listener_key = ~0ULL, wakeup_key = ~0ULL - 1;
constexpr auto sweep_every = std::chrono::milliseconds(200);

// Bytes waiting to be written to one socket.
struct byte_queue {
  std::vector<std::uint8_t> data;
  std::size_t off = 0;
  std::size_t size() const { return data.size() - off; }
  void consumed(std::size_t n) {
    off += n;
    if (off < data.size()) return;
    data.clear();
    off = 0;
    if (data.capacity() > pending_limit) data.shrink_to_fit();
  }
};

struct connection {
  explicit connection(const frame_rules& r) : reader(r) {}
  std::uint64_t id = 0;
  int client = -1, engine = -1;
  std::string peer, ip;  // "ADDRESS:PORT", "ADDRESS"
  std::string node;      // the client's CAF node, once its handshake has passed
  client_frame_reader reader;
  byte_queue to_engine, to_client;
  steady::time_point accepted, client_progress, client_heard;
  std::size_t hello_bytes = 0;  // TLS: how many of the first bytes were checked
  std::uint32_t client_mask = 0, engine_mask = 0;
  std::unique_ptr<tls_session> tls;  // with TLS: the client's bytes are ciphertext
};

// At most `per_second` warnings a second; says how many it left out.
class log_limiter {
 public:
  void warn(const std::string& line) {
    auto now = steady::now();
    if (now - window_ >= std::chrono::seconds(1)) {
      if (suppressed_ > 0)
        spdlog::warn("batond guard: {} more connection warnings in the last second", suppressed_);
      window_ = now;
      lines_ = 0;
      suppressed_ = 0;
    }
    if (++lines_ <= per_second)
      spdlog::warn("batond guard: {}", line);
    else
      ++suppressed_;
  }

 private:
  static constexpr int per_second = 20;
  steady::time_point window_{};
  int lines_ = 0;
  std::uint64_t suppressed_ = 0;
};

// "ADDRESS" of "ADDRESS:PORT" or "[ADDRESS]:PORT"; "" when unknown.
std::string address_of(const std::string& peer) {
  if (!peer.empty() && peer[0] == '[') return peer.substr(1, peer.find(']') - 1);
  auto colon = peer.rfind(':');
  return colon == std::string::npos ? "" : peer.substr(0, colon);
}

// Whether byte `at` of a connection's stream may be byte `at` of a TLS record holding a
// ClientHello: content type 22 (handshake), version 3.x, two length bytes, handshake type 1.
bool client_hello_byte(std::size_t at, std::uint8_t b) {
  switch (at) {
    case 0:
      return b == 0x16;
    case 1:
      return b == 0x03;
    case 2:
      return b <= 0x04;
    case 5:
      return b == 0x01;
    default:
      return true;
  }
}

}  // namespace

struct wire_guard::impl {
  guard_options opt;
  int listener = -1, epfd = -1, wakeup = -1;
  std::uint16_t port = 0;
  std::thread thread;
  std::unordered_map<std::uint64_t, std::unique_ptr<connection>> conns;
  std::uint64_t next_id = 1;
  std::atomic<std::uint64_t> accepted{0}, refused{0}, dropped{0};
  bool accepting = true;
  steady::time_point accept_again{};
  log_limiter log;

  ~impl() {
    for (int fd : {listener, epfd, wakeup})
      if (fd >= 0) ::close(fd);
  }

  void watch(int fd, std::uint64_t key, std::uint32_t mask, int op) {
    epoll_event ev{};
    ev.events = mask;
    ev.data.u64 = key;
    ::epoll_ctl(epfd, op, fd, &ev);
  }

  void run();
  void on_event(std::uint64_t key, std::uint32_t events);
  void accept_all();
  void open_connection(int client);
  void client_readable(connection& c);
  void engine_readable(connection& c);
  void flush(connection& c);
  void report_node(connection& c);
  void update_interest(connection& c);
  void drop(std::uint64_t id, const std::string& why);
  void sweep();
};

void wire_guard::impl::run() {
  epoll_event events[64];
  auto next_sweep = steady::now() + sweep_every;
  for (;;) {
    int n = ::epoll_wait(epfd, events, 64, static_cast<int>(sweep_every.count()));
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 == wakeup_key) {
        for (auto& [id, c] : conns) {
          ::close(c->client);
          ::close(c->engine);
        }
        conns.clear();
        return;
      }
      on_event(events[i].data.u64, events[i].events);
    }
    if (steady::now() >= next_sweep) {
      sweep();
      next_sweep = steady::now() + sweep_every;
    }
  }
}

void wire_guard::impl::on_event(std::uint64_t key, std::uint32_t events) {
  if (key == listener_key) return accept_all();
  auto it = conns.find(key >> 1);
  if (it == conns.end()) return;  // dropped earlier in this batch
  auto& c = *it->second;
  bool engine_side = key & 1;
  if (events & EPOLLERR) return drop(c.id, "");
  if (events & EPOLLIN) {
    engine_side ? engine_readable(c) : client_readable(c);
    if (conns.find(key >> 1) == conns.end()) return;
  } else if (events & EPOLLHUP) {
    return drop(c.id, "");
  }
  flush(c);
}

void wire_guard::impl::accept_all() {
  for (int i = 0; i < 64; ++i) {
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        log.warn(std::string("cannot accept: ") + std::strerror(errno) + "; pausing for 1 s");
        accepting = false;  // the listener stays readable: retry after a pause, not in a loop
        accept_again = steady::now() + std::chrono::seconds(1);
        watch(listener, listener_key, 0, EPOLL_CTL_MOD);
      }
      return;
    }
    if (conns.size() >= static_cast<std::size_t>(opt.max_connections)) {
      ++refused;
      log.warn("refused " + peer_name(fd) + ": " + std::to_string(conns.size()) +
               " connections open (engine.maxConnections)");
      ::close(fd);
      continue;
    }
    open_connection(fd);
  }
}

void wire_guard::impl::open_connection(int client) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0) {
    log.warn("cannot open a channel to the engine for " + peer_name(client) + ": " +
             std::strerror(errno));
    ::close(client);
    return;
  }
  int engine = pair[0];
  opt.hand_over(pair[1]);
  set_nodelay(client);
  auto c = std::make_unique<connection>(opt.rules);
  c->id = next_id++;
  c->client = client;
  c->engine = engine;
  c->peer = peer_name(client);
  c->ip = address_of(c->peer);
  c->accepted = c->client_progress = c->client_heard = steady::now();
  if (opt.tls) c->tls = std::make_unique<tls_session>(*opt.tls);
  ++accepted;
  auto& ref = *c;
  conns.emplace(c->id, std::move(c));
  ref.client_mask = EPOLLIN;
  ref.engine_mask = EPOLLIN;
  watch(ref.client, ref.id << 1, ref.client_mask, EPOLL_CTL_ADD);
  watch(ref.engine, (ref.id << 1) | 1, ref.engine_mask, EPOLL_CTL_ADD);
}

void wire_guard::impl::client_readable(connection& c) {
  std::uint8_t buf[read_chunk];
  auto n = ::recv(c.client, buf, sizeof buf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) return drop(c.id, "");  // the client left
  c.client_heard = steady::now();
  if (!c.tls) {
    auto why = c.reader.feed(buf, static_cast<std::size_t>(n), c.to_engine.data);
    if (!why.empty()) return drop(c.id, why);
    return report_node(c);
  }
  for (std::size_t i = 0; c.hello_bytes < 6 && i < static_cast<std::size_t>(n); ++i)
    if (!client_hello_byte(c.hello_bytes++, buf[i]))
      return drop(c.id, "its first bytes are not a TLS ClientHello (a client without TLS?)");
  std::vector<std::uint8_t> plain;
  auto why = c.tls->from_network(buf, static_cast<std::size_t>(n), plain);
  if (c.to_client.size() == 0) c.client_progress = steady::now();
  c.tls->take_output(c.to_client.data);  // handshake records
  if (!why.empty()) return drop(c.id, why);
  if (plain.empty()) return;
  why = c.reader.feed(plain.data(), plain.size(), c.to_engine.data);
  if (!why.empty()) return drop(c.id, why);
  report_node(c);
}

void wire_guard::impl::report_node(connection& c) {
  if (!c.node.empty() || !c.reader.handshake_done()) return;
  c.node = c.reader.client_node();
  if (opt.peer_opened) opt.peer_opened(c.node, c.ip);
}

void wire_guard::impl::engine_readable(connection& c) {
  std::uint8_t buf[read_chunk];
  auto n = ::recv(c.engine, buf, sizeof buf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) return drop(c.id, "");  // CAF closed the connection
  if (c.to_client.size() == 0) c.client_progress = steady::now();
  if (!c.tls) {
    c.to_client.data.insert(c.to_client.data.end(), buf, buf + n);
    return;
  }
  auto why = c.tls->to_client(buf, static_cast<std::size_t>(n));
  c.tls->take_output(c.to_client.data);
  if (!why.empty()) drop(c.id, why);
}

void wire_guard::impl::flush(connection& c) {
  auto write = [&](int fd, byte_queue& q) {
    while (q.size() > 0) {
      auto n = ::send(fd, q.data.data() + q.off, q.size(), MSG_NOSIGNAL);
      if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
      q.consumed(static_cast<std::size_t>(n));
      if (fd == c.client) c.client_progress = steady::now();
    }
    return true;
  };
  if (!write(c.engine, c.to_engine) || !write(c.client, c.to_client)) return drop(c.id, "");
  update_interest(c);
}

void wire_guard::impl::update_interest(connection& c) {
  std::uint32_t client_mask = (c.to_engine.size() < pending_limit ? EPOLLIN : 0u) |
                              (c.to_client.size() > 0 ? EPOLLOUT : 0u);
  std::uint32_t engine_mask = (c.to_client.size() < pending_limit ? EPOLLIN : 0u) |
                              (c.to_engine.size() > 0 ? EPOLLOUT : 0u);
  if (client_mask != c.client_mask) watch(c.client, c.id << 1, client_mask, EPOLL_CTL_MOD);
  if (engine_mask != c.engine_mask) watch(c.engine, (c.id << 1) | 1, engine_mask, EPOLL_CTL_MOD);
  c.client_mask = client_mask;
  c.engine_mask = engine_mask;
}

void wire_guard::impl::drop(std::uint64_t id, const std::string& why) {
  auto it = conns.find(id);
  if (it == conns.end()) return;
  auto& c = *it->second;
  if (!why.empty()) {
    ++dropped;
    log.warn("dropped " + c.peer + ": " + why);
  }
  if (c.tls && c.to_client.size() > 0) {  // a TLS alert saying why, if the socket takes it now
    [[maybe_unused]] auto n = ::send(c.client, c.to_client.data.data() + c.to_client.off,
                                     c.to_client.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  if (!c.node.empty() && opt.peer_closed) opt.peer_closed(c.node, c.ip);
  ::epoll_ctl(epfd, EPOLL_CTL_DEL, c.client, nullptr);
  ::epoll_ctl(epfd, EPOLL_CTL_DEL, c.engine, nullptr);
  ::close(c.client);
  ::close(c.engine);
  conns.erase(it);
}

void wire_guard::impl::sweep() {
  auto now = steady::now();
  std::vector<std::pair<std::uint64_t, std::string>> late;
  for (auto& [id, c] : conns) {
    if (c->tls && !c->tls->handshake_done() && now - c->client_heard > opt.tls_silence_timeout)
      late.emplace_back(id, "silent for " + std::to_string(opt.tls_silence_timeout.count()) +
                                " ms before its TLS handshake was done");
    else if (!c->reader.handshake_done() && now - c->accepted > opt.handshake_timeout)
      late.emplace_back(id, "no client handshake within " +
                                std::to_string(opt.handshake_timeout.count() / 1000) +
                                " s (engine.handshakeTimeoutSeconds)");
    else if (c->to_client.size() > 0 && now - c->client_progress > opt.stall_timeout)
      late.emplace_back(id, "took none of its replies for " +
                                std::to_string(opt.stall_timeout.count() / 1000) + " s");
  }
  for (auto& [id, why] : late) drop(id, why);
  if (!accepting && now >= accept_again) {
    accepting = true;
    watch(listener, listener_key, EPOLLIN, EPOLL_CTL_MOD);
  }
}

wire_guard::wire_guard(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

wire_guard::~wire_guard() {
  stop();
}

std::uint16_t wire_guard::port() const {
  return impl_->port;
}

guard_counters wire_guard::counters() const {
  return {impl_->accepted.load(), impl_->refused.load(), impl_->dropped.load()};
}

void wire_guard::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(impl_->wakeup, &one, sizeof one);
  impl_->thread.join();
}

result<std::unique_ptr<wire_guard>> wire_guard::start(const guard_options& o) {
  auto p = std::make_unique<impl>();
  p->opt = o;
  auto where = o.listen_host + ":" + std::to_string(o.listen_port);
  std::string why;
  p->port = o.listen_port;
  p->listener = listen_socket(o.listen_host, p->port, why);
  if (p->listener < 0) return make_error(errc::unavailable, where, "cannot listen: " + why);
  // Each connection holds three descriptors: the client's, the guard's to CAF and CAF's.
  auto wanted = 3 * static_cast<std::uint64_t>(o.max_connections) + 1024;
  if (auto got = raise_open_files(wanted); got < wanted)
    spdlog::warn("batond guard: the open-files limit is {} (wanted {} for {} connections)", got,
                 wanted, o.max_connections);
  p->epfd = ::epoll_create1(EPOLL_CLOEXEC);
  p->wakeup = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (p->epfd < 0 || p->wakeup < 0)
    return make_error(errc::unavailable, where, std::string("epoll: ") + std::strerror(errno));
  p->watch(p->listener, listener_key, EPOLLIN, EPOLL_CTL_ADD);
  p->watch(p->wakeup, wakeup_key, EPOLLIN, EPOLL_CTL_ADD);
  auto* raw = p.get();
  p->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<wire_guard>(new wire_guard(std::move(p)));
}

}  // namespace baton::guard
