// The WAL's framing (RocksDB's log format, the same as LevelDB's): the file is a run of 32 KiB
// blocks; a block holds records, each a header — masked CRC32C (4 bytes, little-endian), payload
// length (2), type (1), and for the "recyclable" types 5-8 the log number (4) — then the payload.
// A record never crosses a block; fewer than a header's bytes left in a block are zero padding.
// The CRC covers the type byte, the log number when there is one, and the payload.
#include "store/wal_check.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <rocksdb/file_checksum.h>

namespace baton {

namespace {

constexpr std::size_t block_size = 32768;
constexpr std::size_t header_size = 7, recyclable_header_size = 11;
constexpr unsigned char last_known_type = 10;  // up to kUserDefinedTimestampSizeType

std::uint32_t crc32c(const std::string& data, std::size_t at, std::size_t n, unsigned char type) {
  static const auto factory = rocksdb::GetFileChecksumGenCrc32cFactory();
  auto gen = factory->CreateFileChecksumGenerator(rocksdb::FileChecksumGenContext{});
  char t = static_cast<char>(type);
  gen->Update(&t, 1);
  gen->Update(data.data() + at, n);
  gen->Finalize();
  auto c = gen->GetChecksum();  // big-endian bytes of the CRC
  std::uint32_t v = 0;
  for (unsigned char b : c) v = (v << 8) | b;
  return v;
}

std::uint32_t unmask(std::uint32_t masked) {
  std::uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

std::uint32_t get_le32(const std::string& d, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(d[at + i]);
  return v;
}

enum class record { ok, zero, padding, damaged };

struct record_at {
  record kind = record::ok;
  std::size_t size = 0;  // header + payload, when known
  std::string what;
};

// The record starting at `at` (the caller keeps `at` inside the data).
record_at read_record(const std::string& d, std::size_t at) {
  std::size_t left_in_block = block_size - at % block_size;
  if (left_in_block < header_size) return {record::padding, left_in_block, ""};
  if (d.size() - at < header_size) {
    bool zeros = std::all_of(d.begin() + static_cast<std::ptrdiff_t>(at), d.end(),
                             [](char c) { return c == 0; });
    return {zeros ? record::zero : record::damaged, d.size() - at,
            "record header cut short by the end of the file"};
  }
  auto type = static_cast<unsigned char>(d[at + 6]);
  std::size_t len = static_cast<unsigned char>(d[at + 4]) |
                    (static_cast<std::size_t>(static_cast<unsigned char>(d[at + 5])) << 8);
  if (type == 0 && len == 0) return {record::zero, left_in_block, ""};  // preallocated space
  std::size_t hdr = type >= 5 && type <= 8 ? recyclable_header_size : header_size;
  if (type == 0 || type > last_known_type)
    return {record::damaged, 0, "unknown record type " + std::to_string(type)};
  if (hdr + len > left_in_block) {
    if (at + hdr + len > d.size() && d.size() - at <= left_in_block)
      return {record::damaged, 0, "record cut short by the end of the file"};
    return {record::damaged, 0, "record length " + std::to_string(len) + " crosses its block"};
  }
  if (at + hdr + len > d.size())
    return {record::damaged, 0, "record cut short by the end of the file"};
  std::uint32_t want = unmask(get_le32(d, at));
  std::uint32_t got = 0;
  if (hdr == header_size) {
    got = crc32c(d, at + hdr, len, type);
  } else {  // recyclable: type, log number, payload
    std::string joined = d.substr(at + 7, 4) + d.substr(at + hdr, len);
    got = crc32c(joined, 0, joined.size(), type);
  }
  if (got != want) return {record::damaged, hdr + len, "checksum mismatch"};
  return {record::ok, hdr + len, ""};
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Whether any intact record starts at `from` or at a later block boundary of `d`.
bool intact_record_after(const std::string& d, std::size_t from) {
  auto intact_at = [&](std::size_t at) {
    return at < d.size() && read_record(d, at).kind == record::ok;
  };
  if (intact_at(from)) return true;
  for (std::size_t b = (from / block_size + 1) * block_size; b < d.size(); b += block_size)
    if (intact_at(b)) return true;
  return false;
}

}  // namespace

std::vector<std::string> wal_files(const std::string& dir) {
  std::vector<std::pair<std::uint64_t, std::string>> found;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(dir, ec)) {
    auto name = e.path().filename().string();
    if (name.size() < 5 || name.substr(name.size() - 4) != ".log") continue;
    auto stem = name.substr(0, name.size() - 4);
    if (stem.empty() ||
        !std::all_of(stem.begin(), stem.end(), [](unsigned char c) { return std::isdigit(c); }))
      continue;
    found.emplace_back(std::stoull(stem), e.path().string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(f.second);
  return out;
}

std::optional<wal_damage> find_wal_damage(const std::string& dir) {
  auto files = wal_files(dir);
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto d = read_all(files[i]);
    for (std::size_t at = 0; at < d.size();) {
      auto r = read_record(d, at);
      if (r.kind != record::damaged) {
        at += std::max<std::size_t>(r.size, 1);
        continue;
      }
      wal_damage w{files[i], at, r.what, false};
      bool later_intact = r.size ? intact_record_after(d, at + r.size)
                                 : intact_record_after(d, (at / block_size + 1) * block_size);
      for (std::size_t j = i + 1; j < files.size() && !later_intact; ++j)
        later_intact = intact_record_after(read_all(files[j]), 0);
      w.tail = !later_intact;
      return w;
    }
  }
  return std::nullopt;
}

}  // namespace baton
