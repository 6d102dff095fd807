// RocksDB's informational log (DIR/LOG) written so that a failed write to it is ignored. RocksDB's
// own file logger asserts (Debian's build keeps assertions) when it is used again after a write
// failed, so a full disk aborted the process before the store could report the real error.
#pragma once

#include <memory>
#include <string>

#include <rocksdb/env.h>

namespace baton {

// A logger appending to DIR/LOG (moved to LOG.old.MICROS first when it is over 16 MiB); lines
// that cannot be written are dropped. Never null: without a file it drops every line.
std::shared_ptr<rocksdb::Logger> open_info_log(const std::string& dir);

}  // namespace baton
