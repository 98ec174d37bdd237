// The HTTP/1.1 server: sockets, parsing, limits and keep-alive (Boost.Beast).
//
// It knows nothing of credit: each parsed request goes to the Handler, which answers through
// the Reply callback exactly once, from any thread (typically the engine thread once the
// command is applied). Limits are explicit named constants. Start() runs the I/O threads;
// Stop() closes the listener and ends them. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace creditline::http {

inline constexpr size_t kRequestBodyBytesMax = 1 << 20;     // 1 MiB: a batch of 1,000 orders.
inline constexpr size_t kRequestHeaderBytesMax = 16 << 10;  // 16 KiB: generous for tokens.
// A connection must deliver a request's complete headers this soon after it opens or after the
// previous response: a slow sender (slowloris) or an idle keep-alive connection is closed then.
inline constexpr int kRequestHeaderTimeoutSeconds = 15;
inline constexpr int kRequestTimeoutSeconds = 30;  // Reading a body, or writing one response.
// Open connections past this are refused with 503 at once: each costs a descriptor and memory.
inline constexpr size_t kConnectionsMax = 10'000;
// Requests handed to the handler and not yet answered. Past this the server answers 503 at once
// rather than queueing work that clients would give up on (the engine drains about this many
// in a few milliseconds).
inline constexpr size_t kRequestsInFlightMax = 4'096;

// The server's limits; the defaults are the constants above (tests shrink them).
struct ServerLimits {
  int header_timeout_seconds = kRequestHeaderTimeoutSeconds;
  int message_timeout_seconds = kRequestTimeoutSeconds;
  size_t connections_max = kConnectionsMax;
  size_t requests_in_flight_max = kRequestsInFlightMax;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // Path and query.
  std::string body;
  std::string authorization, idempotency_key, content_type;
  std::string cookie, csrf_token;  // The Cookie and X-CSRF-Token headers (console sessions).
  std::string remote_address;      // The client's IP address, for login throttling.
  bool keep_alive = true;
};

struct HttpResponse {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

using Reply = std::function<void(HttpResponse)>;
using Handler = std::function<void(HttpRequest, Reply)>;

class Server {
 public:
  explicit Server(Handler handler, ServerLimits limits = {});
  ~Server();

  // Binds "host:port" (port 0 picks a free one) and starts `threads` I/O threads.
  Status Start(const std::string& listen, int threads);
  void Stop();
  uint16_t port() const { return port_; }
  size_t open_connections() const;
  size_t requests_in_flight() const;

 private:
  // Sets the TLS context (http/tls.hpp) before Start.
  friend Status ConfigureTls(const Server& server, const std::string& cert_file,
                             const std::string& key_file);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

// Splits "host:port"; false when malformed.
bool SplitHostPort(const std::string& listen, std::string* host, uint16_t* port);

}  // namespace creditline::http
