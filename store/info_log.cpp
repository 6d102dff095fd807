#include "store/info_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <functional>
#include <thread>

namespace baton {

namespace {

class tolerant_logger : public rocksdb::Logger {
 public:
  explicit tolerant_logger(int fd) : fd_(fd) {}
  ~tolerant_logger() override {
    if (fd_ >= 0) ::close(fd_);
  }
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (fd_ < 0) return;
    char line[4096];
    auto now = std::chrono::system_clock::now();
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(us / 1000000);
    std::tm tm{};
    ::localtime_r(&secs, &tm);
    int n = std::snprintf(line, sizeof line, "%04d/%02d/%02d-%02d:%02d:%02d.%06lld %zx ",
                          tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                          tm.tm_sec, static_cast<long long>(us % 1000000),
                          std::hash<std::thread::id>{}(std::this_thread::get_id()));
    if (n < 0) return;
    auto used = static_cast<std::size_t>(n);
    int m = std::vsnprintf(line + used, sizeof line - used, format, ap);
    if (m < 0) return;
    used = std::min(sizeof line - 1, used + static_cast<std::size_t>(m));
    line[used++] = '\n';
    // One write per line (O_APPEND); a short or failed write (a full disk) is simply lost.
    [[maybe_unused]] auto w = ::write(fd_, line, used);
  }

 private:
  int fd_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> open_info_log(const std::string& dir) {
  auto path = dir + "/LOG";
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && st.st_size > (16 << 20)) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    auto old = dir + "/LOG.old." + std::to_string(us);
    (void)std::rename(path.c_str(), old.c_str());
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  return std::make_shared<tolerant_logger>(fd);
}

}  // namespace baton
