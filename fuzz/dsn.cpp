// libFuzzer target: the DSN / feedback report reader. Any bytes give a report (unmatched when
// they are not a DSN of ours), with a report id; never a crash, never an unclassified kind.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "channels/dsn.hpp"

using namespace baton::channels;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const token_signer signer = *token_signer::from_hex(std::string(64, 'a'));
  std::string_view mail(reinterpret_cast<const char*>(data), size);
  auto r = parse_dsn(mail, {"unsubscribe@shop.example", &signer});
  if (r.report_id.empty()) std::abort();
  if (r.kind == dsn_class::unmatched && r.reason.empty()) std::abort();
  if (r.kind != dsn_class::unmatched && r.message_id.size() != 32) std::abort();
  return 0;
}
