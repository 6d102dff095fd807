// Locating damage in RocksDB's write-ahead log. RocksDB (absolute consistency) refuses a damaged
// WAL but says only what is wrong ("checksum mismatch"), not where; this walks the WAL's documented
// framing (32 KiB blocks of records: masked CRC32C, length, type) and names the file and byte
// offset of the first damaged record, and whether it is a torn tail: nothing intact after it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace baton {

struct wal_damage {
  std::string file;          // full path of the WAL file (DIR/000012.log)
  std::uint64_t offset = 0;  // byte offset of the damaged record in it
  std::string what;          // "checksum mismatch", "record cut short by the end of the file", ...
  bool tail = false;         // in the newest WAL, and no intact record follows it anywhere
};

// The WAL files of a RocksDB directory (NNNNNN.log), oldest first.
std::vector<std::string> wal_files(const std::string& dir);

// The first damaged record of the WAL files in `dir`, or nullopt when every record is intact.
std::optional<wal_damage> find_wal_damage(const std::string& dir);

}  // namespace baton
