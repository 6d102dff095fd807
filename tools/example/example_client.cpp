// An example backend service: connects to batond, authenticates with the API token in
// $BATON_TOKEN (a user made with `batonctl user add`), creates and publishes a campaign from a
// JSON file, and prints the campaign's events as they happen until its run ends.
//   BATON_TOKEN=... baton-example-client [--tls-ca F [--tls-cert F --tls-key F]] HOST:PORT FILE
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/client.hpp"
#include "model/config.hpp"
#include "tools/common/cli.hpp"

namespace {

int run(int argc, char** argv) {
  const char* usage =
      "usage: BATON_TOKEN=TOKEN baton-example-client [--tls-ca F [--tls-cert F --tls-key F]] "
      "HOST:PORT CAMPAIGN.json\n";
  if (argc == 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::cout << usage
              << "Creates and publishes the campaign on batond at HOST:PORT, then prints its "
                 "events until the run ends. --tls-ca: speak TLS, batond's certificate signed by "
                 "that CA; --tls-cert/--tls-key: this client's certificate.\n";
    return 0;
  }
  baton::client_tls_files tls;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string* file = a == "--tls-ca"     ? &tls.ca
                        : a == "--tls-cert" ? &tls.cert
                        : a == "--tls-key"  ? &tls.key
                                            : nullptr;
    if (file && i + 1 < argc)
      *file = argv[++i];
    else if (file || a.rfind("--", 0) == 0)
      return std::cerr << usage, 2;
    else
      args.push_back(a);
  }
  if (args.size() != 2) {
    std::cerr << usage;
    return 2;
  }
  std::string host;
  std::uint16_t port = 0;
  if (!baton::parse_host_port(args[0], host, port) || port == 0) {
    std::cerr << "error: " << args[0] << ": expected HOST:PORT\n";
    return 2;
  }
  std::ifstream in(args[1]);
  if (!in) {
    std::cerr << "error: " << args[1] << ": cannot read file\n";
    return 4;
  }
  std::stringstream text;
  text << in.rdbuf();
  const char* token = std::getenv("BATON_TOKEN");
  // The session acts as the token's user: the identity in each command below is not used.
  auto client = baton::engine_client::connect(host, port, token ? token : "", tls);
  if (!client) {
    std::cerr << "error: " << client.err().message() << "\n";
    return baton::exit_code(client.err().code);
  }
  auto& c = *client.value();
  auto created = c.call({"create", "", "example-client", "", text.str(), {}});
  if (!created) {
    std::cerr << "error: " << created.err().message() << "\n";
    return baton::exit_code(created.err().code);
  }
  std::string id = created.value()["id"];
  std::cout << "created " << id << std::endl;
  // Subscribe first, then publish, so no event of the run is missed.
  std::thread publisher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto r = c.call({"publish", id, "example-client", "", "", {}});
    if (!r) std::cerr << "error: publish: " << r.err().message() << "\n";
  });
  c.follow(
      id,
      [](const std::string& line) {
        auto e = nlohmann::json::parse(line, nullptr, false);
        if (!e.is_object()) return true;
        std::cout << e["seq"] << " " << e["type"].get<std::string>() << " " << e["payload"].dump()
                  << std::endl;
        return e["type"] != "run_ended";
      },
      std::chrono::seconds(30));
  publisher.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return baton::cli::guarded_main([&] { return run(argc, argv); });
}
