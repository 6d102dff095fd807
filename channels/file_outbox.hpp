// The file outbox: appends one JSON object per message to DIR/<channel>.jsonl and never writes a
// message_id twice, even across crashes — the file itself is the index (scanned on open), each
// batch is one write + fdatasync, and a torn last line left by a crash is cut off on open.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>

#include "channels/connector.hpp"

namespace baton::channels {

class file_outbox final : public connector {
 public:
  // The file is DIR/<channel>.jsonl; DIR is created when missing. Nothing is opened until the
  // first send (or open()).
  file_outbox(std::string dir, std::string channel);
  ~file_outbox() override;

  // Opens the file, reads the message_ids it holds, and truncates a last line without its
  // newline (a write torn by a crash; that message was never acknowledged as sent). Called by
  // send when needed; calling it first reports an I/O problem early.
  status open();
  // The batch is written whole and synced, or not at all; a stop asked before it starts sends
  // none of it.
  std::vector<delivery_result> send(const std::vector<message>& batch,
                                    const send_hooks& hooks) override;
  using connector::send;
  const char* kind() const override { return "file"; }
  bool idempotent() const override { return true; }

  const std::string& path() const { return path_; }
  struct stats {
    std::uint64_t messages = 0;       // distinct message_ids in the file
    std::uint64_t torn_bytes = 0;     // bytes cut off by open()
    std::uint64_t corrupt_lines = 0;  // complete lines that are not a message (kept, ignored)
  };
  stats file_stats() const;

 private:
  status open_locked();
  std::string dir_, path_;
  mutable std::mutex mu_;
  int fd_ = -1;
  std::uint64_t size_ = 0;  // bytes of complete lines
  std::unordered_set<std::string> ids_;
  stats stats_;
};

}  // namespace baton::channels
