// batond's API over TLS (INTERFACES.md §8), with certificates made by `openssl` at test time:
// a client that trusts the CA works (authenticated, as always); one that trusts another CA, one
// that does not speak TLS, and one facing an expired certificate fail with exit 5; a key that
// does not match its certificate, or a certificate that cannot be read, stops batond (exit 2);
// with TLS and a user, batond listens beyond loopback.
#include <cstdlib>

#include "process_util.hpp"

using namespace baton::testing;

namespace {

struct pki {
  work_dir wd;
  std::string dir = wd.str("pki");
  pki() {
    std::filesystem::create_directories(dir);
    sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
       "-subj '/CN=Baton test CA'");
    sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 2 "
       "-subj '/CN=Another CA'");
    sh("openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
       "-subj '/CN=127.0.0.1'");
    sh("printf 'subjectAltName=IP:127.0.0.1,IP:0.0.0.0\\n' > ext");
    sh("openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
       "-extfile ext -out server.pem");
    sh("openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days -1 "
       "-extfile ext -out expired.pem");
    sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out stranger.key");
  }
  void sh(const std::string& cmd) {
    INFO(cmd);
    REQUIRE(std::system(("cd '" + dir + "' && " + cmd + " >/dev/null 2>&1").c_str()) == 0);
  }
  std::string file(const std::string& name) const { return dir + "/" + name; }
};

}  // namespace

TEST_CASE("the API over TLS: trusted, untrusted, plain and expired clients",
          "[security][tls][e2e]") {
  pki p;
  std::string data = p.wd.str("data");
  daemon_process d(p.wd, data,
                   {"--tls-cert", p.file("server.pem"), "--tls-key", p.file("server.key")});
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--connect", d.address()});
    return run_tool(p.wd, "batonctl", args, std::chrono::seconds(60));
  };
  auto ok = ctl({"--tls-ca", p.file("ca.pem"), "--json", "campaign", "list"});
  INFO(ok.err);
  CHECK(ok.code == 0);
  CHECK(ok.out == "[]\n");
  auto run = ctl({"--tls-ca", p.file("ca.pem"), "run",
                  std::string(BATON_SOURCE_DIR) + "/config/campaigns/flow-control.json"});
  INFO(run.err);
  CHECK(run.code == 0);
  auto untrusted = ctl({"--tls-ca", p.file("other-ca.pem"), "campaign", "list"});
  CHECK(untrusted.code == 5);
  CHECK(untrusted.err.rfind("error: ", 0) == 0);
  auto plain = ctl({"campaign", "list"});
  CHECK(plain.code == 5);
  REQUIRE(d.stop() == 0);

  daemon_process expired(p.wd, data,
                         {"--tls-cert", p.file("expired.pem"), "--tls-key", p.file("server.key")});
  auto late =
      run_tool(p.wd, "batonctl",
               {"--connect", expired.address(), "--tls-ca", p.file("ca.pem"), "campaign", "list"},
               std::chrono::seconds(60));
  CHECK(late.code == 5);
  REQUIRE(expired.stop() == 0);
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
  auto port = d.address().substr(d.address().rfind(':') + 1);
  auto r =
      run_tool(p.wd, "batonctl",
               {"--connect", "127.0.0.1:" + port, "--tls-ca", p.file("ca.pem"), "campaign", "list"},
               std::chrono::seconds(60));
  INFO(r.err);
  CHECK(r.code == 0);
  REQUIRE(d.stop() == 0);
}
