// The link table of tracked messages (PRODUCT.md §8.2), kept in the data plane beside the
// deliveries: baton_message_links(message_id PK, links TEXT (a JSON array of URLs), view TEXT).
// A click token names (message, index); its redirect target is links[index], never the URL.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "audience/backend.hpp"

namespace baton::audience {

struct message_links {
  std::string message_id;
  std::vector<std::string> links;  // index -> original URL
  std::string view;                // the rendered message for /t/v ("" = no view kept)
};

// Creates the table when missing (idempotent).
status ensure_message_links_table(backend& b);

// Records the link tables of sent messages; an id already recorded is left alone. Does NOT
// begin/commit (the caller is inside the transaction that records the deliveries).
status record_message_links(backend& b, const std::vector<message_links>& rows);

// The link table of a message, nullopt when none was recorded.
result<std::optional<message_links>> find_message_links(backend& b, const std::string& message_id);

}  // namespace baton::audience
