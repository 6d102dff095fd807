// An exclusive, advisory lock on a directory (flock on DIR/baton.lock, with the holder's pid
// written inside), released when the object dies — also when the process is killed.
#pragma once

#include <string>

#include "events/result.hpp"

namespace baton {

class dir_lock {
 public:
  // errc::unavailable "DIR is held by pid N" when another process holds it.
  static result<dir_lock> acquire(const std::string& dir);
  dir_lock(dir_lock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  dir_lock& operator=(dir_lock&& other) noexcept;
  dir_lock(const dir_lock&) = delete;
  dir_lock& operator=(const dir_lock&) = delete;
  ~dir_lock();

 private:
  explicit dir_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace baton
