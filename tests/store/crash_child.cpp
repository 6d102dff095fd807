// Test helper (not a test): appends durable events from 4 threads to store DIR until killed,
// printing "ack FIRST LAST STREAM" for each append once the store has acknowledged it.
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

#include "store/event_store.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: store_crash_child DIR SEED\n");
    return 2;
  }
  auto s = baton::event_store::open(argv[1]);
  if (!s) {
    std::fprintf(stderr, "open: %s\n", s.err().message().c_str());
    return 1;
  }
  auto& store = *s.value();
  std::mutex out;
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(std::stoul(argv[2]) * 31 + t));
      for (;;) {
        std::string stream = "s" + std::to_string(rng() % 6);
        std::vector<baton::event> es(1 + rng() % 4);
        for (auto& e : es) {
          e.type = 1;
          e.payload = std::string(200 + rng() % 100, static_cast<char>('a' + t));
        }
        auto r = store.append(stream, baton::any_version, std::move(es));
        if (!r) {
          std::fprintf(stderr, "append: %s\n", r.err().message().c_str());
          std::_Exit(1);
        }
        std::lock_guard<std::mutex> g(out);
        std::printf("ack %llu %llu %s\n", (unsigned long long)r->ranges[0].first_global,
                    (unsigned long long)r->ranges[0].last_global, stream.c_str());
        std::fflush(stdout);
      }
    });
  }
  for (auto& t : ts) t.join();
}
