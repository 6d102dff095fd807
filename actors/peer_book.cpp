#include "actors/peer_book.hpp"

namespace baton {

void peer_book::opened(const std::string& node, const std::string& ip) {
  std::lock_guard lock(mu_);
  auto& e = nodes_[node];
  if (e.ip != ip) e = entry{ip, 0};  // the latest connection's address counts
  ++e.connections;
}

void peer_book::closed(const std::string& node, const std::string& ip) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end() || it->second.ip != ip) return;
  if (--it->second.connections <= 0) nodes_.erase(it);
}

std::string peer_book::ip_of(const std::string& node) const {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(node);
  return it == nodes_.end() ? "" : it->second.ip;
}

}  // namespace baton
