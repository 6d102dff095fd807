#include "audience/csv.hpp"

#include <filesystem>

namespace baton::audience {

namespace {
constexpr std::size_t k_chunk = 1 << 20;
}

result<std::unique_ptr<csv_reader>> csv_reader::open(const std::string& path, char delimiter) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return make_error(errc::validation, path, "is a directory, not a CSV file");
  auto r = std::unique_ptr<csv_reader>(new csv_reader());
  r->in_.open(path, std::ios::binary);
  if (!r->in_) return make_error(errc::not_found, path, "cannot open the file (does it exist?)");
  r->path_ = path;
  r->delim_ = delimiter;
  r->total_ = std::filesystem::file_size(path, ec);
  r->refill();
  if (r->buf_.rfind("\xEF\xBB\xBF", 0) == 0) r->pos_ = 3;
  return r;
}

bool csv_reader::refill() {
  if (eof_) return false;
  buf_.erase(0, pos_);
  pos_ = 0;
  std::size_t old = buf_.size();
  buf_.resize(old + k_chunk);
  in_.read(buf_.data() + old, static_cast<std::streamsize>(k_chunk));
  buf_.resize(old + static_cast<std::size_t>(in_.gcount()));
  if (in_.gcount() == 0 || !in_) eof_ = true;
  return true;
}

bool csv_reader::parse(std::vector<std::string>& fields, std::size_t& end, std::uint64_t& newlines,
                       bool& bad_quote) {
  std::size_t n = 0, p = pos_;
  newlines = 0;
  const std::size_t size = buf_.size();
  auto field = [&]() -> std::string& {
    if (fields.size() <= n) fields.emplace_back();
    return fields[n];
  };
  while (true) {
    std::string& f = field();
    f.clear();
    if (p < size && buf_[p] == '"') {
      ++p;
      while (true) {
        if (p >= size) {
          if (eof_) bad_quote = true;
          return false;
        }
        char c = buf_[p];
        if (c == '"') {
          if (p + 1 >= size && !eof_) return false;
          if (p + 1 < size && buf_[p + 1] == '"') {
            f += '"';
            p += 2;
            continue;
          }
          ++p;
          break;
        }
        if (c == '\n') ++newlines;
        f += c;
        ++p;
      }
      // Text after the closing quote up to the delimiter is kept as is (lenient).
      std::size_t s = p;
      while (p < size && buf_[p] != delim_ && buf_[p] != '\n') ++p;
      f.append(buf_, s, p - s);
    } else {
      std::size_t s = p;
      while (p < size && buf_[p] != delim_ && buf_[p] != '\n') ++p;
      f.assign(buf_, s, p - s);
    }
    ++n;
    if (p >= size) {
      if (!eof_) return false;
      if (!f.empty() && f.back() == '\r') f.pop_back();
      break;
    }
    if (buf_[p] == delim_) {
      ++p;
      continue;
    }
    std::string& last = fields[n - 1];  // buf_[p] == '\n'
    if (!last.empty() && last.back() == '\r') last.pop_back();
    ++p;
    ++newlines;
    break;
  }
  fields.resize(n);
  end = p;
  return true;
}

result<bool> csv_reader::next(std::vector<std::string>& fields, std::uint64_t& line) {
  while (true) {
    if (pos_ >= buf_.size() && (eof_ || !refill() || pos_ >= buf_.size())) return false;
    std::size_t end = 0;
    std::uint64_t newlines = 0;
    bool bad_quote = false;
    if (!parse(fields, end, newlines, bad_quote)) {
      if (bad_quote)
        return make_error(errc::validation, path_ + ":" + std::to_string(line_),
                          "a quoted field is not closed before the end of the file");
      if (!refill()) return false;
      continue;
    }
    line = line_;
    line_ += newlines;
    consumed_ += end - pos_;
    pos_ = end;
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    return true;
  }
}

std::string csv_escape(const std::string& field, char delimiter) {
  if (field.find_first_of(std::string("\"\r\n") + delimiter) == std::string::npos) return field;
  std::string r = "\"";
  for (char c : field) {
    if (c == '"') r += '"';
    r += c;
  }
  return r + "\"";
}

std::string csv_join(const std::vector<std::string>& fields, char delimiter) {
  std::string r;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) r += delimiter;
    r += csv_escape(fields[i], delimiter);
  }
  return r;
}

}  // namespace baton::audience
