// Test helper: damage one column family of a closed event store on disk, as a bad disk would.
// Its table files fail RocksDB's block checksum, so reads of that family fail (Corruption).
#pragma once

#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/db.h>

namespace baton::testing {

// Flushes every column family to table files (through RocksDB itself), then flips bytes at the
// start of each table file of `family`: its first data block no longer matches its checksum.
inline void damage_family(const std::string& dir, const std::string& family) {
  std::vector<std::string> files;
  {
    std::vector<rocksdb::ColumnFamilyDescriptor> ds;
    for (auto* n : {"default", "log", "streams", "heads", "snapshots", "meta"})
      ds.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> cfs;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::Options(), dir, ds, &cfs, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    REQUIRE(db->Flush(rocksdb::FlushOptions(), cfs).ok());
    std::vector<rocksdb::LiveFileMetaData> live;
    db->GetLiveFilesMetaData(&live);
    for (auto& f : live)
      if (f.column_family_name == family) files.push_back(f.db_path + "/" + f.name);
    for (auto* h : cfs) db->DestroyColumnFamilyHandle(h);
    REQUIRE(db->Close().ok());
  }
  REQUIRE_FALSE(files.empty());
  for (auto& path : files) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(f);
    char bytes[16];
    f.seekg(4);
    f.read(bytes, sizeof bytes);
    for (auto& b : bytes) b = static_cast<char>(~b);
    f.seekp(4);
    f.write(bytes, sizeof bytes);
    REQUIRE(f);
  }
}

}  // namespace baton::testing
