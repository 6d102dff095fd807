// Human-readable renderings of engine replies: the campaign list table and `campaign show`.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace baton::ctl {

std::string list_table(const nlohmann::json& campaigns);
std::string show_text(const nlohmann::json& campaign);

}  // namespace baton::ctl
