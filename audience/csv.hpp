// A streaming CSV reader (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes,
// CRLF or LF, a UTF-8 BOM skipped, blank lines skipped) with a configurable delimiter, and the
// writer side used for rejects files.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "events/result.hpp"

namespace baton::audience {

class csv_reader {
 public:
  // errc::not_found when the file cannot be opened.
  static result<std::unique_ptr<csv_reader>> open(const std::string& path, char delimiter = ',');

  // Reads the next record into `fields`; returns false at the end of the file. `line` is the
  // 1-based line where the record starts. An unterminated quote is an errc::validation error.
  result<bool> next(std::vector<std::string>& fields, std::uint64_t& line);

  std::uint64_t bytes_read() const { return consumed_; }
  std::uint64_t total_bytes() const { return total_; }

 private:
  bool refill();
  // Parses one record from pos_; false when the buffer ended first.
  bool parse(std::vector<std::string>& fields, std::size_t& end, std::uint64_t& newlines,
             bool& bad_quote);

  std::ifstream in_;
  std::string path_;
  char delim_ = ',';
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  std::uint64_t line_ = 1, consumed_ = 0, total_ = 0;
};

// One CSV field, quoted when it needs to be.
std::string csv_escape(const std::string& field, char delimiter = ',');
std::string csv_join(const std::vector<std::string>& fields, char delimiter = ',');

}  // namespace baton::audience
