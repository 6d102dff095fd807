// Fuzz target: the CSV reader (audience/csv.hpp) over any bytes, with `,` and `;` as delimiters,
// record by record to the end or to its error. The reader works on files: the input is written to
// a private temporary file first.
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "audience/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/baton-fuzz-csv-" + std::to_string(::getpid()) + ".csv";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  for (char delimiter : {',', ';'}) {
    auto r = baton::audience::csv_reader::open(path, delimiter);
    if (!r) continue;
    std::vector<std::string> fields;
    std::uint64_t line = 0;
    for (;;) {
      auto more = r.value()->next(fields, line);
      if (!more || !more.value()) break;
      (void)baton::audience::csv_join(fields, delimiter);
    }
  }
  return 0;
}
