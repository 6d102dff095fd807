// What a tracking hit needs to know of its message (its delivery and link table), kept for the
// most recently hit messages (bounded LRU): both rows are written once at send and never change.
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "audience/deliveries.hpp"

namespace baton {

// A message's rows as a hit needs them: the delivery, and the link table when it has one.
struct message_facts {
  audience::delivery_ref delivery;
  std::optional<std::vector<std::string>> links;  // nullopt = the message has no link table
};

// Thread-safe; at most `capacity` messages, the least recently used one leaves first. Only
// what was found is kept: a message not yet recorded is looked up again on its next hit.
class message_cache {
 public:
  explicit message_cache(std::size_t capacity) : capacity_(capacity) {}

  std::optional<message_facts> get(const std::string& message_id) {
    std::lock_guard<std::mutex> g(mu_);
    auto it = index_.find(message_id);
    if (it == index_.end()) return std::nullopt;
    order_.splice(order_.begin(), order_, it->second);  // now the most recent
    return it->second->second;
  }

  void put(const std::string& message_id, message_facts f) {
    if (capacity_ == 0) return;
    std::lock_guard<std::mutex> g(mu_);
    if (auto it = index_.find(message_id); it != index_.end()) {
      it->second->second = std::move(f);
      order_.splice(order_.begin(), order_, it->second);
      return;
    }
    order_.emplace_front(message_id, std::move(f));
    index_[message_id] = order_.begin();
    if (order_.size() > capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }

  std::size_t size() const {
    std::lock_guard<std::mutex> g(mu_);
    return order_.size();
  }

 private:
  using entry = std::pair<std::string, message_facts>;
  std::size_t capacity_;
  mutable std::mutex mu_;
  std::list<entry> order_;  // most recently used first
  std::unordered_map<std::string, std::list<entry>::iterator> index_;
};

}  // namespace baton
