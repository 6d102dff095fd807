// The few POSIX socket calls the wire guard needs, as small functions that return a descriptor
// (or -1 with the reason in `why`): a non-blocking listener on HOST:PORT, a peer's address as
// text, the open-files limit. IPv4 and IPv6.
#pragma once

#include <cstdint>
#include <string>

namespace baton::guard {

// Binds and listens on host:port (port 0 = any); returns the socket, the bound port in `port`.
int listen_socket(const std::string& host, std::uint16_t& port, std::string& why);
// "ADDRESS:PORT" ("[ADDRESS]:PORT" for IPv6) of the socket's peer, "?" when unknown.
std::string peer_name(int fd);
// Disables Nagle's algorithm: request and reply frames go out at once.
void set_nodelay(int fd);
// Raises the soft limit on open files towards `wanted` (at most the hard limit); returns it.
std::uint64_t raise_open_files(std::uint64_t wanted);

}  // namespace baton::guard
