// Bulk loading of an entity from a CSV file (header row of column names, ISO-8601 dates, empty
// cell = null): upsert, insert or delete by primary key, in one transaction — a file loads whole
// or not at all — with a rejects file naming the line and the reason of every row not applied.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "audience/backend.hpp"
#include "model/entity_schema.hpp"

namespace baton::audience {

enum class load_mode { upsert, insert, remove };
std::optional<load_mode> load_mode_from_string(const std::string& s);  // upsert|insert|delete

struct load_progress {
  std::uint64_t rows = 0;         // records read so far
  std::uint64_t bytes = 0;        // bytes of the file consumed so far
  std::uint64_t total_bytes = 0;  // the file's size
};

struct load_report {
  std::uint64_t rows = 0;                  // records read (header excluded)
  std::uint64_t applied = 0;               // rows inserted, updated or deleted
  std::uint64_t rejected = 0;              // rows written to the rejects file
  std::uint64_t missing = 0;               // delete mode: keys that matched no row
  std::vector<std::string> first_rejects;  // "line N: reason" for the first 10
};

struct load_request {
  std::string entity;
  std::string path;
  load_mode mode = load_mode::upsert;
  std::string rejects_path;                            // "" = none written (they are still counted)
  std::size_t batch_rows = 50000;                      // rows between progress calls
  std::function<void(const load_progress&)> progress;  // called every batch_rows (optional)
  // When it becomes true (a signal handler may set it) the load stops and rolls back: an error
  // whose `what` is "interrupted", and nothing of the file is in the table.
  const std::atomic<bool>* cancel = nullptr;
};

// Header problems (unknown columns, no key column, duplicates) fail before anything is written
// (errc::validation); a missing file is errc::not_found. Bad rows are rejected, never fatal.
// In insert mode a key that already exists is rejected; in upsert mode the last row of a key wins.
// The whole file is one transaction: any error, or `cancel`, rolls it all back. Into an empty
// table secondary indexes are dropped first and built again at the end.
result<load_report> load_csv(backend& b, const entity_schema& schema, const load_request& req);

}  // namespace baton::audience
