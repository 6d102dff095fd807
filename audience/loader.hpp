// Bulk loading of an entity from a CSV file (header row of column names, ISO-8601 dates, empty
// cell = null): upsert, insert or delete by primary key, in batched transactions, with a rejects
// file naming the line and the reason of every row that was not applied.
#pragma once

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
  std::size_t batch_rows = 50000;                      // rows per transaction
  std::function<void(const load_progress&)> progress;  // called after each batch (optional)
};

// Header problems (unknown columns, no key column, duplicates) fail before anything is written
// (errc::validation); a missing file is errc::not_found. Bad rows are rejected, never fatal.
// In insert mode a key that already exists is rejected; in upsert mode the last row of a key wins.
// Into an empty table the load is one transaction and secondary indexes are built at the end;
// otherwise each batch of `batch_rows` rows commits on its own.
result<load_report> load_csv(backend& b, const entity_schema& schema, const load_request& req);

}  // namespace baton::audience
