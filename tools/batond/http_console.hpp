// The operator console (INTERFACES.md §11, docs/console.md): sign-in with an API token (an
// HttpOnly, SameSite=Strict session cookie), the pages /, /campaigns/{id},
// /campaigns/{id}/report and /events (each with the session's <meta name="csrf-token">), and
// their assets compiled into batond. Every page without a live session redirects to /signin.
#pragma once

#include <memory>

#include "tools/batond/http_api.hpp"

namespace baton {

void route_console(httplib::Server& s, std::shared_ptr<http_api_context> c);

}  // namespace baton
