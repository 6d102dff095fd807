// Campaign schedules: validates the "schedule" member of a campaign (collecting every problem
// with its JSON pointer, and the "more often than every 15 minutes" guardrail as a warning) and
// previews the next run times of a schedule from a given instant.
#include <string>

#include <cctz/time_zone.h>

#include "model/schedule.hpp"

namespace baton {
namespace detail {
// Defined in model/cron.cpp: loads a plain IANA zone name, refusing paths and "localtime".
bool load_zone(const std::string& name, cctz::time_zone& tz);
}  // namespace detail

namespace {

// The year over which a cron schedule without `from` is checked against the guardrail.
constexpr time_us guardrail_anchor = 1'767'225'600 * us_per_second;  // 2026-01-01T00:00:00Z

constexpr const char* known_members[] = {"at",    "cron",   "timezone", "from",
                                         "until", "signal", "api"};

// Reads the members of one schedule object, appending problems under `pointer`.
class schedule_reader {
 public:
  schedule_reader(const nlohmann::json& j, const std::string& pointer, problems& out)
      : j_(j), pointer_(pointer), out_(out) {}

  int errors() const { return errors_; }
  bool has(const char* name) const { return j_.contains(name); }
  std::string where(const char* name) const {
    return name ? pointer_append(pointer_, name) : pointer_;
  }

  void error(const char* member, std::string message) {
    out_.push_back({where(member), std::move(message), problem::severity::error});
    ++errors_;
  }
  void warn(const char* member, std::string message) {
    out_.push_back({where(member), std::move(message), problem::severity::warning});
  }

  void check_unknown_members() {
    for (const auto& [key, value] : j_.items()) {
      bool known = false;
      for (const char* k : known_members) known = known || key == k;
      if (!known) {
        out_.push_back({pointer_append(pointer_, key),
                        "unknown member \"" + key +
                            "\" (a schedule has at, cron, timezone, from, until, signal or api)",
                        problem::severity::error});
        ++errors_;
      }
    }
  }

  // The member as a string; nullopt (with a problem) when it is present but not a string.
  std::optional<std::string> string_member(const char* name) {
    if (!has(name)) return std::nullopt;
    const auto& v = j_.at(name);
    if (v.is_string()) return v.get<std::string>();
    error(name, std::string("\"") + name + "\" must be a string");
    return std::nullopt;
  }

  std::optional<time_us> time_member(const char* name) {
    auto text = string_member(name);
    if (!text) return std::nullopt;
    auto t = parse_time(*text);
    if (t) return *t;
    error(name, t.err().what);
    return std::nullopt;
  }

  std::optional<cron_expression> cron_member() {
    auto text = string_member("cron");
    if (!text) return std::nullopt;
    auto c = cron_expression::parse(*text);
    if (c) return *c;
    error("cron", c.err().what);
    return std::nullopt;
  }

  // The zone name when it is present and loadable ("UTC" when absent); nullopt otherwise.
  std::optional<std::string> zone_member() {
    if (!has("timezone")) return std::string("UTC");
    auto name = string_member("timezone");
    if (!name) return std::nullopt;
    cctz::time_zone tz;
    if (detail::load_zone(*name, tz)) return name;
    error("timezone",
          "unknown time zone \"" + *name + "\" (use an IANA name such as \"Europe/Paris\")");
    return std::nullopt;
  }

  void check_flag(const char* name) {
    if (!has(name)) return;
    const auto& v = j_.at(name);
    if (!v.is_boolean() || !v.get<bool>())
      error(name, std::string("\"") + name +
                      "\" must be true (omit the schedule to run as soon as possible)");
  }

 private:
  const nlohmann::json& j_;
  const std::string& pointer_;
  problems& out_;
  int errors_ = 0;
};

// Exactly one of at/cron/signal/api; timezone/from/until only beside cron.
void check_form(schedule_reader& r) {
  const int forms = r.has("at") + r.has("cron") + r.has("signal") + r.has("api");
  if (forms == 0)
    r.error(nullptr,
            "a schedule needs \"at\", \"cron\", \"signal\" or \"api\" (omit it to run as soon "
            "as possible)");
  if (forms > 1)
    r.error(nullptr, "\"at\", \"cron\", \"signal\" and \"api\" exclude each other: give one");
  if (r.has("cron")) return;
  for (const char* name : {"timezone", "from", "until"})
    if (r.has(name)) r.error(name, std::string("\"") + name + "\" applies only to a cron schedule");
}

// Warnings about a valid cron schedule: the guardrail, and a window in which it never fires.
void check_cron_use(schedule_reader& r, const schedule& s, duration_us min_interval) {
  const time_us anchor = s.from.value_or(guardrail_anchor);
  const duration_us shortest = shortest_interval(*s.cron, s.timezone, anchor);
  if (shortest < min_interval)
    r.warn("cron", "fires as often as every " + format_duration(shortest) +
                       ", more often than the guardrail of once every " +
                       format_duration(min_interval));
  if (s.from && s.until) {
    const auto first = s.cron->next_after(*s.from - 1, s.timezone);
    if (!first || *first >= *s.until)
      r.warn("until", "the cron expression never fires between \"from\" and \"until\"");
  }
}

}  // namespace

std::optional<schedule> parse_schedule(const nlohmann::json* j, const std::string& pointer,
                                       problems& out, duration_us min_interval) {
  if (j == nullptr || j->is_null()) return schedule{};
  if (!j->is_object()) {
    out.push_back({pointer,
                   "a schedule must be an object: {\"at\": TIME}, {\"cron\": EXPR, \"timezone\", "
                   "\"from\", \"until\"}, {\"signal\": true} or {\"api\": true}",
                   problem::severity::error});
    return std::nullopt;
  }
  schedule_reader r(*j, pointer, out);
  r.check_unknown_members();
  check_form(r);
  schedule s;
  const auto at = r.time_member("at");
  s.cron = r.cron_member();
  r.check_flag("signal");
  r.check_flag("api");
  const auto zone = r.zone_member();
  s.from = r.time_member("from");
  s.until = r.time_member("until");
  if (s.from && s.until && *s.from >= *s.until)
    r.error("until", "\"until\" (" + format_time(*s.until) + ") must be after \"from\" (" +
                         format_time(*s.from) + ")");
  if (r.errors() > 0) return std::nullopt;
  if (at) s.k = schedule::kind::at, s.at = *at;
  if (r.has("signal")) s.k = schedule::kind::signal;
  if (r.has("api")) s.k = schedule::kind::api;
  if (s.cron) {
    s.k = schedule::kind::cron;
    s.timezone = *zone;
    check_cron_use(r, s, min_interval);
  }
  return s;
}

std::string format_local_time(time_us t, const std::string& zone) {
  cctz::time_zone tz;
  if (!detail::load_zone(zone, tz)) return "";
  std::int64_t secs = t / us_per_second;
  if (t % us_per_second < 0) --secs;
  return cctz::format("%Y-%m-%dT%H:%M:%S%Ez", cctz::time_point<cctz::seconds>(cctz::seconds(secs)),
                      tz);
}

schedule_preview preview_schedule(const schedule& s, time_us now, int n) {
  schedule_preview p;
  p.timezone = s.k == schedule::kind::cron ? s.timezone : "UTC";
  p.next = next_runs(s, now, n);
  for (auto t : p.next) p.local.push_back(format_local_time(t, p.timezone));
  if (!p.next.empty()) return p;
  switch (s.k) {
    case schedule::kind::asap:
      p.note = "no planned time: it runs as soon as it is published (or started)";
      break;
    case schedule::kind::at:
      p.note = "its single run time " + format_time(s.at) + " has passed";
      break;
    case schedule::kind::cron:
      p.note = "no run left in its validity window";
      break;
    case schedule::kind::signal:
      p.note = "no planned time: it runs when a signal triggers it";
      break;
    case schedule::kind::api:
      p.note = "no planned time: it sends when `campaign trigger` names a recipient";
      break;
  }
  return p;
}

std::vector<time_us> next_runs(const schedule& s, time_us now, int n) {
  std::vector<time_us> runs;
  if (n <= 0) return runs;
  if (s.k == schedule::kind::at && s.at > now) runs.push_back(s.at);
  if (s.k != schedule::kind::cron || !s.cron) return runs;
  time_us after = now;
  if (s.from && *s.from > now) after = *s.from - 1;  // the first slot may be `from` itself
  while (static_cast<int>(runs.size()) < n) {
    const auto t = s.cron->next_after(after, s.timezone);
    if (!t || (s.until && *t >= *s.until)) break;
    runs.push_back(*t);
    after = *t;
  }
  return runs;
}

}  // namespace baton
