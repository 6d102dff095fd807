#include "channels/connector.hpp"

#include <set>

#include "channels/file_outbox.hpp"
#include "channels/smtp.hpp"
#include "channels/webhook.hpp"
#include "model/json_reader.hpp"

namespace baton::channels {

namespace {

bool is_builtin_channel(const std::string& name) {
  return name == "email" || name == "sms" || name == "push";
}

// The outbox directory of a file connector: `dir` (relative to the data dir) or DATA_DIR/outbox.
std::string outbox_dir(const nlohmann::json& entry, const connector_env& env) {
  std::string base = env.data_dir.empty() ? std::string(".") : env.data_dir;
  std::string dir = entry.is_object() ? entry.value("dir", std::string()) : std::string();
  if (dir.empty()) return base + "/outbox";
  return dir.front() == '/' ? dir : base + "/" + dir;
}

void check_file_entry(const nlohmann::json& entry, const std::string& pointer, problems& out) {
  json_reader r(entry, pointer, out);
  r.allow({"connector", "dir"});
  r.string("dir");
  r.finish();
}

// Checks one entry; returns its connector kind ("" when unusable).
std::string check_entry(const std::string& name, const nlohmann::json& entry,
                        const std::string& pointer, problems& out) {
  if (name.empty() || name.find_first_of("/\\") != std::string::npos || name[0] == '.') {
    add_error(out, pointer, "a channel name must be a non-empty file name (no '/', not hidden)");
    return "";
  }
  json_reader r(entry, pointer, out);
  if (!r.valid()) return "";
  auto kind = r.one_of("connector", {"file", "smtp", "webhook"}, true);
  if (!kind) return "";
  if (*kind == "file")
    check_file_entry(entry, pointer, out);
  else if (*kind == "smtp")
    parse_smtp_options(entry, pointer, out);
  else
    parse_webhook_options(entry, pointer, out);
  return *kind;
}

}  // namespace

problems check_channels_config(const nlohmann::json& channels) {
  problems out;
  if (!channels.is_object()) {
    add_error(out, "/channels", "expected an object of channel name: connector settings");
    return out;
  }
  for (const auto& [name, entry] : channels.items())
    check_entry(name, entry, pointer_append("/channels", name), out);
  return out;
}

result<std::unique_ptr<connector>> make_connector(const std::string& name,
                                                  const nlohmann::json& entry,
                                                  const connector_env& env) {
  problems ps;
  std::string pointer = pointer_append("/channels", name);
  std::string kind = check_entry(name, entry, pointer, ps);
  if (has_errors(ps)) {
    for (const auto& p : ps)
      if (p.level == problem::severity::error)
        return make_error(errc::validation, p.pointer, p.message);
  }
  if (kind == "file")
    return std::unique_ptr<connector>(std::make_unique<file_outbox>(outbox_dir(entry, env), name));
  if (kind == "smtp")
    return std::unique_ptr<connector>(
        std::make_unique<smtp_connector>(parse_smtp_options(entry, pointer, ps), env.clock));
  return std::unique_ptr<connector>(
      std::make_unique<webhook_connector>(parse_webhook_options(entry, pointer, ps)));
}

connector_set::connector_set(nlohmann::json channels_config, connector_env env)
    : config_(std::move(channels_config)), env_(std::move(env)) {
  if (!config_.is_object()) config_ = nlohmann::json::object();
}

result<connector*> connector_set::get(const std::string& name) {
  std::lock_guard lock(mu_);
  if (auto it = built_.find(name); it != built_.end()) return it->second.get();
  nlohmann::json entry;
  if (auto it = config_.find(name); it != config_.end())
    entry = *it;
  else if (is_builtin_channel(name))
    entry = {{"connector", "file"}};
  else
    return make_error(errc::not_found, pointer_append("/channels", name),
                      "no connector is configured for channel `" + name +
                          "` (add it to `channels` in the config file)");
  auto c = make_connector(name, entry, env_);
  if (!c) return c.err();
  return (built_[name] = std::move(*c)).get();
}

std::vector<delivery_result> send_each(
    const std::vector<message>& batch, const send_hooks& hooks,
    const std::function<delivery_result(const message&, bool& connection_broken)>& one) {
  std::vector<delivery_result> out;
  std::set<std::string> done;
  bool broken = false, stopped = false;
  std::string broken_reason;
  for (const auto& m : batch) {
    if (!stopped && hooks.stop_requested && hooks.stop_requested()) stopped = true;
    if (done.count(m.message_id)) {
      out.push_back({m.message_id, delivery_status::sent, true, false, {}});
    } else if (stopped || broken) {
      out.push_back({m.message_id, delivery_status::failed, false, true,
                     stopped ? k_stopped_reason : broken_reason});
    } else {
      if (hooks.handing_over) hooks.handing_over(m);
      out.push_back(one(m, broken));
      if (hooks.answered) hooks.answered(m, out.back());
      if (broken) broken_reason = out.back().reason;
      if (out.back().sent()) done.insert(m.message_id);
    }
  }
  return out;
}

}  // namespace baton::channels
