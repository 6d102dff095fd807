// The entity schema in the database: apply_schema creates each entity's table (primary key,
// indexes on link columns) and adds new columns; it refuses a changed column type with a clear
// error and is idempotent. Also the data plane's own bookkeeping tables.
#pragma once

#include <optional>
#include <string>

#include "audience/backend.hpp"
#include "model/entity_schema.hpp"

namespace baton::audience {

// Creates or extends the tables of `schema` (and the internal tables). Columns that the database
// has but the schema no longer lists are left alone. Runs in one transaction.
status apply_schema(backend& b, const entity_schema& schema);

// The number of rows of an entity (errc::not_found for an entity the schema does not have).
result<std::uint64_t> count_rows(backend& b, const entity_schema& schema,
                                 const std::string& entity);

// The internal tables: baton_worktables (registry of worktables and their columns),
// baton_audiences (saved audiences), baton_history and baton_incremental (incremental queries).
status ensure_internal_tables(backend& b);

// The column type a declared SQL type stands for (as apply_schema writes them).
std::optional<column_type> type_from_declared(dialect d, const std::string& declared);

}  // namespace baton::audience
