// write_backup / restore_backup (actors/backup.hpp): checkpoint, data plane, manifest with SHA-256.
#include "actors/backup.hpp"

#include <openssl/evp.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "audience/data_backup.hpp"
#include "model/time.hpp"

namespace baton {

namespace {

namespace fs = std::filesystem;

result<std::string> sha256_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return make_error(errc::failed, p.string(), "cannot read");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

// Every regular file under `dir`, relative, in name order.
std::vector<std::string> files_under(const fs::path& dir) {
  std::vector<std::string> out;
  for (auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

// The head of the event store at `dir`, opened read-only: (sequence, "SEQ:HASH").
result<std::pair<std::uint64_t, std::string>> head_of(const std::string& dir) {
  store_options o;
  o.open_mode = store_options::mode::read_only;
  auto s = event_store::open(dir, o);
  if (!s) return s.err();
  auto seq = s.value()->last_global_seq();
  if (seq == 0) return std::pair<std::uint64_t, std::string>{0, ""};
  auto last = s.value()->read_all(seq, 1);
  if (!last) return last.err();
  if (last->empty()) return make_error(errc::integrity, dir, "the last event cannot be read");
  return std::pair<std::uint64_t, std::string>{
      seq, std::to_string(seq) + ":" + to_hex(last->front().hash)};
}

status copy_if_present(const fs::path& from, const fs::path& to) {
  if (!fs::exists(from)) return ok_status();
  std::error_code ec;
  fs::copy_file(from, to, ec);
  if (ec)
    return make_error(errc::failed, to.string(),
                      "cannot copy " + from.string() + ": " + ec.message());
  return ok_status();
}

status copy_data_plane(const std::string& data_dir, const std::string& data_url,
                       const fs::path& target, backup_report& rep) {
  auto where = audience::locate_data(data_url, data_dir);
  if (!where) return where.err();
  if (where->k == audience::data_location::kind::postgres) {
    rep.data = "postgresql";
    rep.notes.push_back(
        "the data plane is on PostgreSQL and is not in this backup: dump it beside it, e.g. "
        "`pg_dump --format=custom --file " +
        (target / "data.pgdump").string() + " URL` (docs/operations.md)");
    return ok_status();
  }
  rep.data = "sqlite";
  auto name = where->relative.empty() ? std::string("data.sqlite") : where->relative;
  if (where->relative.empty())
    rep.notes.push_back("data.url names " + where->path +
                        ", outside the data dir: the copy is data.sqlite; set data.url to \"\" "
                        "in the restored config.json to use it");
  if (!fs::exists(where->path)) return ok_status();  // no data loaded yet
  fs::create_directories((target / name).parent_path());
  return audience::backup_sqlite(where->path, (target / name).string());
}

}  // namespace

nlohmann::json backup_to_json(const backup_report& r) {
  return {{"backup", r.dir}, {"events", r.events}, {"head", r.head},
          {"data", r.data},  {"files", r.files},   {"notes", r.notes}};
}

result<backup_report> write_backup(const event_store& store, const std::string& data_dir,
                                   const std::string& data_url, const std::string& target) {
  backup_report rep;
  rep.dir = target;
  std::error_code ec;
  if (fs::exists(target, ec))
    return make_error(errc::refused, target, "already exists: a backup goes into a new directory");
  fs::create_directories(target, ec);
  if (ec) return make_error(errc::failed, target, "cannot create: " + ec.message());
  fs::path dir(target);
  if (auto st = store.checkpoint((dir / "events").string()); !st) return st.err();
  auto head = head_of((dir / "events").string());
  if (!head) return head.err();
  rep.events = head->first;
  rep.head = head->second;
  if (auto st = copy_data_plane(data_dir, data_url, dir, rep); !st) return st.err();
  for (auto* f : {"schema.json", "config.json"})
    if (auto st = copy_if_present(fs::path(data_dir) / f, dir / f); !st) return st.err();
  nlohmann::json files = nlohmann::json::array();
  for (auto& f : files_under(dir)) {
    if (f == "events/LOCK" || f == "events/baton.lock") continue;
    auto sum = sha256_file(dir / f);
    if (!sum) return sum.err();
    files.push_back({{"path", f}, {"size", fs::file_size(dir / f)}, {"sha256", sum.value()}});
    rep.files.push_back(f);
  }
  nlohmann::json manifest = {
      {"format", 1},
      {"createdAt", format_time(system_clock().now())},
      {"source", fs::absolute(data_dir).lexically_normal().string()},
      {"events", {{"dir", "events"}, {"head", rep.events}, {"anchor", rep.head}}},
      {"data", rep.data},
      {"notes", rep.notes},
      {"files", files}};
  std::ofstream(dir / "manifest.json") << manifest.dump(2) << "\n";
  rep.files.push_back("manifest.json");
  return rep;
}

result<restore_report> restore_backup(const std::string& backup_dir, const std::string& data_dir) {
  restore_report rep;
  rep.data_dir = data_dir;
  fs::path from(backup_dir), to(data_dir);
  std::ifstream in(from / "manifest.json");
  if (!in)
    return make_error(errc::not_found, (from / "manifest.json").string(),
                      "not a backup written by `batonctl backup` (no manifest.json)");
  auto manifest = nlohmann::json::parse(in, nullptr, false);
  if (!manifest.is_object() || !manifest.contains("files") || !manifest["files"].is_array())
    return make_error(errc::integrity, (from / "manifest.json").string(), "not a backup manifest");
  std::error_code ec;
  if (fs::exists(to, ec) && !fs::is_empty(to, ec))
    return make_error(errc::refused, data_dir,
                      "is not empty: restore into a new data dir (then point --data-dir at it)");
  for (auto& f : manifest["files"]) {
    auto rel = f.value("path", "");
    auto want = f.value("sha256", "");
    if (rel.empty() || rel.find("..") != std::string::npos || fs::path(rel).is_absolute())
      return make_error(errc::integrity, (from / "manifest.json").string(), "bad file entry");
    auto sum = sha256_file(from / rel);
    if (!sum)
      return make_error(errc::integrity, (from / rel).string(),
                        "listed in the manifest but missing");
    if (sum.value() != want)
      return make_error(errc::integrity, (from / rel).string(),
                        "differs from the manifest (SHA-256): the backup is damaged");
  }
  for (auto& f : manifest["files"]) {
    auto rel = f["path"].get<std::string>();
    fs::create_directories((to / rel).parent_path(), ec);
    fs::copy_file(from / rel, to / rel, ec);
    if (ec) return make_error(errc::failed, (to / rel).string(), "cannot copy: " + ec.message());
    ++rep.files;
  }
  auto s = event_store::open((to / "events").string());
  if (!s) return s.err();
  auto v = s.value()->verify();
  if (!v) return v.err();
  if (v->first_break)
    return make_error(errc::integrity, "event #" + std::to_string(v->first_break->global_seq),
                      "the restored log does not verify: " + v->first_break->what);
  rep.events = v->head_seq;
  if (manifest.contains("notes"))
    for (auto& n : manifest["notes"]) rep.notes.push_back(n.get<std::string>());
  return rep;
}

}  // namespace baton
