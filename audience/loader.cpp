#include "audience/loader.hpp"

#include <fstream>
#include <set>

#include "audience/csv.hpp"

namespace baton::audience {

namespace {

struct column_map {
  std::vector<const column*> cols;  // per CSV field: the entity column, or null when ignored
  std::vector<std::size_t> bound;   // indexes of the fields that are bound, in order
  std::size_t key_field = 0;
};

result<column_map> map_header(const entity& e, const std::vector<std::string>& header,
                              load_mode mode, const std::string& where) {
  column_map m;
  std::set<std::string> seen;
  bool has_key = false;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string& name = header[i];
    const column* c = e.find_column(name);
    if (!c) {
      std::string names;
      for (const auto& col : e.columns) names += (names.empty() ? "" : ", ") + col.name;
      return make_error(errc::validation, where + ":1",
                        "column `" + name + "` is not a column of entity `" + e.name +
                            "` (columns: " + names + ")");
    }
    if (!seen.insert(name).second)
      return make_error(errc::validation, where + ":1", "column `" + name + "` appears twice");
    if (name == e.key) {
      has_key = true;
      m.key_field = i;
    }
    bool used = mode != load_mode::remove || name == e.key;
    m.cols.push_back(used ? c : nullptr);
    if (used) m.bound.push_back(i);
  }
  if (!has_key)
    return make_error(errc::validation, where + ":1",
                      "the header has no column `" + e.key + "`, the key of entity `" + e.name +
                          "`");
  return m;
}

std::string statement_sql(const backend& b, const entity& e, const column_map& m, load_mode mode) {
  if (mode == load_mode::remove) return "DELETE FROM " + quote_id(e.name) + " WHERE " +
                                        quote_id(e.key) + " = " + b.placeholder(1);
  std::string cols, vals, sets;
  int n = 0;
  for (std::size_t i : m.bound) {
    const std::string& name = m.cols[i]->name;
    cols += (n ? ", " : "") + quote_id(name);
    vals += (n ? ", " : "") + b.placeholder(n + 1);
    if (name != e.key) sets += (sets.empty() ? "" : ", ") + quote_id(name) + " = excluded." +
                               quote_id(name);
    ++n;
  }
  std::string sql = "INSERT INTO " + quote_id(e.name) + " (" + cols + ") VALUES (" + vals +
                    ") ON CONFLICT (" + quote_id(e.key) + ") DO ";
  return sql + (mode == load_mode::upsert && !sets.empty() ? "UPDATE SET " + sets : "NOTHING");
}

// Converts the bound fields of one record; returns the reason when the row is rejected.
std::optional<std::string> convert_row(const entity& e, const column_map& m,
                                       const std::vector<std::string>& fields,
                                       std::vector<value>& out) {
  if (fields.size() != m.cols.size())
    return "expected " + std::to_string(m.cols.size()) + " fields, got " +
           std::to_string(fields.size());
  out.clear();
  for (std::size_t i : m.bound) {
    const column* c = m.cols[i];
    if (fields[i].empty()) {
      if (c->name == e.key) return "the key `" + e.key + "` is empty";
      out.push_back(value::null_of(c->type));
      continue;
    }
    auto v = parse_value(fields[i], c->type);
    if (!v) return "column `" + c->name + "`: " + v.err().what;
    out.push_back(std::move(*v));
  }
  return std::nullopt;
}

class rejects_file {
 public:
  explicit rejects_file(std::string path) : path_(std::move(path)) {}
  status add(load_report& r, std::uint64_t line, const std::string& reason,
             const std::vector<std::string>& fields) {
    ++r.rejected;
    if (r.first_rejects.size() < 10)
      r.first_rejects.push_back("line " + std::to_string(line) + ": " + reason);
    if (path_.empty()) return ok_status();
    if (!out_.is_open()) {
      out_.open(path_, std::ios::trunc);
      if (!out_) return make_error(errc::failed, path_, "cannot write the rejects file");
      out_ << "line,reason,record\n";
    }
    out_ << line << "," << csv_escape(reason) << "," << csv_escape(csv_join(fields)) << "\n";
    return ok_status();
  }

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace

std::optional<load_mode> load_mode_from_string(const std::string& s) {
  if (s == "upsert") return load_mode::upsert;
  if (s == "insert") return load_mode::insert;
  if (s == "delete") return load_mode::remove;
  return std::nullopt;
}

result<load_report> load_csv(backend& b, const entity_schema& schema, const load_request& req) {
  const entity* e = schema.find_entity(req.entity);
  if (!e) return make_error(errc::not_found, req.entity, "no entity `" + req.entity + "` in the schema");
  auto reader = csv_reader::open(req.path);
  if (!reader) return reader.err();
  auto& csv = **reader;
  std::vector<std::string> fields;
  std::uint64_t line = 0;
  auto first = csv.next(fields, line);
  if (!first) return first.err();
  if (!*first) return make_error(errc::validation, req.path, "the file is empty (no header row)");
  auto map = map_header(*e, fields, req.mode, req.path);
  if (!map) return map.err();
  auto stmt = b.prepare(statement_sql(b, *e, *map, req.mode));
  if (!stmt) return stmt.err();
  load_report rep;
  rejects_file rejects(req.rejects_path);
  std::vector<value> vals;
  if (auto st = b.begin(); !st) return st.err();
  std::size_t in_batch = 0;
  auto fail = [&](const error& err) -> result<load_report> {
    b.rollback();
    return err;
  };
  while (true) {
    auto more = csv.next(fields, line);
    if (!more) return fail(more.err());
    if (!*more) break;
    ++rep.rows;
    auto reason = convert_row(*e, *map, fields, vals);
    if (!reason) {
      auto changed = (*stmt)->run(vals);
      if (!changed) return fail(changed.err());
      if (*changed > 0)
        ++rep.applied;
      else if (req.mode == load_mode::insert)
        reason = "a row with " + e->key + " = " + fields[map->key_field] + " already exists";
      else if (req.mode == load_mode::remove)
        ++rep.missing;
    }
    if (reason)
      if (auto st = rejects.add(rep, line, *reason, fields); !st) return fail(st.err());
    if (++in_batch >= req.batch_rows) {
      in_batch = 0;
      if (auto st = b.commit(); !st) return st.err();
      if (req.progress) req.progress({rep.rows, csv.bytes_read(), csv.total_bytes()});
      if (auto st = b.begin(); !st) return st.err();
    }
  }
  if (auto st = b.commit(); !st) return st.err();
  if (req.progress) req.progress({rep.rows, csv.bytes_read(), csv.total_bytes()});
  return rep;
}

}  // namespace baton::audience
