// libFuzzer target for the wire frame reader (tools/batond/guard/basp_frame.hpp): the bytes a
// client sends to batond, read before CAF sees them. The first input byte picks how the rest is
// cut into reads (1..256 bytes, or all at once); the rest is the stream. Checks, beyond "no crash,
// no leak, no UB": what is held never exceeds one frame's cap; the stream fed in pieces gives the
// same frames and verdict as fed at once; what was passed on is whole frames, starting with a
// client handshake, that a fresh reader accepts again unchanged.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "tools/batond/guard/basp_frame.hpp"

using namespace baton::guard;

namespace {

const frame_rules& rules() {
  static const frame_rules r = [] {
    frame_rules x;
    x.max_payload = 64 * 1024;  // small, so that over-the-cap lengths are common
    x.message_types = {"@<>+@atom+baton.api_command", "@<>+@atom+@str+@actor", "@<>+@atom+@actor"};
    return x;
  }();
  return r;
}

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::size_t piece = data[0] == 0 ? size : data[0];
  const std::uint8_t* stream = data + 1;
  std::size_t n = size - 1;
  const std::size_t cap = basp_header_size + rules().max_payload;

  client_frame_reader pieces(rules());
  std::vector<std::uint8_t> out;
  std::string verdict;
  for (std::size_t at = 0; at < n; at += piece) {
    verdict = pieces.feed(stream + at, std::min(piece, n - at), out);
    require(pieces.pending() <= cap && pieces.capacity() <= cap);
    if (!verdict.empty()) {
      auto held = out.size();
      require(pieces.feed(stream, n, out) == verdict && out.size() == held);  // refused for good
      break;
    }
  }

  client_frame_reader whole(rules());
  std::vector<std::uint8_t> out_whole;
  auto verdict_whole = whole.feed(stream, n, out_whole);
  require(out_whole == out && verdict_whole == verdict);

  if (!out.empty()) {  // whole frames, a handshake first, accepted again as they are
    require(out.size() >= basp_header_size);
    require(decode_basp_header(out.data()).operation ==
            static_cast<std::uint8_t>(basp_op::client_handshake));
    for (std::size_t at = 0; at < out.size();) {
      require(out.size() - at >= basp_header_size);
      auto h = decode_basp_header(out.data() + at);
      require(h.payload_len <= rules().max_payload);
      at += basp_header_size + h.payload_len;
      require(at <= out.size());
    }
    client_frame_reader again(rules());
    std::vector<std::uint8_t> out_again;
    require(again.feed(out.data(), out.size(), out_again).empty());
    require(out_again == out && again.pending() == 0);
  }
  return 0;
}
