// What a send needs to track its emails, built once from config `tracking` (INTERFACES.md §9):
// the token signer, the public base URL and the unsubscribe mailbox. unsubscribe_headers gives
// the RFC 8058 headers every marketing email carries; transactional mail carries none.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "channels/tracking_token.hpp"
#include "model/config.hpp"

namespace baton::channels {

struct tracking_setup {
  token_signer signer;
  std::string base_url;            // no trailing slash
  std::string unsubscribe_mailto;  // "LOCAL@DOMAIN" or ""
};

// From a parsed config: errc::not_found when tracking is not configured (no baseUrl or secret),
// errc::validation for a secret that is not hex of at least 32 bytes.
result<tracking_setup> make_tracking_setup(const tracking_config& c);

// List-Unsubscribe: <BASE/t/u/TOKEN> (and , <mailto:LOCAL+TOKEN@DOMAIN> when configured), then
// List-Unsubscribe-Post: List-Unsubscribe=One-Click. Empty when the token cannot be made (a
// message id that is not 32 hex digits).
std::vector<std::pair<std::string, std::string>> unsubscribe_headers(const tracking_setup& t,
                                                                     const std::string& message_id);

// The unsubscribe token of a mail sent to LOCAL+TOKEN@DOMAIN, when `address` is such an address
// for `mailto` (LOCAL@DOMAIN; the domain compared without case); "" otherwise. The token is not
// verified here (token_signer::verify does that).
std::string unsubscribe_token_of(const std::string& mailto, const std::string& address);

}  // namespace baton::channels
