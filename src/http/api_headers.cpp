#include "http/api_headers.hpp"

#include <algorithm>
#include <cctype>

namespace creditline::http {
namespace {

// API answers are data, never pages: nothing in them may run, be framed, be sniffed into
// another type, leak the URL onwards, or be kept by a cache (they carry credit data and, for
// logins and new tokens, secrets).
constexpr const char* kApiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

bool SameLetters(char a, char b) {
  return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
}

}  // namespace

bool HasHeader(const HttpResponse& response, std::string_view name) {
  for (const auto& [present, value] : response.headers) {
    if (present.size() == name.size() &&
        std::equal(present.begin(), present.end(), name.begin(), SameLetters)) {
      return true;
    }
  }
  return false;
}

void AddApiSecurityHeaders(HttpResponse& response) {
  if (!HasHeader(response, "Cache-Control")) {
    response.headers.emplace_back("Cache-Control", "no-store");
  }
  response.headers.emplace_back("Content-Security-Policy", kApiContentSecurityPolicy);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
}

}  // namespace creditline::http
