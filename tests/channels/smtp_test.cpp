// The SMTP connector against real SMTP servers started on free loopback ports: postfix's
// smtp-sink (counts, envelope, connection reuse, refusals, a dropped connection) and aiosmtpd
// (Debian python3-aiosmtpd, storing a Maildir: headers, encodings, per-recipient 5xx/4xx,
// STARTTLS).
#include <catch2/catch.hpp>

#include <atomic>
#include <set>

#include "channels/smtp.hpp"
#include "support.hpp"

using namespace baton;
using namespace baton::channels;
using namespace baton::channels::testing;
namespace fs = std::filesystem;

namespace {

std::string base64_decode(const std::string& in) {
  std::string out;
  int bits = 0, val = 0;
  for (char c : in) {
    const char* p =
        std::strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", c);
    if (!p || !c) continue;
    val = (val << 6) |
          static_cast<int>(p - "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    if ((bits += 6) >= 8) out.push_back(static_cast<char>((val >> (bits -= 8)) & 0xFF));
  }
  return out;
}

smtp_options options_for(const std::string& url) {
  smtp_options o;
  o.url = url;
  o.message_id_domain = "test.example";
  o.timeout_seconds = 10;
  o.connections = 1;  // one connection unless a test asks for more: peers and order are fixed
  return o;
}

}  // namespace

TEST_CASE("SMTP delivers every message over one connection with Baton's headers", "[smtp]") {
  smtp_server server;
  manual_clock clock;
  smtp_connector smtp(options_for(server.url()), &clock);
  auto batch = sample_batch(0, 8);
  auto rs = smtp.send(batch);
  REQUIRE(rs.size() == 8);
  for (const auto& r : rs) CHECK(r.sent());
  auto rs2 = smtp.send(sample_batch(8, 10));  // a second batch on the kept connection
  for (const auto& r : rs2) CHECK(r.sent());
  auto got = server.delivered();
  REQUIRE(got.size() == 10);
  std::set<std::string> ids, peers;
  for (auto& h : got) {
    ids.insert(h["X-Baton-Message-Id"]);
    CHECK(h["Message-ID"] == "<" + h["X-Baton-Message-Id"] + "@test.example>");
    CHECK(h["From"] == "Shop <news@shop.example>");
    CHECK(h["X-MailFrom"] == "news@shop.example");
    CHECK(h["Date"] == "Thu, 01 Jan 2026 00:00:00 +0000");  // from the injected clock
    CHECK(h["Content-Type"] == "text/plain; charset=UTF-8");
    peers.insert(h["X-Peer"]);
  }
  for (const auto& m : sample_batch(0, 10)) CHECK(ids.count(m.message_id));
  CHECK(peers.size() == 1);  // one TCP connection for both batches
  auto& one = got.front();
  CHECK(one["X-RcptTo"] == one["To"].substr(1, one["To"].size() - 2));
  CHECK_THAT(one[""], Catch::Contains("the sale is on."));
}

TEST_CASE("SMTP encodes non-ASCII subjects and bodies", "[smtp]") {
  smtp_server server;
  smtp_connector smtp(options_for(server.url()), nullptr);
  auto m = sample_email(1);
  m.subject = "Grüße aus Köln — {{ü}}";
  m.html = "Liebe Grüße\n.a line starting with a dot\n";  // an HTML body alone
  m.body.clear();
  REQUIRE(smtp.send({m})[0].sent());
  auto got = server.delivered();
  REQUIRE(got.size() == 1);
  auto subject = got[0]["Subject"];
  REQUIRE(subject.rfind("=?UTF-8?B?", 0) == 0);
  std::string decoded;
  for (std::size_t at = 0; (at = subject.find("=?UTF-8?B?", at)) != std::string::npos;) {
    auto end = subject.find("?=", at + 10);
    decoded += base64_decode(subject.substr(at + 10, end - at - 10));
    at = end;
  }
  CHECK(decoded == m.subject);
  // 8-bit text goes as quoted-printable (tests/channels/mime_check.py decodes it with Python's
  // email package); the dot-stuffed line arrives as it was.
  CHECK(got[0]["Content-Transfer-Encoding"] == "quoted-printable");
  CHECK(got[0]["Content-Type"] == "text/html; charset=UTF-8");
  CHECK(got[0][""] == "Liebe Gr=C3=BC=C3=9Fe\n.a line starting with a dot\n");
}

TEST_CASE("SMTP replies: 5xx fails for good, 4xx may be retried, the rest still go", "[smtp]") {
  smtp_server server;
  smtp_connector smtp(options_for(server.url()), nullptr);
  auto batch = sample_batch(0, 4);
  batch[1].address = "reject@example.com";
  batch[2].address = "later@example.com";
  auto rs = smtp.send(batch);
  CHECK(rs[0].sent());
  CHECK_FALSE(rs[1].sent());
  CHECK_FALSE(rs[1].retryable);
  CHECK_THAT(rs[1].reason, Catch::Contains("550"));
  CHECK_FALSE(rs[2].sent());
  CHECK(rs[2].retryable);
  CHECK_THAT(rs[2].reason, Catch::Contains("451"));
  CHECK(rs[3].sent());
  CHECK(server.delivered().size() == 2);
  auto no_from = sample_email(9);
  no_from.from.clear();
  auto r = smtp.send({no_from});
  CHECK_FALSE(r[0].sent());
  CHECK_THAT(r[0].reason, Catch::Contains("from"));
}

TEST_CASE("SMTP with STARTTLS, verifying the server's certificate", "[smtp]") {
  scratch_dir certs;
  std::string cert = certs.str() + "/cert.pem", key = certs.str() + "/key.pem";
  std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  smtp_server server({"--tlscert", cert, "--tlskey", key});  // STARTTLS required by the server
  auto o = options_for(server.url());
  o.tls = smtp_tls::starttls;
  o.ca_file = cert;
  smtp_connector tls(o, nullptr);
  auto rs = tls.send(sample_batch(0, 3));
  for (const auto& r : rs) CHECK(r.sent());
  CHECK(server.delivered().size() == 3);

  smtp_connector plain(options_for(server.url()), nullptr);  // no STARTTLS: the server refuses
  auto refused = plain.send(sample_batch(3, 4));
  CHECK_FALSE(refused[0].sent());
  CHECK_THAT(refused[0].reason, Catch::Contains("530"));

  auto unverified = options_for(server.url());
  unverified.tls = smtp_tls::starttls;  // the self-signed certificate is not in the system store
  smtp_connector bad(unverified, nullptr);
  auto rejected = bad.send(sample_batch(4, 6));
  CHECK_FALSE(rejected[0].sent());
  CHECK(rejected[0].retryable);
  CHECK(rejected[1].reason == rejected[0].reason);  // the rest of the batch failed at once
  CHECK(server.delivered().size() == 3);
}

TEST_CASE("SMTP without a server fails the batch at once, retryably", "[smtp]") {
  smtp_connector smtp(options_for("smtp://127.0.0.1:" + std::to_string(free_port())), nullptr);
  auto t0 = std::chrono::steady_clock::now();
  auto rs = smtp.send(sample_batch(0, 20));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  for (const auto& r : rs) {
    CHECK_FALSE(r.sent());
    CHECK(r.retryable);
  }
}

TEST_CASE("format_email writes the headers the contract names", "[smtp]") {
  auto m = sample_email(5);
  m.subject = "line\r\nBcc: evil@example.com";  // header injection is flattened
  auto text = format_email(m, mail_defaults_of(options_for("smtp://x")), 0);
  CHECK_THAT(text, Catch::Contains("Message-ID: <" + m.message_id + "@test.example>\r\n"));
  CHECK_THAT(text, Catch::Contains("X-Baton-Message-Id: " + m.message_id + "\r\n"));
  CHECK_THAT(text, Catch::Contains("Subject: line  Bcc: evil@example.com\r\n"));
  CHECK_THAT(text, Catch::Contains("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"));
  CHECK_THAT(text, Catch::Contains("\r\n\r\nDear customer 5,\r\nthe sale is on.\r\n"));
  CHECK(envelope_address("Shop <news@shop.example>") == "news@shop.example");
  CHECK(envelope_address(" a@b.co ") == "a@b.co");
}

TEST_CASE("SMTP to postfix's smtp-sink: every message once, all batches over one session",
          "[smtp][smtp-sink]") {
  test_servers::smtp_sink sink;
  {
    smtp_connector smtp(options_for(sink.url()), nullptr);
    for (int from = 0; from < 1000; from += 200)
      for (const auto& r : smtp.send(sample_batch(from, from + 200))) CHECK(r.sent());
  }  // the connector closes its connection: the session ends and smtp-sink counts it
  auto got = sink.messages();
  REQUIRE(got.size() == 1000);
  std::map<std::string, int> ids;
  for (auto& m : got) {
    ++ids[m["X-Baton-Message-Id"]];
    CHECK(m["X-Mail-Args"] == "<news@shop.example>");
    CHECK(m["X-Rcpt-Args"] == m["To"]);
    CHECK(m["Message-ID"] == "<" + m["X-Baton-Message-Id"] + "@test.example>");
  }
  for (const auto& m : sample_batch(0, 1000)) CHECK(ids[m.message_id] == 1);
  CHECK(got[7]["X-Rcpt-Args"] == "<user7@example.com>");
  CHECK(got[7]["Subject"] == "Hello 7");
  CHECK_THAT(got[7][""], Catch::Contains("Dear customer 7,\nthe sale is on."));
  for (int i = 0; i < 100 && sink.totals().sessions < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto t = sink.totals();
  CHECK(t.sessions == 1);  // connection reuse: one SMTP session for five batches
  CHECK(t.messages == 1000);
}

TEST_CASE("SMTP to smtp-sink: refused recipients fail for good, refused DATA may be retried",
          "[smtp][smtp-sink]") {
  {
    test_servers::smtp_sink hard(true, {"-f", "RCPT"});
    smtp_connector smtp(options_for(hard.url()), nullptr);
    auto rs = smtp.send(sample_batch(0, 3));
    for (const auto& r : rs) {
      CHECK_FALSE(r.sent());
      CHECK_FALSE(r.retryable);
      CHECK_THAT(r.reason, Catch::Contains("500"));
    }
    CHECK(hard.messages().empty());
  }
  test_servers::smtp_sink soft(true, {"-r", "DATA"});
  smtp_connector smtp(options_for(soft.url()), nullptr);
  auto rs = smtp.send(sample_batch(0, 3));
  for (const auto& r : rs) {
    CHECK_FALSE(r.sent());
    CHECK(r.retryable);
    CHECK_THAT(r.reason, Catch::Contains("450"));
  }
  CHECK(soft.messages().empty());
}

TEST_CASE("SMTP reconnects when the server closed the kept connection", "[smtp][smtp-sink]") {
  // smtp-sink ends a session idle for a second (-t 1), as servers do: the next batch finds the
  // kept connection closed and goes over a new one.
  test_servers::smtp_sink sink(true, {"-t", "1"});
  {
    smtp_connector smtp(options_for(sink.url()), nullptr);
    for (const auto& r : smtp.send(sample_batch(0, 3))) CHECK(r.sent());
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    for (const auto& r : smtp.send(sample_batch(3, 6))) {
      INFO(r.reason);
      CHECK(r.sent());
    }
  }
  CHECK(sink.messages().size() == 6);
  for (int i = 0; i < 100 && sink.totals().sessions < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(sink.totals().sessions == 2);
}

TEST_CASE("SMTP over four kept connections: every message once, hooks one at a time and in order",
          "[smtp][smtp-sink]") {
  test_servers::smtp_sink sink;
  std::map<std::string, std::string> seen;  // message id -> "><" hand-over then answer
  std::atomic<int> inside{0};
  bool overlapped = false;
  send_hooks hooks;
  hooks.handing_over = [&](const message& m) {
    if (inside.fetch_add(1) != 0) overlapped = true;
    seen[m.message_id] += ">";
    inside.fetch_sub(1);
  };
  hooks.answered = [&](const message& m, const delivery_result& r) {
    if (inside.fetch_add(1) != 0) overlapped = true;
    seen[m.message_id] += r.sent() ? "+" : "-";
    inside.fetch_sub(1);
  };
  {
    auto o = options_for(sink.url());
    o.connections = 4;
    smtp_connector smtp(o, nullptr);
    for (int from = 0; from < 1000; from += 200) {
      auto batch = sample_batch(from, from + 200);
      batch.push_back(batch[3]);  // a repeated id in the batch is sent once
      auto rs = smtp.send(batch, hooks);
      REQUIRE(rs.size() == batch.size());
      for (std::size_t i = 0; i < batch.size(); ++i) {
        CHECK(rs[i].message_id == batch[i].message_id);  // results in the batch's order
        CHECK(rs[i].sent());
      }
      CHECK(rs.back().repeated);
    }
  }
  CHECK_FALSE(overlapped);
  REQUIRE(seen.size() == 1000);
  for (auto& [id, trace] : seen) CHECK(trace == ">+");
  auto got = sink.messages();
  REQUIRE(got.size() == 1000);
  std::map<std::string, int> ids;
  for (auto& m : got) ++ids[m["X-Baton-Message-Id"]];
  for (const auto& m : sample_batch(0, 1000)) CHECK(ids[m.message_id] == 1);
  for (int i = 0; i < 100 && sink.totals().sessions < 4; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(sink.totals().sessions == 4);  // four connections, each kept over the five batches
}

TEST_CASE("SMTP over four connections: a stop hands nothing more over, a dead server fails all",
          "[smtp][smtp-sink]") {
  test_servers::smtp_sink sink;
  auto o = options_for(sink.url());
  o.connections = 4;
  smtp_connector smtp(o, nullptr);
  std::atomic<int> handed{0};
  send_hooks hooks;
  hooks.handing_over = [&](const message&) { ++handed; };
  hooks.stop_requested = [&] { return handed.load() >= 50; };
  auto rs = smtp.send(sample_batch(0, 200), hooks);
  int sent = 0;
  for (const auto& r : rs) {
    if (r.sent()) {
      ++sent;
    } else {
      CHECK(r.reason == k_stopped_reason);
      CHECK(r.retryable);
    }
  }
  CHECK(sent == 50);
  CHECK(sink.messages().size() == 50);

  auto dead = options_for("smtp://127.0.0.1:" + std::to_string(free_port()));
  dead.connections = 4;
  smtp_connector none(dead, nullptr);
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& r : none.send(sample_batch(0, 100))) {
    CHECK_FALSE(r.sent());
    CHECK(r.retryable);
  }
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}
