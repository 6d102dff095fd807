// The file outbox: one line per message, never a message_id twice (same batch again, a new
// instance, a torn last line after a crash, a writer killed with SIGKILL mid-stream), and the
// connector configuration around it.
#include <catch2/catch.hpp>

#include <fcntl.h>

#include <map>
#include <set>

#include "channels/connector.hpp"
#include "channels/file_outbox.hpp"
#include "model/config.hpp"
#include "support.hpp"

using namespace baton;
using namespace baton::channels;
using namespace baton::channels::testing;
using nlohmann::json;

namespace {

// message_id -> how many lines carry it; every line must be a JSON object. With `torn_tail`, a
// last line without its newline (a writer killed in the middle of a write) is left out; without,
// the file must end with a whole line.
std::map<std::string, int> id_counts(const std::string& path, bool torn_tail = false) {
  std::map<std::string, int> out;
  auto text = read_file(path);
  if (torn_tail) {
    auto last = text.find_last_of('\n');
    text.resize(last == std::string::npos ? 0 : last + 1);
  }
  if (!text.empty()) REQUIRE(text.back() == '\n');
  for (const auto& line : lines_of(text)) {
    auto j = json::parse(line, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    out[j.at("message_id").get<std::string>()]++;
  }
  return out;
}

bool all_sent(const std::vector<delivery_result>& rs) {
  for (const auto& r : rs)
    if (!r.sent()) return false;
  return true;
}

}  // namespace

TEST_CASE("the outbox writes each message once, as the JSON of INTERFACES.md §6", "[outbox]") {
  scratch_dir dir;
  file_outbox box(dir.str() + "/outbox", "email");
  auto batch = sample_batch(0, 10);
  auto first = box.send(batch);
  REQUIRE(first.size() == 10);
  CHECK(all_sent(first));
  CHECK_FALSE(first[0].repeated);
  auto again = box.send(batch);  // the same batch again (a replay after a crash)
  CHECK(all_sent(again));
  for (const auto& r : again) CHECK(r.repeated);
  auto counts = id_counts(box.path());
  CHECK(counts.size() == 10);
  for (const auto& [id, n] : counts) CHECK(n == 1);
  auto line = json::parse(lines_of(read_file(box.path()))[3]);
  CHECK(line["message_id"] == batch[3].message_id);
  CHECK(line["address"] == "user3@example.com");
  CHECK(line["subject"] == "Hello 3");
  CHECK(line["channel"] == "email");
  CHECK(box.path() == dir.str() + "/outbox/email.jsonl");
}

TEST_CASE("duplicates inside one batch are written once", "[outbox]") {
  scratch_dir dir;
  file_outbox box(dir.str(), "sms");
  auto batch = sample_batch(0, 3);
  batch.push_back(batch[1]);
  auto rs = box.send(batch);
  CHECK(all_sent(rs));
  CHECK(rs[3].repeated);
  CHECK(id_counts(box.path()).size() == 3);
  CHECK(lines_of(read_file(box.path())).size() == 3);
}

TEST_CASE("a new outbox on the same file knows what was written", "[outbox]") {
  scratch_dir dir;
  {
    file_outbox box(dir.str(), "email");
    CHECK(all_sent(box.send(sample_batch(0, 5))));
  }
  file_outbox box(dir.str(), "email");
  REQUIRE(box.open().ok());
  CHECK(box.file_stats().messages == 5);
  auto rs = box.send(sample_batch(3, 8));
  CHECK(rs[0].repeated);
  CHECK(rs[1].repeated);
  CHECK_FALSE(rs[2].repeated);
  auto counts = id_counts(box.path());
  CHECK(counts.size() == 8);
  for (const auto& [id, n] : counts) CHECK(n == 1);
}

TEST_CASE("a torn last line left by a crash is cut off and its message written once", "[outbox]") {
  scratch_dir dir;
  std::string path;
  auto batch = sample_batch(0, 4);
  {
    file_outbox box(dir.str(), "email");
    CHECK(all_sent(box.send({batch[0], batch[1]})));
    path = box.path();
  }
  // A crash in the middle of the write of the next batch: half of message 2's line.
  std::string torn = to_json(batch[2]).dump();
  torn.resize(torn.size() / 2);
  {
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << torn;
  }
  file_outbox box(dir.str(), "email");
  REQUIRE(box.open().ok());
  CHECK(box.file_stats().torn_bytes == torn.size());
  CHECK(box.file_stats().messages == 2);
  CHECK(read_file(path).back() == '\n');
  auto rs = box.send(batch);  // the engine replays the unacknowledged batch
  CHECK(all_sent(rs));
  CHECK(rs[0].repeated);
  CHECK_FALSE(rs[2].repeated);
  auto counts = id_counts(path);
  CHECK(counts.size() == 4);
  for (const auto& [id, n] : counts) CHECK(n == 1);
}

TEST_CASE("a corrupt complete line is kept and ignored", "[outbox]") {
  scratch_dir dir;
  std::string path = dir.str() + "/email.jsonl";
  {
    std::ofstream out(path, std::ios::binary);
    out << "not json\n" << to_json(sample_email(1)).dump() << "\n";
  }
  file_outbox box(dir.str(), "email");
  REQUIRE(box.open().ok());
  CHECK(box.file_stats().corrupt_lines == 1);
  CHECK(box.file_stats().messages == 1);
  auto rs = box.send(sample_batch(0, 2));
  CHECK_FALSE(rs[0].repeated);
  CHECK(rs[1].repeated);
  CHECK(lines_of(read_file(path)).size() == 3);
}

TEST_CASE("only one writer holds an outbox file", "[outbox]") {
  scratch_dir dir;
  file_outbox first(dir.str(), "email");
  REQUIRE(first.open().ok());
  file_outbox second(dir.str(), "email");
  auto st = second.open();
  REQUIRE_FALSE(st.ok());
  CHECK(st.err().code == errc::unavailable);
  auto rs = second.send(sample_batch(0, 1));
  CHECK_FALSE(rs[0].sent());
  CHECK(rs[0].retryable);
}

TEST_CASE("a writer killed with SIGKILL mid-stream leaves no duplicate after replay",
          "[outbox][crash]") {
  scratch_dir dir;
  const int total = 3000, batch = 50;
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    file_outbox box(dir.str(), "email");
    for (int round = 0;; ++round)  // the same messages again and again until killed
      for (int i = 0; i < total; i += batch) box.send(sample_batch(i, i + batch));
  }
  // Kill once some lines exist, in the middle of the stream.
  std::string path = dir.str() + "/email.jsonl";
  for (int i = 0;
       i < 500 && (!std::filesystem::exists(path) || std::filesystem::file_size(path) < 20'000);
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  auto before = id_counts(path, true).size();  // the kill may have cut a line: reopening mends it
  CHECK(before > 0);
  file_outbox box(dir.str(), "email");
  for (int i = 0; i < total; i += batch) REQUIRE(all_sent(box.send(sample_batch(i, i + batch))));
  auto counts = id_counts(path);
  CHECK(counts.size() == static_cast<std::size_t>(total));
  for (const auto& [id, n] : counts) REQUIRE(n == 1);
}

TEST_CASE("the default config routes email, sms and push to DATA_DIR/outbox", "[config]") {
  scratch_dir dir;
  engine_config cfg;
  REQUIRE(parse_config(default_config_json(), cfg).empty());
  CHECK(check_channels_config(cfg.channels).empty());
  connector_set set(cfg.channels, {dir.str(), nullptr});
  for (const char* name : {"email", "sms", "push"}) {
    auto c = set.get(name);
    REQUIRE(c.ok());
    CHECK(std::string((*c)->kind()) == "file");
    CHECK((*c)->idempotent());
  }
  auto again = set.get("email");
  REQUIRE(again.ok());
  CHECK(*again == *set.get("email"));  // built once, kept
  CHECK(all_sent((*again)->send(sample_batch(0, 2))));
  CHECK(std::filesystem::exists(dir.path / "outbox" / "email.jsonl"));
  auto missing = set.get("newsletter");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.err().code == errc::not_found);
  connector_set empty(json::object(), {dir.str(), nullptr});
  CHECK(empty.get("sms").ok());  // no `channels` at all: the built-in names use the outbox
}

TEST_CASE("channel connector settings are checked with JSON pointers", "[config]") {
  json channels = {{"email", {{"connector", "smtp"}, {"url", "http://x"}, {"tls", "maybe"}}},
                   {"hook", {{"connector", "webhook"}, {"timeoutSeconds", 0}, {"extra", 1}}},
                   {"sms", {{"connector", "pigeon"}}},
                   {"push", {{"connector", "file"}, {"dir", "spool"}}}};
  auto ps = check_channels_config(channels);
  std::set<std::string> pointers;
  for (const auto& p : ps) pointers.insert(p.pointer);
  CHECK(pointers.count("/channels/email/url"));
  CHECK(pointers.count("/channels/email/tls"));
  CHECK(pointers.count("/channels/hook/url"));
  CHECK(pointers.count("/channels/hook/timeoutSeconds"));
  CHECK(pointers.count("/channels/hook/extra"));
  CHECK(pointers.count("/channels/sms/connector"));
  CHECK_FALSE(pointers.count("/channels/push"));
  CHECK_FALSE(pointers.count("/channels/push/dir"));
  scratch_dir dir;
  connector_set set(channels, {dir.str(), nullptr});
  auto bad = set.get("email");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.err().code == errc::validation);
  auto push = set.get("push");
  REQUIRE(push.ok());
  CHECK(all_sent((*push)->send(sample_batch(0, 1))));
  CHECK(std::filesystem::exists(dir.path / "spool" / "push.jsonl"));
}
