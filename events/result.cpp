#include "events/result.hpp"

namespace baton {

const char* to_string(errc code) {
  switch (code) {
    case errc::failed:
      return "failed";
    case errc::validation:
      return "validation";
    case errc::refused:
      return "refused";
    case errc::not_found:
      return "not_found";
    case errc::unavailable:
      return "unavailable";
    case errc::integrity:
      return "integrity";
    case errc::conflict:
      return "conflict";
    case errc::timeout:
      return "timeout";
  }
  return "unknown";
}

}  // namespace baton
