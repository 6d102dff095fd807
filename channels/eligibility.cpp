#include "channels/eligibility.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace baton::channels {

namespace {

const std::array<const char*, 7> k_reasons = {
    "no consent", "no address", "invalid address", "outside send window",
    "suppressed", "fatigue",    "quiet_hours"};

std::string_view trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool is_ctl_or_space(char c) {
  auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}

bool valid_domain(std::string_view d) {
  if (d.size() < 3 || d.find('.') == std::string_view::npos) return false;
  std::size_t start = 0;
  while (start <= d.size()) {
    auto dot = d.find('.', start);
    auto label =
        d.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
            static_cast<unsigned char>(c) >= 0x80))  // internationalised labels pass through
        return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

std::optional<std::string> email_address(std::string_view a) {
  if (a.size() > 254) return std::nullopt;
  for (char c : a)
    if (is_ctl_or_space(c) || c == '<' || c == '>' || c == ',' || c == ';' || c == '"')
      return std::nullopt;
  auto at = a.find('@');
  if (at == std::string_view::npos || at == 0 || a.find('@', at + 1) != std::string_view::npos)
    return std::nullopt;
  if (at > 64 || !valid_domain(a.substr(at + 1))) return std::nullopt;
  return std::string(a);
}

std::optional<std::string> sms_address(std::string_view a) {
  std::string out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c == ' ' || c == '.' || c == '-' || c == '(' || c == ')' || c == '/') continue;
    if (c == '+' && out.empty()) {
      out.push_back(c);
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    out.push_back(c);
  }
  bool plus = !out.empty() && out[0] == '+';
  std::size_t digits = out.size() - (plus ? 1 : 0);
  if (digits < 7 || digits > 15) return std::nullopt;
  if (plus && out[1] == '0') return std::nullopt;
  return out;
}

std::optional<std::string> push_address(std::string_view a) {
  if (a.size() > 4096) return std::nullopt;
  for (char c : a)
    if (is_ctl_or_space(c)) return std::nullopt;
  return std::string(a);
}

bool truthy(const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number()) return v.get<double>() != 0;
  if (!v.is_string()) return false;
  std::string s = v.get<std::string>();
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s == "true" || s == "yes" || s == "1" || s == "t" || s == "y";
}

}  // namespace

const char* to_string(exclusion_reason r) {
  return k_reasons[static_cast<int>(r)];
}

std::optional<exclusion_reason> exclusion_reason_from_string(std::string_view s) {
  for (std::size_t i = 0; i < k_reasons.size(); ++i)
    if (s == k_reasons[i]) return static_cast<exclusion_reason>(i);
  return std::nullopt;
}

const char* to_string(category c) {
  return c == category::marketing ? "marketing" : "transactional";
}

std::optional<category> category_from_string(std::string_view s) {
  if (s == "marketing") return category::marketing;
  if (s == "transactional") return category::transactional;
  return std::nullopt;
}

std::optional<std::string> normalise_address(baton::channel ch, std::string_view raw) {
  auto a = trim(raw);
  if (a.empty()) return std::nullopt;
  switch (ch) {
    case baton::channel::email:
      return email_address(a);
    case baton::channel::sms:
      return sms_address(a);
    case baton::channel::push:
      return push_address(a);
  }
  return std::nullopt;
}

result<recipient_rules> rules_for(const entity& e, baton::channel ch, channels::category c) {
  auto addr = e.addresses.find(ch);
  if (addr == e.addresses.end())
    return make_error(errc::validation, e.name,
                      std::string("entity `") + e.name + "` has no " + to_string(ch) +
                          " address column (addresses." + to_string(ch) + " in the schema)");
  recipient_rules r{ch, c, addr->second, ""};
  if (auto con = e.consent.find(ch); con != e.consent.end()) r.consent_column = con->second;
  return r;
}

eligibility check_recipient(const recipient_rules& rules, const nlohmann::json& row) {
  eligibility out;
  auto column = [&](const std::string& name) -> const nlohmann::json* {
    if (name.empty() || !row.is_object()) return nullptr;
    auto it = row.find(name);
    return it == row.end() ? nullptr : &*it;
  };
  if (rules.category == category::marketing) {
    const auto* consent = column(rules.consent_column);
    if (!consent || !truthy(*consent)) {
      out.reason = exclusion_reason::no_consent;
      return out;
    }
  }
  const auto* addr = column(rules.address_column);
  std::string raw = !addr || addr->is_null() ? std::string() : key_text(*addr);
  if (trim(raw).empty()) {
    out.reason = exclusion_reason::no_address;
    return out;
  }
  // A number in an sms column (a phone stored as integer) is still an address.
  auto normal =
      addr->is_string() || addr->is_number() ? normalise_address(rules.channel, raw) : std::nullopt;
  if (!normal) {
    out.reason = exclusion_reason::invalid_address;
    return out;
  }
  out.eligible = true;
  out.address = std::move(*normal);
  return out;
}

std::string key_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return std::string();
  return v.dump();
}

}  // namespace baton::channels
