#include "actors/api.hpp"

namespace baton {

namespace {
const caf::atom_value baton_category = caf::atom("baton");
}

caf::error to_caf(const error& e) {
  return caf::error(static_cast<std::uint8_t>(e.code), baton_category,
                    caf::make_message(e.where, e.what));
}

error from_caf(const caf::error& e) {
  if (e.category() == baton_category) {
    error out{static_cast<errc>(e.code()), "", ""};
    auto& ctx = e.context();
    if (ctx.match_elements<std::string, std::string>()) {
      out.where = ctx.get_as<std::string>(0);
      out.what = ctx.get_as<std::string>(1);
    }
    return out;
  }
  // Errors of CAF itself: timeouts and lost connections are "unavailable".
  return error{errc::unavailable, "engine", caf::to_string(e)};
}

std::vector<std::string> api_message_types() {
  return {
      "@<>+@atom+@str",               // (authenticate_atom, token): actors/gate.hpp
      "@<>+@atom+baton.api_command",  // (command_atom, api_command)
      "@<>+@atom+@str+@actor",        // (subscribe_atom, campaign, subscriber)
      "@<>+@atom+@actor",             // (unsubscribe_atom, subscriber)
  };
}

void register_api_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<api_command>("baton.api_command");
  cfg.add_error_category(
      baton_category, [](std::uint8_t code, caf::atom_value, const caf::message& ctx) {
        std::string out = to_string(static_cast<errc>(code));
        if (ctx.match_elements<std::string, std::string>())
          out += ": " + ctx.get_as<std::string>(0) + ": " + ctx.get_as<std::string>(1);
        return out;
      });
}

}  // namespace baton
