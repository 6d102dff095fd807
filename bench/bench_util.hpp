// Small helpers shared by the benchmark programs: timing, medians and percentiles, temporary
// directories on the benchmark disk, the command line, and the one-JSON-line-per-figure output
// of docs/benchmarks.md.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
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

// The 1-minute load average when a figure is printed: other work on a shared machine shows up
// in every figure, so each line says how busy the machine was (-1 if unknown).
inline double load_average() {
  double l = -1;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &l) != 1) l = -1;
    std::fclose(f);
  }
  return l;
}

// CPU time of this process (all its threads), in seconds.
inline double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
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

// A benchmark program's command line: `--name value` options, bare switches and figure ids, in
// any order. parse() says what is wrong on stderr and returns false for an unknown argument or a
// missing value; number() throws std::invalid_argument for a value that is not an integer.
class command_line {
 public:
  bool parse(int argc, char** argv, const std::set<std::string>& options,
             const std::set<std::string>& switches, const std::set<std::string>& figures = {}) {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (switches.count(a)) {
        values_[a] = "";
      } else if (options.count(a) && i + 1 < argc) {
        values_[a] = argv[++i];
      } else if (figures.count(a)) {
        if (std::find(ids_.begin(), ids_.end(), a) == ids_.end()) ids_.push_back(a);
      } else {
        std::fprintf(stderr, options.count(a) ? "%s needs a value\n" : "unknown argument: %s\n",
                     a.c_str());
        return false;
      }
    }
    return true;
  }
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string text(const std::string& name, const std::string& otherwise) const {
    auto it = values_.find(name);
    return it == values_.end() ? otherwise : it->second;
  }
  int number(const std::string& name, int otherwise) const {
    auto it = values_.find(name);
    if (it == values_.end()) return otherwise;
    char* end = nullptr;
    long v = std::strtol(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end != '\0')
      throw std::invalid_argument(name + " needs an integer, not '" + it->second + "'");
    return static_cast<int>(v);
  }
  const std::vector<std::string>& figures() const { return ids_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> ids_;
};

}  // namespace baton::bench
