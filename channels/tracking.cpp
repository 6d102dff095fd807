#include "channels/tracking.hpp"

#include <algorithm>

namespace baton::channels {

namespace {

std::string lower_ascii(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return s;
}

}  // namespace

result<tracking_setup> make_tracking_setup(const tracking_config& c) {
  if (!c.enabled())
    return make_error(errc::not_found, "tracking",
                      "tracking is not configured (config `tracking.baseUrl` and "
                      "`tracking.secret`)");
  auto signer = token_signer::from_hex(c.secret);
  if (!signer) return signer.err();
  std::string base = c.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return tracking_setup{std::move(*signer), std::move(base), c.unsubscribe_mailto};
}

std::vector<std::pair<std::string, std::string>> unsubscribe_headers(
    const tracking_setup& t, const std::string& message_id) {
  auto token = t.signer.make(token_kind::unsubscribe, message_id);
  if (!token) return {};
  std::string value = "<" + t.base_url + "/t/u/" + *token + ">";
  auto at = t.unsubscribe_mailto.find('@');
  if (at != std::string::npos)
    value += ", <mailto:" + t.unsubscribe_mailto.substr(0, at) + "+" + *token +
             t.unsubscribe_mailto.substr(at) + ">";
  return {{"List-Unsubscribe", value}, {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
}

std::string unsubscribe_token_of(const std::string& mailto, const std::string& address) {
  auto at = mailto.find('@');
  auto addr_at = address.rfind('@');
  if (at == std::string::npos || addr_at == std::string::npos) return std::string();
  std::string local = mailto.substr(0, at) + "+";
  if (lower_ascii(address.substr(addr_at)) != lower_ascii(mailto.substr(at))) return std::string();
  if (address.size() < local.size() ||
      lower_ascii(address.substr(0, local.size())) != lower_ascii(local))
    return std::string();
  return address.substr(local.size(), addr_at - local.size());
}

}  // namespace baton::channels
