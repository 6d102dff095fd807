// Which IP address each connected client node speaks from, as batond's wire guard saw the TCP
// peer of the connection that carried the node's BASP handshake (CAF itself sees socketpairs).
// Thread-safe: the guard's thread writes, the gate reads. A node unknown here has IP "".
#pragma once

#include <map>
#include <mutex>
#include <string>

namespace baton {

class peer_book {
 public:
  // A connection from `ip` said it is `node` (caf::to_string of its node id).
  void opened(const std::string& node, const std::string& ip);
  // That connection closed; the node is forgotten when no connection from `ip` carries it.
  void closed(const std::string& node, const std::string& ip);
  std::string ip_of(const std::string& node) const;

 private:
  struct entry {
    std::string ip;
    int connections = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, entry> nodes_;
};

}  // namespace baton
