// The feedback a campaign has counted, as fixed-size keys: one 64-bit SipHash of
// "message|event|at" per feedback, in a flat open-addressing set (~14 bytes a feedback).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "events/clock.hpp"

namespace baton {

class feedback_keys {
 public:
  // The key of one feedback: SipHash-2-4 (libsodium's crypto_shorthash, all-zero key) of the
  // text "message|event|at" that older snapshots kept. Two feedbacks share a key with a
  // probability of about n^2 / 2^65 (3e-8 for a million): the second one would not be counted.
  static std::uint64_t key_of(std::string_view message_id, std::string_view event, time_us at);
  static std::uint64_t key_of_text(std::string_view message_event_at);

  // True when `key` was not in the set (it is now).
  bool insert(std::uint64_t key);
  bool contains(std::uint64_t key) const;
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t bytes() const { return slots_.capacity() * sizeof(std::uint64_t); }

  // Snapshot form: the keys in ascending order, base64 of their 8 little-endian bytes each.
  std::string encode() const;
  // False when `text` is not what encode() writes.
  bool decode(std::string_view text);

  bool operator==(const feedback_keys& o) const;

 private:
  std::vector<std::uint64_t> sorted() const;
  void grow();

  std::vector<std::uint64_t> slots_;  // 0 = empty; a power of two long (or empty)
  std::size_t size_ = 0;
};

}  // namespace baton
