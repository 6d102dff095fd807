#include "actors/writer.hpp"

#include <map>

#include "actors/api.hpp"
#include "actors/messages.hpp"
#include "model/event_json.hpp"

namespace baton {

namespace {

using committed_atom = caf::atom_constant<caf::atom("committed")>;

struct commit_outcome {
  std::uint64_t token = 0;
  result<append_result> r = error{};
};

}  // namespace
}  // namespace baton

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(baton::commit_outcome)

namespace baton {

namespace {

struct writer_state {
  std::shared_ptr<event_store> store;
  std::map<std::uint64_t, caf::response_promise> pending;
  std::uint64_t next_token = 1;
  std::vector<std::pair<caf::actor, std::string>> subscribers;  // (who, campaign or "")
  static inline const char* name = "event_writer";
};

void publish(caf::stateful_actor<writer_state>* self, const append_result& r) {
  auto& st = self->state;
  if (st.subscribers.empty() || r.duplicate || r.ranges.empty()) return;
  std::uint64_t first = r.ranges.front().first_global, last = r.ranges.back().last_global;
  auto events = st.store->read_all(first, last - first + 1);
  if (!events) return;
  const auto& catalog = baton_event_catalog();
  for (auto& e : events.value()) {
    auto line = event_to_json(e, catalog).dump();
    for (auto& [who, campaign] : st.subscribers)
      if (campaign.empty() || e.stream == "campaign/" + campaign)
        caf::anon_send(who, event_atom::value, line);  // the writer's handle never leaves
  }
}

}  // namespace

caf::actor spawn_event_writer(caf::actor_system& sys, std::shared_ptr<event_store> store) {
  return sys.spawn([store](caf::stateful_actor<writer_state>* self) -> caf::behavior {
    self->state.store = store;
    self->set_down_handler([self](const caf::down_msg& dm) {
      auto& subs = self->state.subscribers;
      subs.erase(std::remove_if(subs.begin(), subs.end(),
                                [&](auto& s) { return s.first.address() == dm.source; }),
                 subs.end());
    });
    return {
        [self](append_atom, append_batch& b) -> caf::result<append_result> {
          auto rp = self->make_response_promise();
          auto token = self->state.next_token++;
          self->state.pending.emplace(token, rp);
          caf::actor me = caf::actor_cast<caf::actor>(self);
          self->state.store->append_async(
              std::move(b.requests), std::move(b.opts), [me, token](result<append_result> r) {
                caf::anon_send(me, committed_atom::value, commit_outcome{token, std::move(r)});
              });
          return caf::delegated<append_result>{};
        },
        [self](committed_atom, commit_outcome& o) {
          auto it = self->state.pending.find(o.token);
          if (it == self->state.pending.end()) return;
          auto rp = it->second;
          self->state.pending.erase(it);
          if (o.r.ok()) {
            rp.deliver(o.r.value());
            publish(self, o.r.value());
          } else {
            rp.deliver(to_caf(o.r.err()));
          }
        },
        [self](subscribe_atom, std::string& campaign, caf::actor& who) {
          self->monitor(who);
          self->state.subscribers.emplace_back(who, campaign);
        },
        [self](unsubscribe_atom, caf::actor& who) {
          auto& subs = self->state.subscribers;
          subs.erase(
              std::remove_if(subs.begin(), subs.end(), [&](auto& s) { return s.first == who; }),
              subs.end());
        },
    };
  });
}

}  // namespace baton
