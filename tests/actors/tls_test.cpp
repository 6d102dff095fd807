// batond's API over TLS (INTERFACES.md §8, issue 11), with certificates made by `openssl` at test
// time with real extensions (subjectAltName, basicConstraints, keyUsage): the client checks the
// server's chain, dates and host name (DNS name or IP address) and says which failed (exit 5);
// batond --tls-ca wants a client certificate its CA signed; a client key that does not match its
// certificate is exit 2 before any connection; the wire guard closes a connection whose first
// bytes are no ClientHello at once, and one silent before its TLS handshake after 2 s; a key that
// does not match batond's certificate stops batond (exit 2); with TLS and a user, batond listens
// beyond loopback; the example client speaks TLS with a client certificate.
#include <cstdlib>

#include "network_util.hpp"
#include "process_util.hpp"

using namespace baton::testing;

namespace {

struct pki {
  work_dir wd;
  std::string dir = wd.str("pki");
  pki() {
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/ca.cnf") << "[ca]\ndefault_ca = test\n[test]\ndir = .\n"
                                      "database = index.txt\nnew_certs_dir = .\nserial = serial\n"
                                      "default_md = sha256\npolicy = any\nunique_subject = no\n"
                                      "[any]\ncommonName = supplied\n";
    std::ofstream(dir + "/index.txt");
    std::ofstream(dir + "/serial") << "1000\n";
    std::ofstream(dir + "/server.ext")
        << "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:0.0.0.0\nbasicConstraints=CA:FALSE\n"
           "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n";
    std::ofstream(dir + "/other-host.ext")
        << "subjectAltName=DNS:other\nbasicConstraints=CA:FALSE\n"
           "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n";
    std::ofstream(dir + "/client.ext")
        << "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
           "extendedKeyUsage=clientAuth\n";
    std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    std::string ca_ext =
        " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign";
    sh("openssl req -x509 " + ec + " -keyout ca.key -out ca.pem -days 2 -subj '/CN=Baton test CA'" +
       ca_ext);
    sh("openssl req -x509 " + ec +
       " -keyout other-ca.key -out other-ca.pem -days 2 -subj '/CN=Another CA'" + ca_ext);
    for (auto name : {"server", "client", "rogue"})
      sh(std::string("openssl req ") + ec + " -keyout " + name + ".key -out " + name +
         ".csr -subj '/CN=" + name + "'");
    sign("ca", "server", "server", "server.pem", "-days 2");
    sign("ca", "server", "other-host", "other-host.pem", "-days 2");
    sign("ca", "server", "server", "expired.pem",
         "-startdate 20200101000000Z -enddate 20200201000000Z");
    sign("ca", "server", "server", "future.pem",
         "-startdate 20990101000000Z -enddate 20990201000000Z");
    sign("ca", "client", "client", "client.pem", "-days 2");
    sign("other-ca", "rogue", "client", "rogue.pem", "-days 2");
    sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out stranger.key");
  }
  // `openssl ca`: dates of our choosing, the extensions of EXT.ext.
  void sign(const std::string& ca, const std::string& csr, const std::string& ext,
            const std::string& out, const std::string& dates) {
    sh("openssl ca -batch -notext -config ca.cnf -cert " + ca + ".pem -keyfile " + ca +
       ".key -in " + csr + ".csr -out " + out + " -extfile " + ext + ".ext " + dates);
  }
  void sh(const std::string& cmd) {
    INFO(cmd);
    REQUIRE(std::system(("cd '" + dir + "' && " + cmd + " >/dev/null 2>&1").c_str()) == 0);
  }
  std::string file(const std::string& name) const { return dir + "/" + name; }
};

std::string port_of(const std::string& address) {
  return address.substr(address.rfind(':') + 1);
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the client checks batond's certificate: CA, dates and host name",
          "[security][tls][e2e]") {
  pki p;
  std::string data = p.wd.str("data");
  auto ctl = [&](const std::string& address, const std::string& ca) {
    return run_tool(p.wd, "batonctl",
                    {"--connect", address, "--tls-ca", p.file(ca), "--json", "campaign", "list"},
                    std::chrono::seconds(60));
  };
  {
    daemon_process d(p.wd, data,
                     {"--tls-cert", p.file("server.pem"), "--tls-key", p.file("server.key")});
    auto by_ip = ctl(d.address(), "ca.pem");
    INFO(by_ip.err);
    CHECK(by_ip.code == 0);
    CHECK(by_ip.out == "[]\n");
    auto by_name = ctl("localhost:" + port_of(d.address()), "ca.pem");
    INFO(by_name.err);
    CHECK(by_name.code == 0);
    auto run = run_tool(p.wd, "batonctl",
                        {"--connect", d.address(), "--tls-ca", p.file("ca.pem"), "run",
                         std::string(BATON_SOURCE_DIR) + "/config/campaigns/flow-control.json"},
                        std::chrono::seconds(60));
    INFO(run.err);
    CHECK(run.code == 0);
    auto unknown = ctl(d.address(), "other-ca.pem");
    CHECK(unknown.code == 5);
    CHECK(unknown.err.rfind("error: ", 0) == 0);
    CHECK(has(unknown.err, "TLS: certificate not signed by a CA of --tls-ca"));
    CHECK(lines_of(unknown.err).size() == 1);
    REQUIRE(d.stop() == 0);
  }
  struct bad_cert {
    const char* file;
    const char* why;
  };
  for (auto [file, why] :
       {bad_cert{"other-host.pem", "TLS: certificate does not match host 127.0.0.1"},
        bad_cert{"expired.pem", "TLS: certificate expired"},
        bad_cert{"future.pem", "TLS: certificate not yet valid"}}) {
    daemon_process d(p.wd, data, {"--tls-cert", p.file(file), "--tls-key", p.file("server.key")});
    auto r = ctl(d.address(), "ca.pem");
    INFO(file << ": " << r.err);
    CHECK(r.code == 5);
    CHECK(has(r.err, why));
    CHECK(lines_of(r.err).size() == 1);
    REQUIRE(d.stop() == 0);
  }
}

TEST_CASE("batond --tls-ca wants a client certificate its CA signed", "[security][tls][e2e]") {
  pki p;
  std::string data = p.wd.str("data");
  daemon_process d(p.wd, data,
                   {"--tls-cert", p.file("server.pem"), "--tls-key", p.file("server.key"),
                    "--tls-ca", p.file("ca.pem")});
  auto ctl = [&](std::vector<std::string> client) {
    std::vector<std::string> args{"--connect", d.address(), "--tls-ca", p.file("ca.pem")};
    args.insert(args.end(), client.begin(), client.end());
    args.insert(args.end(), {"--json", "campaign", "list"});
    return run_tool(p.wd, "batonctl", args, std::chrono::seconds(60));
  };
  auto good = ctl({"--tls-cert", p.file("client.pem"), "--tls-key", p.file("client.key")});
  INFO(good.err);
  CHECK(good.code == 0);
  CHECK(good.out == "[]\n");
  auto none = ctl({});
  INFO(none.err);
  CHECK(none.code == 5);
  CHECK(has(none.err, "error: 127.0.0.1:" + port_of(d.address()) + ": TLS: "));
  auto rogue = ctl({"--tls-cert", p.file("rogue.pem"), "--tls-key", p.file("rogue.key")});
  INFO(rogue.err);
  CHECK(rogue.code == 5);
  CHECK(has(rogue.err, ": TLS: "));
  // The example client too, with its certificate, authenticated by the token.
  auto example = run_tool(p.wd, "baton-example-client",
                          {"--tls-ca", p.file("ca.pem"), "--tls-cert", p.file("client.pem"),
                           "--tls-key", p.file("client.key"), d.address(),
                           std::string(BATON_SOURCE_DIR) + "/config/campaigns/flow-control.json"},
                          std::chrono::seconds(60));
  INFO(example.out << example.err);
  CHECK(example.code == 0);
  CHECK(has(example.out, " run_ended "));
  REQUIRE(d.stop() == 0);
}

TEST_CASE("a client key that does not match its certificate: exit 2 before connecting",
          "[security][tls][e2e]") {
  pki p;
  // Nothing listens on port 1: the files are checked first.
  auto r =
      run_tool(p.wd, "batonctl",
               {"--connect", "127.0.0.1:1", "--tls-ca", p.file("ca.pem"), "--tls-cert",
                p.file("client.pem"), "--tls-key", p.file("stranger.key"), "campaign", "list"});
  CHECK(r.code == 2);
  CHECK(r.err == "error: --tls-key: " + p.file("stranger.key") +
                     " does not match the certificate " + p.file("client.pem") + "\n");
  auto half = run_tool(p.wd, "batonctl",
                       {"--connect", "127.0.0.1:1", "--tls-ca", p.file("ca.pem"), "--tls-cert",
                        p.file("client.pem"), "campaign", "list"});
  CHECK(half.code == 2);
  auto unreachable =
      run_tool(p.wd, "batonctl",
               {"--connect", "127.0.0.1:1", "--tls-ca", p.file("ca.pem"), "--tls-cert",
                p.file("client.pem"), "--tls-key", p.file("client.key"), "campaign", "list"});
  CHECK(unreachable.code == 5);
  // Embedded mode has no TLS: refused like --tls-ca.
  std::string data = p.wd.str("data");
  REQUIRE(run_tool(p.wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
  auto local = run_tool(p.wd, "batonctl",
                        {"--data-dir", data, "--tls-cert", p.file("client.pem"), "--tls-key",
                         p.file("client.key"), "campaign", "list"});
  CHECK(local.code == 2);
  CHECK(local.err == "error: --tls-cert: TLS is for --connect only\n");
}

TEST_CASE("with TLS the guard closes a client without TLS at once, and a silent one after 2 s",
          "[security][tls][e2e]") {
  pki p;
  std::string data = p.wd.str("data");
  daemon_process d(p.wd, data,
                   {"--tls-cert", p.file("server.pem"), "--tls-key", p.file("server.key")});
  using std::chrono::milliseconds;
  auto elapsed = [](auto since) {
    return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - since);
  };
  {  // one byte of a BASP header: no TLS record starts so
    raw_socket s(d.address());
    REQUIRE(s.connected());
    auto t0 = std::chrono::steady_clock::now();
    REQUIRE(s.send_all(bytes{0x01}));
    CHECK(s.closed_within(milliseconds(1500)));
    CHECK(elapsed(t0) < milliseconds(1000));
  }
  {  // silent: closed after 2 s, well before engine.handshakeTimeoutSeconds (10 s)
    raw_socket s(d.address());
    REQUIRE(s.connected());
    auto t0 = std::chrono::steady_clock::now();
    CHECK(s.closed_within(milliseconds(6000)));
    CHECK(elapsed(t0) >= milliseconds(1900));
    CHECK(elapsed(t0) < milliseconds(4000));
  }
  {  // the start of a ClientHello record, then nothing
    raw_socket s(d.address());
    REQUIRE(s.connected());
    auto t0 = std::chrono::steady_clock::now();
    REQUIRE(s.send_all(bytes{0x16, 0x03, 0x01}));
    CHECK(s.closed_within(milliseconds(6000)));
    CHECK(elapsed(t0) >= milliseconds(1900));
    CHECK(elapsed(t0) < milliseconds(4000));
  }
  // A plaintext CAF client waits for batond's handshake: it is told no within seconds.
  auto t0 = std::chrono::steady_clock::now();
  auto plain = run_tool(p.wd, "batonctl", {"--connect", d.address(), "campaign", "list"},
                        std::chrono::seconds(60));
  CHECK(plain.code == 5);
  CHECK(elapsed(t0) < milliseconds(8000));
  auto log = d.process().out();
  CHECK(has(log, "its first bytes are not a TLS ClientHello"));
  CHECK(has(log, "silent for 2000 ms before its TLS handshake was done"));
  REQUIRE(d.stop() == 0);
}

TEST_CASE("batond refuses a key that does not match its certificate, or an unreadable one",
          "[security][tls][e2e]") {
  pki p;
  std::string data = p.wd.str("data");
  REQUIRE(run_tool(p.wd, "batonctl", {"--data-dir", data, "init"}).code == 0);
  auto start = [&](const std::string& cert, const std::string& key) {
    return run_tool(
        p.wd, "batond",
        {"--data-dir", data, "--listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key});
  };
  auto mismatch = start(p.file("server.pem"), p.file("stranger.key"));
  CHECK(mismatch.code == 2);
  CHECK(mismatch.err.find("does not match the certificate") != std::string::npos);
  auto missing = start(p.file("nowhere.pem"), p.file("server.key"));
  CHECK(missing.code == 2);
  CHECK(missing.err.rfind("error: --tls-cert: ", 0) == 0);
  auto no_key = run_tool(p.wd, "batond", {"--data-dir", data, "--tls-cert", p.file("server.pem")});
  CHECK(no_key.code == 2);  // --tls-cert needs --tls-key
}

TEST_CASE("with TLS and a user, batond listens beyond loopback", "[security][tls][e2e]") {
  pki p;
  std::string data = p.wd.str("data");
  daemon_process d(p.wd, data,
                   {"--tls-cert", p.file("server.pem"), "--tls-key", p.file("server.key")},
                   "0.0.0.0:0");
  auto r = run_tool(p.wd, "batonctl",
                    {"--connect", "127.0.0.1:" + port_of(d.address()), "--tls-ca", p.file("ca.pem"),
                     "campaign", "list"},
                    std::chrono::seconds(60));
  INFO(r.err);
  CHECK(r.code == 0);
  REQUIRE(d.stop() == 0);
}
