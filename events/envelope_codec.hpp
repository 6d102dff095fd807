// Encodes an event as the Envelope Cap'n Proto message stored in RocksDB, and decodes it back.
// Decoding never crashes on bad bytes: corrupt input gives an errc::integrity error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "events/event.hpp"
#include "events/result.hpp"

namespace baton {

std::string encode_envelope(const event& e);
result<event> decode_envelope(std::string_view bytes);
// The same, reusing `out`'s and `scratch`'s memory (for scans over millions of records).
status decode_envelope_into(std::string_view bytes, event& out,
                            std::vector<std::uint64_t>& scratch);

}  // namespace baton
