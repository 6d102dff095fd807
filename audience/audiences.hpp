// Saved audiences as operators see them (`batonctl audiences list | show`): what save_audience
// recorded in baton_audiences — name, dimension, row count, when and by which campaign run — and
// a sample of the keys it holds. Read-only: a data plane without saved audiences lists none.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audience/backend.hpp"
#include "model/time.hpp"

namespace baton::audience {

struct audience_info {
  std::string name, dimension;
  std::uint64_t count = 0;
  time_us saved_at = 0;
  std::string campaign;  // the campaign whose run saved it last (each run overwrites it)
  std::uint32_t run = 0;
  std::string fingerprint;           // content hash of the saved rows
  std::vector<std::string> columns;  // the columns saved with the keys
  std::string key_column;            // the column holding the dimension's keys
  std::string table;                 // where the rows are
};

// Every saved audience, by name.
result<std::vector<audience_info>> list_audiences(backend& b);
// One saved audience: errc::not_found ("no saved audience `NAME`") when there is none.
result<audience_info> describe_audience(backend& b, const std::string& name);
// Up to `limit` of its keys in key order, as JSON values of the key's type.
result<nlohmann::json> audience_sample(backend& b, const audience_info& a, std::uint64_t limit);

// {"name", "dimension", "count", "savedAt", "campaign", "run"}: a line of `audiences list --json`.
nlohmann::json audience_json(const audience_info& a);

}  // namespace baton::audience
