// The status line and header block of a response, written straight into text.
//
// The server writes each response as this head and the body, in one gather write. The bytes are
// exactly those Boost.Beast's serializer would write for the same message (Server and
// Content-Type first, then the response's own headers in order, then Connection when the
// version's default is not wanted, then Content-Length), without building Beast's field list:
// tests/unit/response_head_test.cpp compares the two. Stateless; thread-safe.
#pragma once

#include <string>

#include "http/server.hpp"

namespace creditline::http {

inline constexpr const char* kServerName = "creditline";

// Appends the head of `response` for a request of HTTP `version` (10, 11) to `out`.
// `keep_alive` is whether the connection stays open after it.
void AppendResponseHead(const HttpResponse& response, unsigned version, bool keep_alive,
                        std::string& out);

}  // namespace creditline::http
