#include "channels/send_journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace baton::channels {

namespace {

error io_error(const std::string& path, const std::string& what) {
  return make_error(errc::failed, path, what + ": " + std::strerror(errno));
}

}  // namespace

result<send_journal::contents> send_journal::read(const std::string& path) {
  contents c;
  std::ifstream in(path, std::ios::binary);
  if (!in) return c;
  std::stringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  std::size_t at = 0;
  for (;;) {
    auto nl = text.find('\n', at);
    if (nl == std::string::npos) break;  // a torn last line: its write never finished
    std::string l = text.substr(at, nl - at);
    at = nl + 1;
    if (l.size() < 3 || l[1] != ' ') continue;
    std::string id = l.substr(2);
    switch (l[0]) {
      case '>':
        c.in_doubt.insert(id);
        break;
      case '+':
        c.in_doubt.erase(id);
        c.refused.erase(id);
        c.accepted.insert(id);
        break;
      case '-':
        c.in_doubt.erase(id);
        if (!c.accepted.count(id)) c.refused.insert(id);
        break;
      case 'x':
        c.in_doubt.erase(id);
        break;
      default:
        break;
    }
  }
  for (const auto& id : c.accepted) c.in_doubt.erase(id);
  return c;
}

send_journal::~send_journal() {
  if (fd_ >= 0) ::close(fd_);
}

send_journal::send_journal(send_journal&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) {
  o.fd_ = -1;
}

send_journal& send_journal::operator=(send_journal&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

result<send_journal> send_journal::open(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return io_error(path, "cannot open the send journal");
  send_journal j;
  j.fd_ = fd;
  j.path_ = path;
  return j;
}

status send_journal::line(char kind, const std::string& id) {
  if (fd_ < 0) return make_error(errc::failed, path_, "the send journal is not open");
  std::string l;
  l.reserve(id.size() + 3);
  l += kind;
  l += ' ';
  l += id;
  l += '\n';
  // O_APPEND: one write(2) of one line; a kill between two writes leaves whole lines only (or a
  // torn last one, which read() ignores).
  for (;;) {
    auto n = ::write(fd_, l.data(), l.size());
    if (n == static_cast<ssize_t>(l.size())) return ok_status();
    if (n < 0 && errno == EINTR) continue;
    return io_error(path_, "cannot write the send journal");
  }
}

status send_journal::clear() {
  if (fd_ < 0) return ok_status();
  if (::ftruncate(fd_, 0) != 0) return io_error(path_, "cannot clear the send journal");
  return ok_status();
}

void send_journal::remove(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

}  // namespace baton::channels
