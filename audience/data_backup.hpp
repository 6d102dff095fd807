// A consistent copy of the data plane while it may be in use. SQLite: the online backup API
// copies the database in one step under a read transaction (in WAL mode writers carry on), into
// a new file. PostgreSQL is not copied here: `pg_dump` is the tool (docs/operations.md).
#pragma once

#include <string>

#include "events/result.hpp"

namespace baton::audience {

struct data_location {
  enum class kind { sqlite, postgres } k = kind::sqlite;
  std::string path;      // SQLite: the database file
  std::string relative;  // SQLite: its path relative to the data dir ("" when outside it)
  std::string url;       // PostgreSQL: the URL as configured
};
// Where a data URL ("" = DATA_DIR/data.sqlite, "sqlite:PATH", "postgresql://...") keeps the data.
result<data_location> locate_data(const std::string& url, const std::string& data_dir);

// Copies the SQLite database at `source` into `target` (which must not exist) with the online
// backup API; a missing source is errc::not_found.
status backup_sqlite(const std::string& source, const std::string& target);

}  // namespace baton::audience
