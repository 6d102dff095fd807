// An example backend service: connects to batond, creates and publishes a campaign from a JSON
// file, and prints the campaign's events as they happen until its run ends.
//   baton-example-client HOST:PORT CAMPAIGN.json
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "actors/client.hpp"

int main(int argc, char** argv) {
  const char* usage = "usage: baton-example-client HOST:PORT CAMPAIGN.json\n";
  if (argc == 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::cout
        << usage
        << "Creates and publishes the campaign on batond at HOST:PORT, then prints its events "
           "until the run ends.\n";
    return 0;
  }
  if (argc != 3) {
    std::cerr << usage;
    return 2;
  }
  std::string target = argv[1];
  auto colon = target.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "error: expected HOST:PORT\n";
    return 2;
  }
  std::ifstream in(argv[2]);
  if (!in) {
    std::cerr << "error: " << argv[2] << ": cannot read file\n";
    return 4;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto client = baton::engine_client::connect(
      target.substr(0, colon), static_cast<std::uint16_t>(std::stoi(target.substr(colon + 1))));
  if (!client) {
    std::cerr << "error: " << client.err().message() << "\n";
    return 5;
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
        auto e = nlohmann::json::parse(line);
        std::cout << e["seq"] << " " << e["type"].get<std::string>() << " " << e["payload"].dump()
                  << std::endl;
        return e["type"] != "run_ended";
      },
      std::chrono::seconds(30));
  publisher.join();
  return 0;
}
