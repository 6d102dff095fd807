// The population of one API trigger whose campaign graph starts at a population activity: a
// worktable of the campaign's dimension holding the triggered recipient's key, and the row a
// channel activity reached with the columns added upstream. For actors/trigger_graph.cpp.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "audience/backend.hpp"
#include "audience/worktable.hpp"

namespace baton::audience {

// Creates the worktable (owner `o`, output "out") of entity `e` holding the row whose key reads
// as `key`; its population counts 0 when there is no such row (or `key` is not of the key's type).
result<ev::population> recipient_population(backend& b, const entity& e, const wt_owner& o,
                                            const std::string& key, time_us now);

// The columns of the first row of worktable `table` but its row key and dimension key (what a
// template may read beside the entity's columns); nullopt when the table is empty.
result<std::optional<nlohmann::json>> worktable_first_row(backend& b, const std::string& table);

}  // namespace baton::audience
