// load_file: a delimited file (confined to the import directory) into file rows with typed
// columns, null rules and per-value error handling, plus a `rejects` output.
#include <algorithm>
#include <filesystem>

#include "audience/activity_support.hpp"
#include "audience/csv.hpp"
#include "model/json_reader.hpp"

namespace baton::audience::detail {

namespace {

namespace fs = std::filesystem;

struct file_column {
  std::string name;
  column_type type = column_type::string;
  std::string nulls = "allow", on_error = "reject";
  std::optional<value> fallback;  // `default`
  std::size_t field = 0;          // position in the record
};

result<std::string> confined_path(activity_run& r) {
  if (r.opts.import_dir.empty())
    return r.invalid("path", "load_file is disabled: no import directory is configured");
  std::error_code ec;
  fs::path root = fs::weakly_canonical(r.opts.import_dir, ec);
  fs::path p = fs::weakly_canonical(root / r.o.value("path", ""), ec);
  auto rel = p.lexically_relative(root);
  if (ec || rel.empty() || *rel.begin() == "..")
    return r.invalid(
        "path", "`" + r.o.value("path", "") + "` is outside the import directory " + root.string());
  if (!fs::exists(p, ec))
    return make_error(
        errc::not_found, "/activities/" + r.in.act->id + "/path",
        "no file `" + r.o.value("path", "") + "` in the import directory " + root.string());
  if (fs::file_size(p, ec) > r.opts.max_file_bytes)
    return r.invalid("path", "the file is larger than the load_file limit of " +
                                 std::to_string(r.opts.max_file_bytes >> 20) + " MB");
  return p.string();
}

result<std::vector<file_column>> file_columns(activity_run& r,
                                              const std::vector<std::string>* header) {
  std::vector<file_column> cols;
  const json decl = r.o.value("columns", json::array());
  if (decl.empty()) {
    if (!header) return r.invalid("columns", "a file without a header needs `columns`");
    for (std::size_t i = 0; i < header->size(); ++i) {
      if (!is_identifier((*header)[i]))
        return r.invalid("columns", "header column `" + (*header)[i] +
                                        "` is not a valid name; declare `columns`");
      cols.push_back({(*header)[i], column_type::string, "allow", "reject", std::nullopt, i});
    }
    return cols;
  }
  for (std::size_t i = 0; i < decl.size(); ++i) {
    const json& c = decl[i];
    file_column fc;
    fc.name = c.value("name", "");
    fc.type = column_type_from_string(c.value("type", "string")).value_or(column_type::string);
    fc.nulls = c.value("nulls", "allow");
    fc.on_error = c.value("onError", "reject");
    fc.field = i;
    if (c.contains("default")) {
      auto v = filter_value(c["default"], fc.type, r.env);
      if (!v) return r.invalid("columns/" + std::to_string(i) + "/default", v.err().what);
      fc.fallback = *v;
    }
    if (header) {
      auto it = std::find(header->begin(), header->end(), fc.name);
      if (it == header->end())
        return r.invalid("columns/" + std::to_string(i),
                         "the file's header has no column `" + fc.name + "`");
      fc.field = static_cast<std::size_t>(it - header->begin());
    }
    cols.push_back(std::move(fc));
  }
  return cols;
}

// The typed values of one record, or the reason to reject it.
std::optional<std::string> convert_record(const std::vector<file_column>& cols,
                                          const std::vector<std::string>& fields, std::size_t width,
                                          std::vector<value>& out) {
  if (fields.size() != width)
    return "expected " + std::to_string(width) + " fields, got " + std::to_string(fields.size());
  for (const auto& c : cols) {
    const std::string& text = fields[c.field];
    std::optional<std::string> problem;
    if (text.empty()) {
      if (c.nulls == "default" && c.fallback) {
        out.push_back(*c.fallback);
        continue;
      }
      if (c.nulls != "required") {
        out.push_back(value::null_of(c.type));
        continue;
      }
      problem = "column `" + c.name + "` is required";
    } else {
      auto v = parse_value(text, c.type);
      if (v) {
        out.push_back(std::move(*v));
        continue;
      }
      problem = "column `" + c.name + "`: " + v.err().what;
    }
    if (c.on_error == "reject") return problem;
    out.push_back(c.on_error == "default" && c.fallback ? *c.fallback : value::null_of(c.type));
  }
  return std::nullopt;
}

}  // namespace

status load_file(activity_run& r) {
  auto path = confined_path(r);
  if (!path) return path.err();
  std::string delim = r.o.value("delimiter", ",");
  auto reader = csv_reader::open(*path, delim.empty() ? ',' : delim[0]);
  if (!reader) return reader.err();
  bool header = r.o.value("header", true);
  std::vector<std::string> fields, head;
  std::uint64_t line = 0;
  if (header) {
    auto first = (*reader)->next(head, line);
    if (!first) return first.err();
    if (!*first) return r.invalid("path", "the file is empty (no header row)");
  }
  auto cols = file_columns(r, header ? &head : nullptr);
  if (!cols) return cols.err();
  std::size_t width = header ? head.size() : cols->size();
  worktable out{"", "", "_line", "", {{"_line", column_type::integer, false}}};
  for (const auto& c : *cols) out.columns.push_back({c.name, c.type, false});
  worktable rej{"",
                "",
                "_line",
                "",
                {{"_line", column_type::integer, false},
                 {"_reason", column_type::string, false},
                 {"_record", column_type::string, false}}};
  if (auto st = r.create(out, "out"); !st) return st;
  if (auto st = r.create(rej, "rejects"); !st) return st;
  std::string marks;
  for (std::size_t i = 0; i < out.columns.size(); ++i)
    marks += (i ? ", " : "") + r.b.placeholder(static_cast<int>(i) + 1);
  auto ins = r.b.prepare("INSERT INTO " + quote_id(out.table) + " (" + column_list(out.columns) +
                         ") VALUES (" + marks + ")");
  auto ins_rej =
      r.b.prepare("INSERT INTO " + quote_id(rej.table) + " (_line, _reason, _record) VALUES (" +
                  r.b.placeholder(1) + ", " + r.b.placeholder(2) + ", " + r.b.placeholder(3) + ")");
  if (!ins) return ins.err();
  if (!ins_rej) return ins_rej.err();
  std::int64_t max_errors = r.o.value("maxErrors", 0), errors = 0;
  std::string first_error;
  std::vector<value> vals;
  while (true) {
    auto more = (*reader)->next(fields, line);
    if (!more) return more.err();
    if (!*more) break;
    vals.assign(1, value::integer(static_cast<std::int64_t>(line)));
    auto reason = convert_record(*cols, fields, width, vals);
    auto res =
        reason ? (*ins_rej)->run({value::integer(static_cast<std::int64_t>(line)),
                                  value::text(*reason), value::text(csv_join(fields, delim[0]))})
               : (*ins)->run(vals);
    if (!res) return res.err();
    if (reason && ++errors == 1) first_error = "line " + std::to_string(line) + ": " + *reason;
  }
  if (errors > max_errors)
    return make_error(errc::failed, "/activities/" + r.in.act->id,
                      std::to_string(errors) + " line(s) rejected, more than maxErrors (" +
                          std::to_string(max_errors) + "); first: " + first_error);
  if (auto st = r.emit(out, "out"); !st) return st;
  return r.emit(rej, "rejects");
}

}  // namespace baton::audience::detail
