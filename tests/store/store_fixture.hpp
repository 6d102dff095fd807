// Shared helpers for the store tests: a temporary directory and quick event builders.
#pragma once

#include <filesystem>
#include <random>
#include <string>

#include "store/event_store.hpp"

namespace baton::testing {

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("baton-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string str(const std::string& sub = "store") const { return (path / sub).string(); }
};

inline event make_event(std::string payload, std::uint16_t type = 1) {
  event e;
  e.type = type;
  e.payload = std::move(payload);
  e.actor = "tester";
  return e;
}

inline std::vector<event> make_events(int n, const std::string& tag = "e") {
  std::vector<event> v;
  for (int i = 0; i < n; ++i) v.push_back(make_event(tag + std::to_string(i)));
  return v;
}

inline std::unique_ptr<event_store> open_store(const std::string& dir, store_options o = {}) {
  auto s = event_store::open(dir, o);
  if (!s) throw std::runtime_error(s.err().message());
  return std::move(s.value());
}

}  // namespace baton::testing
