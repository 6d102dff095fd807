#include "model/feedback_keys.hpp"

#include <sodium.h>

#include <algorithm>

namespace baton {

namespace {

const unsigned char k_zero_key[crypto_shorthash_KEYBYTES] = {};

std::size_t slot_of(std::uint64_t key, std::size_t mask) {
  return static_cast<std::size_t>(key) & mask;  // SipHash output: the low bits are uniform
}

}  // namespace

std::uint64_t feedback_keys::key_of_text(std::string_view text) {
  unsigned char out[crypto_shorthash_BYTES];
  crypto_shorthash(out, reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                   k_zero_key);
  std::uint64_t k = 0;
  for (int i = 7; i >= 0; --i) k = (k << 8) | out[i];
  return k == 0 ? 1 : k;  // 0 marks an empty slot
}

std::uint64_t feedback_keys::key_of(std::string_view message_id, std::string_view event,
                                    time_us at) {
  std::string text;
  text.reserve(message_id.size() + event.size() + 22);
  text.append(message_id).append("|").append(event).append("|").append(std::to_string(at));
  return key_of_text(text);
}

bool feedback_keys::contains(std::uint64_t key) const {
  if (slots_.empty()) return false;
  std::size_t mask = slots_.size() - 1;
  for (std::size_t i = slot_of(key, mask);; i = (i + 1) & mask) {
    if (slots_[i] == key) return true;
    if (slots_[i] == 0) return false;
  }
}

bool feedback_keys::insert(std::uint64_t key) {
  if (key == 0) key = 1;
  if ((size_ + 1) * 4 > slots_.size() * 3) grow();  // at most 3/4 full
  std::size_t mask = slots_.size() - 1;
  for (std::size_t i = slot_of(key, mask);; i = (i + 1) & mask) {
    if (slots_[i] == key) return false;
    if (slots_[i] == 0) {
      slots_[i] = key;
      ++size_;
      return true;
    }
  }
}

void feedback_keys::grow() {
  std::vector<std::uint64_t> old;
  old.swap(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, 0);
  std::size_t mask = slots_.size() - 1;
  for (auto k : old)
    if (k != 0) {
      std::size_t i = slot_of(k, mask);
      while (slots_[i] != 0) i = (i + 1) & mask;
      slots_[i] = k;
    }
}

std::vector<std::uint64_t> feedback_keys::sorted() const {
  std::vector<std::uint64_t> out;
  out.reserve(size_);
  for (auto k : slots_)
    if (k != 0) out.push_back(k);
  std::sort(out.begin(), out.end());
  return out;
}

bool feedback_keys::operator==(const feedback_keys& o) const {
  if (size_ != o.size_) return false;
  for (auto k : slots_)
    if (k != 0 && !o.contains(k)) return false;
  return true;
}

std::string feedback_keys::encode() const {
  auto keys = sorted();
  std::vector<unsigned char> bytes(keys.size() * 8);
  for (std::size_t i = 0; i < keys.size(); ++i)
    for (int b = 0; b < 8; ++b) bytes[i * 8 + b] = static_cast<unsigned char>(keys[i] >> (8 * b));
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

bool feedback_keys::decode(std::string_view text) {
  std::vector<unsigned char> bytes(text.size() / 4 * 3 + 3);
  std::size_t n = 0;
  if (sodium_base642bin(bytes.data(), bytes.size(), text.data(), text.size(), nullptr, &n, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      n % 8 != 0)
    return false;
  feedback_keys out;
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t k = 0;
    for (int b = 7; b >= 0; --b) k = (k << 8) | bytes[i + static_cast<std::size_t>(b)];
    if (k == 0 || !out.insert(k)) return false;
  }
  *this = std::move(out);
  return true;
}

}  // namespace baton
