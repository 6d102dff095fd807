// Who a batonctl command acts as (INTERFACES.md §8): the token's user through batond, the OS
// account (or --user) that owns the data dir in embedded mode.
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>

#include "tools/batonctl/commands.hpp"

namespace baton::ctl {

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  return s.substr(b);
}

int check_remote(context& ctx) {
  if (ctx.global.user_given)
    return cli::fail(errc::validation, "--user",
                     "with --connect the acting identity is the API token's user; --user is "
                     "refused");
  if (!ctx.token_file.empty()) {
    std::ifstream in(ctx.token_file);
    if (!in) return cli::fail(errc::validation, "--token-file", "cannot read " + ctx.token_file);
    std::string line;
    std::getline(in, line);
    ctx.token = trimmed(line);
  } else if (const char* env = std::getenv("BATON_TOKEN")) {
    ctx.token = trimmed(env);
  }
  return 0;  // a missing token is refused with the words of every failed authentication
}

int check_local(context& ctx) {
  if (ctx.global.user == "engine")
    return cli::fail(errc::refused, "auth",
                     "the identity `engine` belongs to the engine; no one may act as it");
  if (!ctx.token_file.empty())
    return cli::fail(errc::validation, "--token-file", "an API token is for --connect only");
  if (!ctx.tls_ca.empty())
    return cli::fail(errc::validation, "--tls-ca", "TLS is for --connect only");
  if (!ctx.tls_cert.empty() || !ctx.tls_key.empty())
    return cli::fail(errc::validation, ctx.tls_cert.empty() ? "--tls-key" : "--tls-cert",
                     "TLS is for --connect only");
  struct stat st {};
  if (::stat(ctx.global.data_dir.c_str(), &st) != 0) return 0;  // `init` creates it
  if (st.st_uid == ::geteuid()) return 0;
  return cli::fail(errc::refused, "auth",
                   "the OS account " + cli::os_user() + " does not own the data dir " +
                       ctx.global.data_dir +
                       ": run batonctl as its owner, or use --connect with an API token");
}

}  // namespace

int check_identity(context& ctx) {
  return ctx.connect.empty() ? check_local(ctx) : check_remote(ctx);
}

}  // namespace baton::ctl
