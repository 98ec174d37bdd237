#include "http/static_files.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace creditline::http {
namespace {

namespace fs = std::filesystem;

// antd injects its styles at run time, so styles need 'unsafe-inline'; scripts do not.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
// Vite names files under assets/ by their content hash, so they never change.
constexpr const char* kImmutableCache = "public, max-age=31536000, immutable";

std::string ContentTypeOf(const std::string& path) {
  static const std::unordered_map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"}};
  auto found = kTypes.find(fs::path(path).extension().string());
  return found == kTypes.end() ? "application/octet-stream" : found->second;
}

}  // namespace

void AddConsoleSecurityHeaders(HttpResponse& response) {
  response.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "same-origin");
}

std::string StaticFiles::FindRoot(const std::vector<std::string>& candidates) {
  for (const std::string& candidate : candidates) {
    std::error_code error;
    if (!candidate.empty() && fs::is_regular_file(fs::path(candidate) / "index.html", error)) {
      return fs::canonical(candidate, error).string();
    }
  }
  return "";
}

Result<std::unique_ptr<StaticFiles>> StaticFiles::Load(const std::string& root) {
  std::error_code error;
  if (!fs::is_regular_file(fs::path(root) / "index.html", error)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     root + " holds no index.html: build the console with `npm run build` in web/",
                     "web-root");
  }
  std::unique_ptr<StaticFiles> files(new StaticFiles());
  files->root_ = root;
  size_t total = 0;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(root, error)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    total += content.str().size();
    if (!in || total > kWebRootBytesMax) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "cannot load " + entry.path().string() +
                           (total > kWebRootBytesMax ? ": the web root is over 64 MiB" : ""),
                       "web-root");
    }
    std::string path = "/" + fs::relative(entry.path(), root).generic_string();
    files->files_[path] = File{content.str(), ContentTypeOf(path)};
  }
  if (error) {
    return MakeError(ErrorCode::kInvalidArgument, "cannot read " + root + ": " + error.message(),
                     "web-root");
  }
  return files;
}

HttpResponse StaticFiles::Respond(const std::string& path, const File& file) const {
  HttpResponse response{200, file.body, file.content_type, {}};
  bool hashed = path.rfind("/assets/", 0) == 0;
  response.headers.emplace_back("Cache-Control", hashed ? kImmutableCache : "no-cache");
  AddConsoleSecurityHeaders(response);
  return response;
}

std::optional<HttpResponse> StaticFiles::Serve(const std::string& path) const {
  auto found = files_.find(path == "/" ? "/index.html" : path);
  if (found != files_.end()) return Respond(found->first, found->second);
  // Client-side routes (/customers/C100) have no extension; a missing asset does.
  std::string last = path.substr(path.rfind('/') + 1);
  if (last.find('.') != std::string::npos) return std::nullopt;
  return Respond("/index.html", files_.at("/index.html"));
}

}  // namespace creditline::http
