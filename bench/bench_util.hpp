// Small helpers shared by the benchmark programs: timing, medians and percentiles, temporary
// directories on the benchmark disk, and the one-JSON-line-per-figure output of
// docs/benchmarks.md.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace baton::bench {

using steady = std::chrono::steady_clock;

inline double seconds_since(steady::time_point t0) {
  return std::chrono::duration<double>(steady::now() - t0).count();
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The median of the run-by-run ratios a[i] / b[i]: each run's figure and its baseline are taken
// back to back, so pairing them cancels much of what other work on the machine does to both.
inline double median_ratio(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> r;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    if (b[i] > 0) r.push_back(a[i] / b[i]);
  return median(r);
}

// Nearest-rank percentile (p in [0, 100]) of a sample; sorts it in place.
inline double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// A fresh directory under `base`, removed with everything in it when this goes out of scope.
class temp_dir {
 public:
  temp_dir(const std::filesystem::path& base, const std::string& tag) {
    std::random_device rd;
    path_ = base / ("baton-bench-" + tag + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str(const std::string& sub) const { return (path_ / sub).string(); }

 private:
  std::filesystem::path path_;
};

// One figure as a JSON object whose fields keep the order they were added in.
class json_line {
 public:
  json_line& str(const std::string& key, const std::string& v) {
    fields_.emplace_back(key, quote(v));
    return *this;
  }
  json_line& num(const std::string& key, double v, int decimals = 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    fields_.emplace_back(key, buf);
    return *this;
  }
  json_line& boolean(const std::string& key, bool v) {
    fields_.emplace_back(key, v ? "true" : "false");
    return *this;
  }
  std::string text() const {
    std::string out = "{";
    for (std::size_t i = 0; i < fields_.size(); ++i) {
      if (i) out += ", ";
      out += quote(fields_[i].first) + ": " + fields_[i].second;
    }
    return out + "}";
  }
  void print() const {
    std::printf("%s\n", text().c_str());
    std::fflush(stdout);
  }

 private:
  static std::string quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += c;
      }
    }
    return out + "\"";
  }
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Progress and per-run details go to stderr so stdout holds only the JSON lines.
template <typename... Args>
void note(const char* fmt, Args... args) {
  std::fprintf(stderr, fmt, args...);
  std::fputc('\n', stderr);
}

}  // namespace baton::bench
