// baton-sample-data: writes profiles.csv, purchases.csv and households.csv for config/schema.json
// with realistic imperfections — shared e-mail addresses (duplicates to deduplicate), missing
// phones, push tokens, birth dates and loyalty tiers — reproducibly from a seed.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include <CLI/CLI.hpp>

namespace {

const char* k_first[] = {"Ann",  "Bob",  "Chloe", "David", "Emma",  "Farid",
                         "Gina", "Hugo", "Ines",  "Jules", "Karim", "Lea",
                         "Marc", "Nora", "Oscar", "Paul",  "Rita",  "Sami"};
const char* k_last[] = {"Martin", "Bernard", "Dubois", "Thomas", "Robert",  "Richard", "Petit",
                        "Durand", "Leroy",   "Moreau", "Simon",  "Laurent", "Michel",  "Garcia"};
const char* k_cities[] = {"Paris",  "Lyon", "Marseille", "Lille",
                          "Nantes", "Nice", "Brest",     "Dijon"};
const char* k_tiers[] = {"gold", "silver", "bronze"};
const char* k_categories[] = {"shoes", "hats", "bags", "coats", "books", "toys"};

using file_ptr = std::unique_ptr<FILE, int (*)(FILE*)>;

file_ptr open_out(const std::filesystem::path& p) {
  file_ptr f(std::fopen(p.string().c_str(), "w"), &std::fclose);
  if (!f) {
    std::fprintf(stderr, "error: %s: cannot write\n", p.string().c_str());
    std::exit(1);
  }
  static char buf[1 << 20];
  std::setvbuf(f.get(), buf, _IOFBF, sizeof buf);
  return f;
}

struct generator {
  std::mt19937_64 rng;
  explicit generator(std::uint64_t seed) : rng(seed) {}
  std::uint64_t below(std::uint64_t n) { return rng() % n; }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
  template <std::size_t N>
  const char* pick(const char* (&a)[N]) {
    return a[below(N)];
  }
};

void write_households(generator& g, const std::filesystem::path& dir, std::uint64_t n) {
  auto f = open_out(dir / "households.csv");
  std::fprintf(f.get(), "id,city,size\n");
  for (std::uint64_t i = 1; i <= n; ++i)
    std::fprintf(f.get(), "%llu,%s,%llu\n", static_cast<unsigned long long>(i), g.pick(k_cities),
                 static_cast<unsigned long long>(1 + g.below(5)));
}

void write_profiles(generator& g, const std::filesystem::path& dir, std::uint64_t n,
                    std::uint64_t households) {
  auto f = open_out(dir / "profiles.csv");
  std::fprintf(f.get(),
               "id,email,phone,push_token,first_name,last_name,loyalty,email_opt_in,sms_opt_in,"
               "push_opt_in,birth_date,household_id,score,created_at\n");
  for (std::uint64_t i = 1; i <= n; ++i) {
    // ~6% of people registered twice: they reuse the address of an earlier profile.
    std::uint64_t mail_id = i > 10 && g.chance(0.06) ? 1 + g.below(i - 1) : i;
    std::string email = g.chance(0.04) ? "" : "user" + std::to_string(mail_id) + "@example.com";
    std::string phone = g.chance(0.25) ? "" : "+336" + std::to_string(10000000 + g.below(89999999));
    std::string push = g.chance(0.5) ? "" : "tok" + std::to_string(g.rng() % 1000000000000ULL);
    std::string loyalty = g.chance(0.2) ? "" : g.pick(k_tiers);
    std::string birth = g.chance(0.1)
                            ? ""
                            : std::to_string(1940 + g.below(66)) + "-" + (g.below(2) ? "0" : "1") +
                                  std::to_string(g.below(3)) + "-1" + std::to_string(g.below(9));
    if (birth.size() == 10 && birth.substr(5, 2) == "00") birth[6] = '1';
    std::string household = g.chance(0.1) ? "" : std::to_string(1 + g.below(households));
    std::string score =
        g.chance(0.15) ? "" : std::to_string(g.below(1000)) + "." + std::to_string(g.below(10));
    std::fprintf(
        f.get(), "%llu,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,2025-%02llu-%02lluT%02llu:%02llu:00Z\n",
        static_cast<unsigned long long>(i), email.c_str(), phone.c_str(), push.c_str(),
        g.pick(k_first), g.pick(k_last), loyalty.c_str(), g.chance(0.7) ? "true" : "false",
        g.chance(0.4) ? "true" : "false", g.chance(0.3) ? "true" : "false", birth.c_str(),
        household.c_str(), score.c_str(), static_cast<unsigned long long>(1 + g.below(12)),
        static_cast<unsigned long long>(1 + g.below(28)),
        static_cast<unsigned long long>(g.below(24)), static_cast<unsigned long long>(g.below(60)));
  }
}

void write_purchases(generator& g, const std::filesystem::path& dir, std::uint64_t n,
                     std::uint64_t profiles) {
  auto f = open_out(dir / "purchases.csv");
  std::fprintf(f.get(), "id,profile_id,amount,category,bought_at\n");
  for (std::uint64_t i = 1; i <= n; ++i)
    std::fprintf(
        f.get(), "%llu,%llu,%llu.%02llu,%s,2026-%02llu-%02lluT%02llu:%02llu:00Z\n",
        static_cast<unsigned long long>(i), static_cast<unsigned long long>(1 + g.below(profiles)),
        static_cast<unsigned long long>(g.below(400)),
        static_cast<unsigned long long>(g.below(100)), g.pick(k_categories),
        static_cast<unsigned long long>(1 + g.below(10)),
        static_cast<unsigned long long>(1 + g.below(28)),
        static_cast<unsigned long long>(g.below(24)), static_cast<unsigned long long>(g.below(60)));
}

int run(int argc, char** argv) {
  CLI::App app{"baton-sample-data — sample CSVs for config/schema.json", "baton-sample-data"};
  std::uint64_t seed = 1, profiles = 1000, purchases_per_profile = 5;
  std::string out;
  app.add_option("--seed", seed, "Random seed (same seed, same files)");
  app.add_option("--profiles", profiles, "Number of profiles (default 1000)");
  app.add_option("--purchases-per-profile", purchases_per_profile,
                 "Average purchases per profile (5)");
  app.add_option("--out", out, "Output directory")->required();
  CLI11_PARSE(app, argc, argv);
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) {
    std::fprintf(stderr, "error: %s: %s\n", out.c_str(), ec.message().c_str());
    return 1;
  }
  generator g(seed);
  std::uint64_t households = profiles / 2 + 1;
  write_households(g, out, households);
  write_profiles(g, out, profiles, households);
  write_purchases(g, out, profiles * purchases_per_profile, profiles);
  std::printf(
      "wrote %s/{households,profiles,purchases}.csv: %llu households, %llu profiles, %llu "
      "purchases\n",
      out.c_str(), static_cast<unsigned long long>(households),
      static_cast<unsigned long long>(profiles),
      static_cast<unsigned long long>(profiles * purchases_per_profile));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {  // nothing is expected to throw; a bug must still not end in std::terminate
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: internal: %s (please report this)\n", e.what());
  }
  return 1;
}
