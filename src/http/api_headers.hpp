// The security headers every API answer carries, for the API (routed answers) and the server
// (the errors it writes before any route: malformed messages, oversized headers and bodies,
// overload). Stateless functions; thread-safe.
#pragma once

#include <string_view>

#include "http/server.hpp"

namespace creditline::http {

// Whether `response` has the header `name` (compared without case).
bool HasHeader(const HttpResponse& response, std::string_view name);

// Cache-Control: no-store unless the response sets a cache policy, and headers that forbid
// running, framing, sniffing and referring. Console files carry their own (static_files.hpp).
void AddApiSecurityHeaders(HttpResponse& response);

}  // namespace creditline::http
