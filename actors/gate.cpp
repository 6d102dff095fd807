#include "actors/gate.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>

#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
#include "actors/security_book.hpp"

namespace baton {

error auth_error() {
  return make_error(errc::refused, "auth",
                    "the API token is missing, wrong or revoked (give a valid one with "
                    "--token-file or $BATON_TOKEN)");
}

namespace {

using clock_type = std::chrono::steady_clock;

// A session the gate opened, and when it was last used (updated by the session itself).
struct session_entry {
  caf::actor handle;
  std::shared_ptr<std::atomic<clock_type::rep>> last_used;
};

struct gate_state {
  std::map<std::string, std::deque<clock_type::time_point>> failures;  // by peer IP (or host)
  std::deque<session_entry> sessions;
  static inline const char* name = "api_gate";
};

// Ends the sessions unused for `idle`, and the least recently used ones beyond `max`.
void prune_sessions(caf::local_actor* self, gate_state& st, clock_type::duration idle,
                    std::size_t max) {
  auto now = clock_type::now().time_since_epoch().count();
  auto stale = [&](const session_entry& e) { return now - e.last_used->load() > idle.count(); };
  std::stable_sort(st.sessions.begin(), st.sessions.end(),
                   [](auto& a, auto& b) { return a.last_used->load() < b.last_used->load(); });
  while (!st.sessions.empty() && (stale(st.sessions.front()) || st.sessions.size() >= max)) {
    self->send_exit(st.sessions.front().handle, caf::exit_reason::user_shutdown);
    st.sessions.pop_front();
  }
}

// The client's machine as CAF names it (its host id); the process id is left out, so a new
// process on the same machine does not start with a clean slate.
std::string peer_of(const caf::strong_actor_ptr& sender) {
  if (!sender) return "local";
  auto text = caf::to_string(sender->node());
  auto hash = text.find('#');
  return hash == std::string::npos ? text : text.substr(0, hash);
}

// The IP address the sender's node speaks from; "" when unknown.
std::string ip_of(const std::shared_ptr<const peer_book>& peers,
                  const caf::strong_actor_ptr& sender) {
  return peers && sender ? peers->ip_of(caf::to_string(sender->node())) : "";
}

// A session: commands act as `user` while the token it was opened with stays valid, and only
// for the node that opened it, from the IP address it opened it from (a handle that reached
// another client, or a node id claimed from elsewhere, is useless there).
engine_api spawn_session(caf::local_actor* parent, const engine_handles& engine,
                         const engine_config& config, std::string user, std::string token_hash,
                         caf::node_id node, std::string ip, std::shared_ptr<const peer_book> peers,
                         std::shared_ptr<std::atomic<clock_type::rep>> last_used) {
  auto api = engine.api;
  auto book = engine.security;
  auto valid = [book, user, token_hash, node, ip, peers, last_used](caf::local_actor* self) {
    last_used->store(clock_type::now().time_since_epoch().count());
    auto sender = self->current_sender();
    if (!sender || sender->node() != node) return false;
    if (auto now_ip = ip_of(peers, sender); now_ip != ip) {
      spdlog::warn("api: a session of {} opened from {} was used from {}; refused", user,
                   ip.empty() ? "?" : ip, now_ip.empty() ? "?" : now_ip);
      return false;
    }
    auto state = book->get();
    auto* u = state->find(user);
    if (!u) return false;
    for (auto& t : u->tokens)
      if (t.hash == token_hash) return true;
    return false;
  };
  return parent->spawn([=](engine_api::pointer self) -> engine_api::behavior_type {
    return {
        [=](command_atom a, api_command& cmd) -> caf::result<std::string> {
          if (!valid(self)) return to_caf(auth_error());
          cmd.actor = user;
          auto rp = self->make_response_promise<std::string>();
          self->request(api, caf::infinite, a, std::move(cmd))
              .then([rp](std::string& r) mutable { rp.deliver(r); },
                    [rp](caf::error& e) mutable { rp.deliver(e); });
          return rp;
        },
        [=](subscribe_atom a, std::string& campaign, caf::actor& who) {
          if (!valid(self)) return;
          if (effective_role(config, *book->get(), user) < role::viewer) return;
          self->send(api, a, campaign, who);
        },
        [=](unsubscribe_atom a, caf::actor& who) {
          if (valid(self)) self->send(api, a, who);
        },
    };
  });
}

}  // namespace

engine_gate spawn_gate(caf::actor_system& sys, const engine_handles& engine,
                       const engine_config& config, gate_options o) {
  return sys.spawn(
      [=](engine_gate::stateful_pointer<gate_state> self) -> engine_gate::behavior_type {
        // A stop of the gate (batond's shutdown) ends every session with it.
        self->set_exit_handler([self](caf::exit_msg& m) {
          for (auto& e : self->state.sessions) self->send_exit(e.handle, m.reason);
          self->state.sessions.clear();
          self->quit(m.reason);
        });
        return {
            [=](authenticate_atom, const std::string& token) -> caf::result<caf::actor> {
              auto sender = self->current_sender();
              auto ip = ip_of(o.peers, sender);
              auto peer = ip.empty() ? peer_of(sender) : ip;
              auto now = clock_type::now();
              auto& tries = self->state.failures[peer];
              while (!tries.empty() && now - tries.front() > o.window) tries.pop_front();
              bool limited = static_cast<int>(tries.size()) >= o.max_failures;
              std::optional<std::string> user;
              if (!limited && sender) user = user_of_token(*engine.security->get(), token);
              if (!user) {
                if (!limited) tries.push_back(now);
                if (tries.empty()) self->state.failures.erase(peer);
                spdlog::warn("api: authentication failed from {}{}", peer,
                             limited ? " (rate limited)" : "");
                caf::anon_send(engine.registry, record_atom::value,
                               security_record{{ev::auth_failed{peer, limited}}, ""});
                return to_caf(auth_error());
              }
              spdlog::info("api: {} authenticated from {}", *user, peer);
              prune_sessions(self, self->state, o.session_idle, o.max_sessions);
              auto used = std::make_shared<std::atomic<clock_type::rep>>(
                  clock_type::now().time_since_epoch().count());
              auto session = caf::actor_cast<caf::actor>(
                  spawn_session(self, engine, config, *user, token_hash(token), sender->node(), ip,
                                o.peers, used));
              self->state.sessions.push_back({session, used});
              return session;
            },
        };
      });
}

}  // namespace baton
