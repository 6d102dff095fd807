// The versions of a campaign's definition and what changed between two of them (INTERFACES.md
// §10): `campaign versions` and `campaign diff`. Derived from the folded state only.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "model/campaign_state.hpp"

namespace baton {

// [{"version", "createdAt", "createdBy"}], oldest first.
nlohmann::json versions_json(const campaign_state& s);

// What changed from definition `from` to definition `to` (both JSON objects of §4), as
// [{"pointer", "change": "added|removed|changed", "from", "to"}]: options (every member but
// activities and transitions, object members compared one by one), then activities (matched by
// id; a pointer names the index in `to`, or in `from` for a removed one), then transitions (as
// wholes: removed ones at their index in `from`, added ones at theirs in `to`). `from` / `to` are
// null on the side where the value is absent.
nlohmann::json diff_definitions(const nlohmann::json& from, const nlohmann::json& to);

// diff_definitions of versions `from` and `to` of the campaign; errc::not_found naming --from or
// --to for a version it does not have.
result<nlohmann::json> diff_versions(const campaign_state& s, std::uint32_t from, std::uint32_t to);

}  // namespace baton
