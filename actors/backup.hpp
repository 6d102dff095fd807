// Backups of a whole data dir, and their restore (CAF-free: batonctl embedded and batond's
// `backup` command share it). A backup directory is itself a data dir — events/ (a RocksDB
// checkpoint), the SQLite data plane (online backup API), schema.json, config.json — plus
// manifest.json naming every file with its size and SHA-256. PostgreSQL data is not copied: the
// report says to run pg_dump beside it (docs/operations.md, "Backup and restore").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/result.hpp"
#include "store/event_store.hpp"

namespace baton {

struct backup_report {
  std::string dir;
  std::uint64_t events = 0;        // the checkpoint's head sequence
  std::string head;                // SEQ:HASH of its last event ("" when empty)
  std::string data;                // "sqlite" (copied) or "postgresql" (not copied)
  std::vector<std::string> files;  // relative to dir, manifest.json last
  std::vector<std::string> notes;  // what the operator must do besides (pg_dump, data.url)
};

// Writes the backup of the data dir served by `store` into `target` (which must not exist):
// the event store first, then the data plane, so that every worktable and delivery the events
// name is in the copy (the data plane may be a little ahead: re-run tasks overwrite it).
result<backup_report> write_backup(const event_store& store, const std::string& data_dir,
                                   const std::string& data_url, const std::string& target);

// {"backup": DIR, "events": N, "head", "data", "files": [...], "notes": [...]} (backup --json).
nlohmann::json backup_to_json(const backup_report& r);

struct restore_report {
  std::string data_dir;
  std::uint64_t events = 0, files = 0;
  std::vector<std::string> notes;
};

// Checks every file of the backup against its manifest (errc::integrity naming the first that
// differs), copies it into `data_dir` (which must not exist or be empty: errc::refused), and
// opens the restored event store once (errc::integrity if it does not verify).
result<restore_report> restore_backup(const std::string& backup_dir, const std::string& data_dir);

}  // namespace baton
