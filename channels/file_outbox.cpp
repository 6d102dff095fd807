#include "channels/file_outbox.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>

namespace baton::channels {

namespace {

std::string sys_error(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

void fsync_dir(const std::string& dir) {
  int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0) return;
  ::fsync(d);
  ::close(d);
}

std::vector<delivery_result> all_failed(const std::vector<message>& batch,
                                        const std::string& reason) {
  std::vector<delivery_result> out;
  for (const auto& m : batch)
    out.push_back({m.message_id, delivery_status::failed, false, true, reason});
  return out;
}

}  // namespace

file_outbox::file_outbox(std::string dir, std::string channel)
    : dir_(std::move(dir)), path_(dir_ + "/" + channel + ".jsonl") {}

file_outbox::~file_outbox() {
  if (fd_ >= 0) ::close(fd_);
}

status file_outbox::open() {
  std::lock_guard lock(mu_);
  return open_locked();
}

file_outbox::stats file_outbox::file_stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

status file_outbox::open_locked() {
  if (fd_ >= 0) return ok_status();
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec)
    return make_error(errc::failed, dir_, "cannot create the outbox directory: " + ec.message());
  int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return make_error(errc::failed, path_, sys_error("cannot open the outbox"));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return make_error(errc::unavailable, path_, "the outbox is in use by another writer");
  }
  fsync_dir(dir_);  // the file's directory entry is durable before anything is acknowledged
  // Scan: every complete line's message_id; `good` ends after the last newline.
  std::unordered_set<std::string> ids;
  stats st;
  std::string carry;
  std::uint64_t good = 0, total = 0;
  std::vector<char> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string err = sys_error("cannot read the outbox");
      ::close(fd);
      return make_error(errc::failed, path_, err);
    }
    if (n == 0) break;
    total += static_cast<std::uint64_t>(n);
    carry.append(buf.data(), static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (auto nl = carry.find('\n'); nl != std::string::npos; nl = carry.find('\n', start)) {
      auto j =
          nlohmann::json::parse(carry.begin() + static_cast<std::ptrdiff_t>(start),
                                carry.begin() + static_cast<std::ptrdiff_t>(nl), nullptr, false);
      if (!j.is_discarded() && j.is_object() && j.contains("message_id") &&
          j["message_id"].is_string())
        ids.insert(j["message_id"].get<std::string>());
      else
        st.corrupt_lines++;
      good += nl + 1 - start;
      start = nl + 1;
    }
    carry.erase(0, start);
  }
  if (good < total) {  // a torn last line: the batch that wrote it was never acknowledged
    st.torn_bytes = total - good;
    if (::ftruncate(fd, static_cast<off_t>(good)) != 0 || ::fdatasync(fd) != 0) {
      std::string err = sys_error("cannot cut the torn last line of the outbox");
      ::close(fd);
      return make_error(errc::failed, path_, err);
    }
  }
  st.messages = ids.size();
  fd_ = fd;
  size_ = good;
  ids_ = std::move(ids);
  stats_ = st;
  return ok_status();
}

std::vector<delivery_result> file_outbox::send(const std::vector<message>& batch,
                                               const send_hooks& hooks) {
  if (hooks.stop_requested && hooks.stop_requested()) return all_failed(batch, k_stopped_reason);
  std::lock_guard lock(mu_);
  if (auto st = open_locked(); !st) return all_failed(batch, st.err().message());
  std::vector<delivery_result> out;
  std::vector<const std::string*> fresh;
  std::unordered_set<std::string_view> in_batch;  // views of the batch's own ids
  std::string data;
  out.reserve(batch.size());
  fresh.reserve(batch.size());
  in_batch.reserve(batch.size());
  std::size_t bytes = 0;
  for (const auto& m : batch) bytes += m.line.size() + 1;
  data.reserve(bytes);
  for (const auto& m : batch) {
    bool known = ids_.count(m.message_id) || !in_batch.insert(m.message_id).second;
    out.push_back({m.message_id, delivery_status::sent, known, false, {}});
    if (known) continue;
    if (!m.line.empty())  // made ahead (channel_rows): appended without a copy
      data += m.line;
    else
      data += json_line(m);
    data += '\n';
    fresh.push_back(&m.message_id);
  }
  if (data.empty()) return out;
  std::size_t written = 0;
  bool ok = true;
  std::string why;
  while (written < data.size()) {
    ssize_t n = ::pwrite(fd_, data.data() + written, data.size() - written,
                         static_cast<off_t>(size_ + written));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      why = sys_error("cannot write the outbox");
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  if (ok && ::fdatasync(fd_) != 0) {
    ok = false;
    why = sys_error("cannot sync the outbox");
  }
  if (!ok) {
    // Undo the partial batch so the file holds only acknowledged lines; if even that fails, the
    // next open() finds the truth in the file (and cuts a torn line).
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0 || ::fdatasync(fd_) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    std::vector<delivery_result> failed;
    for (auto& r : out)
      failed.push_back(ids_.count(r.message_id)
                           ? r
                           : delivery_result{r.message_id, delivery_status::failed, false, true,
                                             path_ + ": " + why});
    return failed;
  }
  size_ += data.size();
  ids_.reserve(ids_.size() + fresh.size());
  for (const auto* id : fresh) ids_.insert(*id);
  stats_.messages = ids_.size();
  return out;
}

}  // namespace baton::channels
