#include "audience/loader.hpp"

#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

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
    return make_error(
        errc::validation, where + ":1",
        "the header has no column `" + e.key + "`, the key of entity `" + e.name + "`");
  return m;
}

// The statement for `rows` records at once (more than one only for upserts).
std::string statement_sql(const backend& b, const entity& e, const column_map& m, load_mode mode,
                          bool empty_table, std::size_t rows = 1) {
  if (mode == load_mode::remove)
    return "DELETE FROM " + quote_id(e.name) + " WHERE " + quote_id(e.key) + " = " +
           b.placeholder(1);
  std::string cols, vals, sets;
  int n = 0;
  for (std::size_t i : m.bound) {
    const std::string& name = m.cols[i]->name;
    cols += (n ? ", " : "") + quote_id(name);
    if (name != e.key)
      sets += (sets.empty() ? "" : ", ") + quote_id(name) + " = excluded." + quote_id(name);
    ++n;
  }
  int p = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    vals += r ? "), (" : "";
    for (int i = 0; i < n; ++i) vals += (i ? ", " : "") + b.placeholder(++p);
  }
  // Into an empty SQLite table every row carries the same columns, so replacing a row of the
  // same key (a duplicate in the file) equals updating it, and REPLACE is the faster path.
  if (empty_table && mode == load_mode::upsert && b.kind() == dialect::sqlite)
    return "INSERT OR REPLACE INTO " + quote_id(e.name) + " (" + cols + ") VALUES (" + vals + ")";
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
    return add_record(r, line, reason, csv_join(fields));
  }
  // The same with the record already joined back into one CSV line.
  status add_record(load_report& r, std::uint64_t line, const std::string& reason,
                    const std::string& record) {
    ++r.rejected;
    if (r.first_rejects.size() < 10)
      r.first_rejects.push_back("line " + std::to_string(line) + ": " + reason);
    if (path_.empty()) return ok_status();
    if (!out_.is_open()) {
      out_.open(path_, std::ios::trunc);
      if (!out_) return make_error(errc::failed, path_, "cannot write the rejects file");
      out_ << "line,reason,record\n";
    }
    out_ << line << "," << csv_escape(reason) << "," << csv_escape(record) << "\n";
    return ok_status();
  }

 private:
  std::string path_;
  std::ofstream out_;
};

// The secondary indexes of `table` as their CREATE statements (SQLite and PostgreSQL).
result<std::vector<std::pair<std::string, std::string>>> secondary_indexes(
    backend& b, const std::string& table) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string sql =
      b.kind() == dialect::sqlite
          ? "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL"
          : "SELECT indexname::text, indexdef::text FROM pg_indexes WHERE schemaname = "
            "current_schema() AND tablename = $1 AND indexname NOT LIKE '%_pkey'";
  auto st = b.query(sql, {value::text(table)}, [&](const row& r) {
    out.emplace_back(r[0].s, r[1].s);
    return true;
  });
  if (!st) return st.err();
  return out;
}

// Into an empty table, rows load much faster without secondary indexes: they are dropped here
// and built again (in one pass each) when the load ends.
class deferred_indexes {
 public:
  status drop_if_empty(backend& b, const std::string& table) {
    auto n = query_int(b, "SELECT count(*) FROM (SELECT 1 FROM " + quote_id(table) + " LIMIT 1) x");
    if (!n) return n.err();
    if (*n > 0) return ok_status();
    empty_ = true;
    auto idx = secondary_indexes(b, table);
    if (!idx) return idx.err();
    for (const auto& [name, create] : *idx)
      if (auto r = b.exec("DROP INDEX " + quote_id(name)); !r) return r.err();
    dropped_ = *idx;
    return ok_status();
  }
  status rebuild(backend& b) {
    for (const auto& [name, create] : dropped_)
      if (auto r = b.exec(create); !r) return r.err();
    dropped_.clear();
    return ok_status();
  }
  bool active() const { return !dropped_.empty(); }
  bool empty_table() const { return empty_; }

 private:
  std::vector<std::pair<std::string, std::string>> dropped_;
  bool empty_ = false;
};

// What a load has read so far, and where it writes its rejects.
error stop_error(const load_request& req) {
  return make_error(errc::failed, req.path, "interrupted");
}

struct load_run {
  backend& b;
  const entity& e;
  const column_map& m;
  csv_reader& csv;
  const load_request& req;
  rejects_file& rejects;
  load_report rep;
};

// PostgreSQL: every record goes by COPY into a temporary stage (its line; the reason it is
// rejected, or null; its record where a rejection may need it; its typed values), then one
// statement applies the good rows to the table. Rejections are read back in line order, as
// the row-by-row path writes them, so both backends give the same report and rejects file.
status load_by_copy(load_run& r, bool empty_table) {
  backend& b = r.b;
  const entity& e = r.e;
  std::vector<std::string> cols;  // the bound entity columns, in field order
  std::string create =
      "CREATE TEMP TABLE baton_load_stage (baton_line BIGINT, baton_reason TEXT, "
      "baton_record TEXT";
  for (std::size_t i : r.m.bound) {
    cols.push_back(r.m.cols[i]->name);
    create += ", " + quote_id(cols.back()) + " " + b.type_name(r.m.cols[i]->type);
  }
  if (auto x = b.exec(create + ") ON COMMIT DROP"); !x) return x.err();
  std::vector<std::string> stage_cols = {"baton_line", "baton_reason", "baton_record"};
  stage_cols.insert(stage_cols.end(), cols.begin(), cols.end());
  auto w = b.copy_in("baton_load_stage", stage_cols);
  if (!w) return w.err();
  std::vector<std::string> fields;
  std::vector<value> vals, staged;
  std::uint64_t line = 0, good = 0;
  std::size_t in_batch = 0;
  const bool keep_records = r.req.mode == load_mode::insert;  // a key may turn out taken
  while (true) {
    if (r.req.cancel && r.req.cancel->load(std::memory_order_relaxed))
      return make_error(errc::failed, r.req.path, "interrupted");
    auto more = r.csv.next(fields, line);
    if (!more) return more.err();
    if (!*more) break;
    ++r.rep.rows;
    auto reason = convert_row(e, r.m, fields, vals);
    staged.clear();
    staged.push_back(value::integer(static_cast<std::int64_t>(line)));
    staged.push_back(reason ? value::text(*reason) : value::null_of(column_type::string));
    staged.push_back(reason || keep_records ? value::text(csv_join(fields))
                                            : value::null_of(column_type::string));
    if (reason) {
      for (std::size_t i : r.m.bound) staged.push_back(value::null_of(r.m.cols[i]->type));
    } else {
      staged.insert(staged.end(), vals.begin(), vals.end());
      ++good;
    }
    if (auto st = (*w)->row(staged); !st) return st;
    if (++in_batch >= r.req.batch_rows) {
      in_batch = 0;
      if (r.req.progress) r.req.progress({r.rep.rows, r.csv.bytes_read(), r.csv.total_bytes()});
    }
  }
  if (auto n = (*w)->finish(); !n) return n.err();
  w->reset();

  std::string list, sets;
  for (const auto& c : cols) {
    list += (list.empty() ? "" : ", ") + quote_id(c);
    if (c != e.key) sets += (sets.empty() ? "" : ", ") + quote_id(c) + " = excluded." + quote_id(c);
  }
  const std::string key = quote_id(e.key), table = quote_id(e.name);
  const std::string good_rows = " FROM baton_load_stage WHERE baton_reason IS NULL";
  if (r.req.mode == load_mode::upsert) {
    std::string conflict = " ON CONFLICT (" + key + ") DO " +
                           (sets.empty() ? std::string("NOTHING") : "UPDATE SET " + sets);
    // A key twice in the file makes one INSERT meet it twice, which PostgreSQL refuses: then the
    // last row of each key is taken, as the row-by-row path would leave it.
    if (auto x = b.exec("SAVEPOINT baton_load"); !x) return x.err();
    auto n = b.exec("INSERT INTO " + table + " (" + list + ") SELECT " + list + good_rows +
                    (empty_table ? "" : conflict));
    if (!n) {
      if (auto x = b.exec("ROLLBACK TO SAVEPOINT baton_load"); !x) return x.err();
      n = b.exec("INSERT INTO " + table + " (" + list + ") SELECT DISTINCT ON (" + key + ") " +
                 list + good_rows + " ORDER BY " + key + ", baton_line DESC" + conflict);
      if (!n) return n.err();
    }
    r.rep.applied = sets.empty() ? *n : good;
  } else if (r.req.mode == load_mode::insert) {
    // A key already in the table, or on an earlier line of the file, is rejected.
    if (auto x = b.exec("CREATE INDEX ON baton_load_stage (" + key + ", baton_line)"); !x)
      return x.err();
    if (auto x = b.exec("ANALYZE baton_load_stage"); !x) return x.err();
    auto n = b.exec(
        "UPDATE baton_load_stage s SET baton_reason = 'a row with ' || " + b.placeholder(1) +
            " || ' = ' || s." + key + "::text || ' already exists' WHERE " +
            "s.baton_reason IS NULL AND (EXISTS (SELECT 1 FROM " + table + " t WHERE t." + key +
            " = s." + key + ") OR EXISTS (SELECT 1 FROM baton_load_stage p WHERE p." + key +
            " = s." + key + " AND p.baton_reason IS NULL AND p.baton_line < s.baton_line))",
        {value::text(e.key)});
    if (!n) return n.err();
    auto ins = b.exec("INSERT INTO " + table + " (" + list + ") SELECT " + list + good_rows);
    if (!ins) return ins.err();
    r.rep.applied = *ins;
  } else {
    auto n = b.exec("DELETE FROM " + table + " t USING (SELECT DISTINCT " + key + good_rows +
                    ") k WHERE t." + key + " = k." + key);
    if (!n) return n.err();
    r.rep.applied = *n;
    r.rep.missing = good - *n;
  }
  std::optional<error> failure;
  auto st = b.query(
      "SELECT baton_line, baton_reason, baton_record FROM baton_load_stage WHERE baton_reason IS "
      "NOT NULL ORDER BY baton_line",
      {}, [&](const row& x) {
        auto a = r.rejects.add_record(r.rep, static_cast<std::uint64_t>(x[0].i), x[1].s, x[2].s);
        if (!a) failure = a.err();
        return a.ok();
      });
  if (!st) return st;
  if (failure) return *failure;
  if (r.req.progress) r.req.progress({r.rep.rows, r.csv.bytes_read(), r.csv.total_bytes()});
  return ok_status();
}

// SQLite upserts: a reader thread parses and types the records and writes the rejects, while the
// calling thread runs the statements (`chunk` rows each through `many`, a shorter tail row by row
// through `one`), so CSV work and SQLite's own work overlap on two cores. A few groups wait in
// between; an error on either side stops both.
status upsert_in_two_threads(load_run& r, statement& one, statement& many, std::size_t chunk) {
  using group = std::vector<value>;  // up to `chunk` rows, one after the other
  const std::size_t width = r.m.bound.size(), max_waiting = 256;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<group> waiting;
  bool reading = true, stopping = false;
  std::optional<error> read_error;
  std::thread reader([&] {
    std::vector<std::string> fields;
    std::vector<value> vals;
    group cur;
    std::uint64_t line = 0;
    std::size_t in_batch = 0, rows_in_cur = 0;
    std::optional<error> err;
    auto hand_over = [&]() -> bool {
      std::unique_lock lk(mu);
      cv.wait(lk, [&] { return stopping || waiting.size() < max_waiting; });
      if (stopping) return false;
      waiting.push_back(std::move(cur));
      cur = group();
      rows_in_cur = 0;
      cv.notify_all();
      return true;
    };
    while (true) {
      if (r.req.cancel && r.req.cancel->load(std::memory_order_relaxed)) {
        err = stop_error(r.req);
        break;
      }
      auto more = r.csv.next(fields, line);
      if (!more) {
        err = more.err();
        break;
      }
      if (!*more) break;
      ++r.rep.rows;
      if (auto reason = convert_row(r.e, r.m, fields, vals)) {
        if (auto st = r.rejects.add(r.rep, line, *reason, fields); !st) {
          err = st.err();
          break;
        }
      } else {
        cur.insert(cur.end(), std::make_move_iterator(vals.begin()),
                   std::make_move_iterator(vals.end()));
        if (++rows_in_cur == chunk && !hand_over()) break;
      }
      if (++in_batch >= r.req.batch_rows) {  // progress only: the file is one transaction
        in_batch = 0;
        if (r.req.progress) r.req.progress({r.rep.rows, r.csv.bytes_read(), r.csv.total_bytes()});
      }
    }
    if (!err && rows_in_cur) hand_over();
    std::lock_guard lk(mu);
    reading = false;
    read_error = err;
    cv.notify_all();
  });
  std::optional<error> write_error;
  std::uint64_t applied = 0;
  while (!write_error) {
    group g;
    {
      std::unique_lock lk(mu);
      cv.wait(lk, [&] { return !waiting.empty() || !reading; });
      if (waiting.empty()) break;
      g = std::move(waiting.front());
      waiting.pop_front();
      cv.notify_all();
    }
    std::size_t rows = g.size() / width;
    if (rows == chunk) {
      if (auto x = many.run(g); !x) write_error = x.err();
    } else {
      for (std::size_t i = 0; i < rows && !write_error; ++i) {
        group row(
            std::make_move_iterator(g.begin() + static_cast<std::ptrdiff_t>(i * width)),
            std::make_move_iterator(g.begin() + static_cast<std::ptrdiff_t>((i + 1) * width)));
        if (auto x = one.run(row); !x) write_error = x.err();
      }
    }
    if (!write_error) applied += rows;
  }
  if (write_error) {
    std::lock_guard lk(mu);
    stopping = true;
    cv.notify_all();
  }
  reader.join();
  r.rep.applied += applied;
  if (write_error) return *write_error;
  if (read_error) return *read_error;
  return ok_status();
}

}  // namespace

std::optional<load_mode> load_mode_from_string(const std::string& s) {
  if (s == "upsert") return load_mode::upsert;
  if (s == "insert") return load_mode::insert;
  if (s == "delete") return load_mode::remove;
  return std::nullopt;
}

result<load_report> load_csv(backend& b, const entity_schema& schema, const load_request& req) {
  const entity* e = schema.find_entity(req.entity);
  if (!e)
    return make_error(errc::not_found, req.entity, "no entity `" + req.entity + "` in the schema");
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
  load_report rep;
  rejects_file rejects(req.rejects_path);
  std::vector<value> vals;
  if (auto st = b.begin(); !st) return st.err();
  deferred_indexes indexes;
  auto fail = [&](const error& err) -> result<load_report> {
    b.rollback();
    return err;
  };
  if (req.mode != load_mode::remove)
    if (auto st = indexes.drop_if_empty(b, e->name); !st) return fail(st.err());
  if (b.kind() == dialect::postgres) {
    load_run run{b, *e, *map, csv, req, rejects, rep};
    if (auto st = load_by_copy(run, indexes.empty_table()); !st) return fail(st.err());
    if (auto st = indexes.rebuild(b); !st) return fail(st.err());
    if (req.cancel && req.cancel->load(std::memory_order_relaxed)) return fail(stop_error(req));
    if (auto st = b.commit(); !st) return fail(st.err());
    return run.rep;
  }
  auto stmt = b.prepare(statement_sql(b, *e, *map, req.mode, indexes.empty_table()));
  if (!stmt) return fail(stmt.err());
  // Upserts into SQLite go several rows per statement: running a statement costs about as much
  // as the row it inserts. (Insert and delete report each row's outcome; PostgreSQL refuses an
  // upsert that meets one key twice in one statement.)
  std::size_t chunk =
      req.mode == load_mode::upsert && b.kind() == dialect::sqlite
          ? std::max<std::size_t>(1, std::min<std::size_t>(32, 30000 / map->bound.size()))
          : 1;
  std::unique_ptr<statement> many;
  if (chunk > 1) {
    auto st = b.prepare(statement_sql(b, *e, *map, req.mode, indexes.empty_table(), chunk));
    if (!st) return fail(st.err());
    many = std::move(st.value());
  }
  auto interrupted = [&] { return req.cancel && req.cancel->load(std::memory_order_relaxed); };
  const error stop = stop_error(req);
  if (many) {
    load_run run{b, *e, *map, csv, req, rejects, rep};
    if (auto st = upsert_in_two_threads(run, **stmt, *many, chunk); !st) return fail(st.err());
    rep = run.rep;
  } else {
    std::size_t in_batch = 0;
    while (true) {
      if (interrupted()) return fail(stop);
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
      if (++in_batch >= req.batch_rows) {  // progress only: the file is one transaction
        in_batch = 0;
        if (req.progress) req.progress({rep.rows, csv.bytes_read(), csv.total_bytes()});
      }
    }
  }
  if (auto st = indexes.rebuild(b); !st) return fail(st.err());
  if (interrupted()) return fail(stop);
  if (auto st = b.commit(); !st) return fail(st.err());
  if (req.progress) req.progress({rep.rows, csv.bytes_read(), csv.total_bytes()});
  return rep;
}

}  // namespace baton::audience
