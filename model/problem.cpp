#include "model/problem.hpp"

namespace baton {

std::string pointer_append(const std::string& pointer, const std::string& token) {
  std::string out = pointer;
  out += '/';
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

error to_validation_error(const problems& ps) {
  std::string what;
  for (auto& p : ps)
    if (p.level == problem::severity::error)
      what += (what.empty() ? "" : "\n") + (p.pointer.empty() ? std::string("/") : p.pointer) +
              ": " + p.message;
  return make_error(errc::validation, "", what);
}

std::string pointer_append(const std::string& pointer, std::size_t index) {
  return pointer + "/" + std::to_string(index);
}

}  // namespace baton
