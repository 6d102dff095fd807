// The engine's copy of the security fold (model/security.hpp), shared by the registry, the
// campaign actors and the API gate: readers take a consistent snapshot without locking for long;
// the registry applies each security event once the writer has made it durable.
#pragma once

#include <memory>
#include <mutex>

#include "model/security.hpp"
#include "store/event_store.hpp"

namespace baton {

class security_book {
 public:
  // Folds the store's "security" stream.
  static result<std::shared_ptr<security_book>> load(const event_store& store);
  std::shared_ptr<const security_state> get() const {
    std::lock_guard lock(mu_);
    return state_;
  }
  // Applies one durable event of the security stream.
  void apply(const event& e) {
    std::lock_guard lock(mu_);
    auto next = std::make_shared<security_state>(*state_);
    (void)baton::apply(*next, e);
    state_ = std::move(next);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const security_state> state_ = std::make_shared<security_state>();
};

inline result<std::shared_ptr<security_book>> security_book::load(const event_store& store) {
  auto es = store.read_stream(ev::security_stream);
  if (!es) return es.err();
  auto s = std::make_shared<security_state>();
  for (auto& e : es.value())
    if (auto st = baton::apply(*s, e); !st) return st.err();
  auto b = std::make_shared<security_book>();
  b->state_ = std::move(s);
  return b;
}

}  // namespace baton
