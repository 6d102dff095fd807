// locate_data and backup_sqlite (audience/data_backup.hpp): SQLite online backup in one step.
#include "audience/data_backup.hpp"

#include <sqlite3.h>

#include <filesystem>

namespace baton::audience {

result<data_location> locate_data(const std::string& url, const std::string& data_dir) {
  namespace fs = std::filesystem;
  data_location d;
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    d.k = data_location::kind::postgres;
    d.url = url;
    return d;
  }
  std::string path;
  if (url.empty()) {
    path = "data.sqlite";
  } else if (url.rfind("sqlite:", 0) == 0) {
    path = url.substr(7);
    if (path.rfind("//", 0) == 0) path = path.substr(2);
  } else {
    return make_error(errc::validation, "data.url", "unsupported data URL `" + url + "`");
  }
  if (fs::path(path).is_relative()) {
    d.relative = fs::path(path).lexically_normal().string();
    path = (fs::path(data_dir) / path).string();
  }
  d.path = path;
  return d;
}

status backup_sqlite(const std::string& source, const std::string& target) {
  if (!std::filesystem::exists(source))
    return make_error(errc::not_found, source, "no SQLite database here");
  sqlite3 *src = nullptr, *dst = nullptr;
  auto close_both = [&] {
    sqlite3_close_v2(src);
    sqlite3_close_v2(dst);
  };
  if (sqlite3_open_v2(source.c_str(), &src, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string what = src ? sqlite3_errmsg(src) : "out of memory";
    close_both();
    return make_error(errc::unavailable, source, "cannot open: " + what);
  }
  sqlite3_busy_timeout(src, 120000);
  if (sqlite3_open_v2(target.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string what = dst ? sqlite3_errmsg(dst) : "out of memory";
    close_both();
    return make_error(errc::failed, target, "cannot create: " + what);
  }
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (!b) {
    std::string what = sqlite3_errmsg(dst);
    close_both();
    return make_error(errc::failed, target, "cannot start the backup: " + what);
  }
  int rc;
  // -1: every page in one step, under one read transaction: a consistent copy. BUSY/LOCKED
  // (a writer holds a lock the read needs for a moment) are tried again.
  while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20);
  sqlite3_backup_finish(b);
  std::string what = sqlite3_errmsg(dst);
  close_both();
  if (rc != SQLITE_DONE) return make_error(errc::failed, target, "backup failed: " + what);
  return ok_status();
}

}  // namespace baton::audience
