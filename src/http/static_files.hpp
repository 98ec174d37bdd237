// The web console's built files (web/dist), served at / by `creditline serve`.
//
// The files are read into memory once at start: the build is small (a few MiB), nothing on disk
// is reached through a request path (so no traversal), and a rebuild needs a restart. Paths
// that name no file and have no extension are client-side routes and get index.html. Every
// response carries the console's security headers (CSP, frame-ancestors 'none', nosniff);
// hashed assets are cached for a year, index.html is revalidated each time. Immutable after
// Load(); thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "http/server.hpp"

namespace creditline::http {

// The built console is a few MiB; far more means a wrong --web-root.
inline constexpr size_t kWebRootBytesMax = 64 << 20;

class StaticFiles {
 public:
  // Loads every file under `root`, which must hold index.html.
  static Result<std::unique_ptr<StaticFiles>> Load(const std::string& root);
  // The first directory of `candidates` that holds index.html, or "".
  static std::string FindRoot(const std::vector<std::string>& candidates);

  // The response for GET `path` (no query), or nothing for a missing file with an extension.
  std::optional<HttpResponse> Serve(const std::string& path) const;
  const std::string& root() const { return root_; }
  size_t file_count() const { return files_.size(); }

 private:
  struct File {
    std::string body, content_type;
  };
  HttpResponse Respond(const std::string& path, const File& file) const;

  std::string root_;
  std::unordered_map<std::string, File> files_;  // "/assets/index-abc.js" -> file.
};

// Adds the console's security headers to a response.
void AddConsoleSecurityHeaders(HttpResponse& response);

}  // namespace creditline::http
