// libFuzzer target: link rewriting of HTML and text bodies. Any input is rewritten without a
// crash; every click token in the output names an entry of the link table.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "channels/link_rewrite.hpp"

using namespace baton::channels;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const token_signer signer = *token_signer::from_hex(std::string(64, 'a'));
  link_context ctx{&signer, "https://t.example", std::string(32, 'a')};
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> links;
  auto html = rewrite_html(in, ctx, links);
  auto text = rewrite_text(in, ctx, links);
  const std::string prefix = "https://t.example/t/c/";
  for (const std::string* out : {&html, &text})
    for (auto at = out->find(prefix); at != std::string::npos; at = out->find(prefix, at + 1)) {
      auto claims = signer.verify(out->substr(at + prefix.size(), 48), token_kind::click);
      if (claims && claims->link >= links.size()) std::abort();
    }
  if (html.size() < in.size()) std::abort();  // only splices that add
  return 0;
}
