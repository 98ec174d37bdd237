#include "http/server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <array>
#include <charconv>
#include <type_traits>

#include "http/api_headers.hpp"
#include "http/tls.hpp"

namespace creditline::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

constexpr const char* kServerName = "creditline";

bhttp::response<bhttp::string_body> ToBeast(HttpResponse&& response, unsigned version,
                                            bool keep_alive) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(response.status), version};
  out.set(bhttp::field::server, kServerName);
  out.set(bhttp::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) out.insert(name, value);
  out.body() = std::move(response.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

// An error answered by the server itself, before any route sees the request: the same JSON as
// the API's errors. Two codes exist only here, for messages that never reach the API:
// "headers_too_large" (431) and "malformed_request" (400).
HttpResponse PlainError(unsigned status, std::string_view code, std::string_view message) {
  HttpResponse response{status,
                        "{\"error\":{\"code\":\"" + std::string(code) + "\",\"message\":\"" +
                            std::string(message) + "\",\"field\":\"\"}}",
                        "application/json",
                        {}};
  if (status == 503) response.headers.emplace_back("Retry-After", "1");
  AddApiSecurityHeaders(response);
  return response;
}

HttpResponse PlainError(ErrorCode code, std::string_view message) {
  return PlainError(static_cast<unsigned>(InfoOf(code).http_status), NameOf(code), message);
}

}  // namespace

// What the listener and every session share. Sessions and pending replies hold it, so it
// outlives the Server when a reply comes late.
struct ServerShared {
  ServerShared(Handler handler_in, ServerLimits limits_in)
      : handler(std::move(handler_in)), limits(limits_in) {}
  const Handler handler;
  const ServerLimits limits;
  std::atomic<size_t> connections{0};
  std::atomic<size_t> in_flight{0};
};

namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection, plain (beast::tcp_stream) or TLS (TlsStream).
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<ServerShared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {}
  Session(tcp::socket&& socket, asio::ssl::context& tls, std::shared_ptr<ServerShared> shared)
      : stream_(std::move(socket), tls), shared_(std::move(shared)) {}
  ~Session() { shared_->connections.fetch_sub(1); }

  void Run() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (std::is_same_v<Stream, TlsStream>) {
        self->Lowest().expires_after(
            std::chrono::seconds(self->shared_->limits.header_timeout_seconds));
        self->stream_.async_handshake(asio::ssl::stream_base::server,
                                      [self](beast::error_code error) {
                                        // No TLS session to end: drop the connection.
                                        beast::error_code ignored;
                                        if (!error) return self->Read();
                                        self->Lowest().socket().close(ignored);
                                      });
      } else {
        self->Read();
      }
    });
  }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  // The headers first, under their own deadline (slow senders are cut off), then the body.
  void Read() {
    parser_.emplace();
    parser_->body_limit(kRequestBodyBytesMax);
    parser_->header_limit(kRequestHeaderBytesMax);
    Lowest().expires_after(std::chrono::seconds(shared_->limits.header_timeout_seconds));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code error, size_t) {
                               self->OnHeader(error);
                             });
  }

  void OnHeader(beast::error_code error) {
    if (error) return OnRead(error);
    Lowest().expires_after(std::chrono::seconds(shared_->limits.message_timeout_seconds));
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code error, size_t) {
                        self->OnRead(error);
                      });
  }

  void OnRead(beast::error_code error) {
    if (error == bhttp::error::end_of_stream || error == asio::error::connection_reset ||
        error == beast::error::timeout || error == asio::error::operation_aborted ||
        error == asio::ssl::error::stream_truncated) {
      return Close();
    }
    if (error == bhttp::error::body_limit) {
      return Send(PlainError(ErrorCode::kPayloadTooLarge, "the request body is over 1 MiB"), 11,
                  false);
    }
    if (error == bhttp::error::header_limit) {
      return Send(
          PlainError(431, "headers_too_large", "the request headers are over 16 KiB"), 11,
          false);
    }
    if (error) {
      return Send(PlainError(400, "malformed_request", "malformed HTTP request"), 11, false);
    }
    bhttp::request<bhttp::string_body> request = parser_->release();
    unsigned version = request.version();
    bool keep_alive = request.keep_alive();
    if (shared_->in_flight.fetch_add(1) >= shared_->limits.requests_in_flight_max) {
      shared_->in_flight.fetch_sub(1);
      return Send(PlainError(ErrorCode::kOverloaded, "the server is busy; retry shortly"),
                  version, keep_alive);
    }
    HttpRequest call;
    call.method = std::string(request.method_string());
    call.target = std::string(request.target());
    call.authorization = std::string(request[bhttp::field::authorization]);
    call.idempotency_key = std::string(request["Idempotency-Key"]);
    call.content_type = std::string(request[bhttp::field::content_type]);
    call.cookie = std::string(request[bhttp::field::cookie]);
    call.csrf_token = std::string(request["X-CSRF-Token"]);
    beast::error_code endpoint_error;
    tcp::endpoint remote = Lowest().socket().remote_endpoint(endpoint_error);
    if (!endpoint_error) call.remote_address = remote.address().to_string();
    call.keep_alive = keep_alive;
    call.body = std::move(request.body());
    // The handler may answer from another thread; the answer is written on this session's
    // strand, and the next request is read only after it.
    shared_->handler(std::move(call), [self = this->shared_from_this(), version,
                                       keep_alive](HttpResponse r) {
      self->shared_->in_flight.fetch_sub(1);
      asio::post(self->stream_.get_executor(),
                 [self, version, keep_alive, response = std::move(r)]() mutable {
                   self->Send(std::move(response), version, keep_alive);
                 });
    });
  }

  void Send(HttpResponse&& response, unsigned version, bool keep_alive) {
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>(
        ToBeast(std::move(response), version, keep_alive));
    Lowest().expires_after(std::chrono::seconds(shared_->limits.message_timeout_seconds));
    bhttp::async_write(stream_, *message,
                       [self = this->shared_from_this(), message](beast::error_code error, size_t) {
                         if (error || !message->keep_alive()) return self->Close();
                         self->Read();
                       });
  }

  void Close() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      // Says close_notify, then closes; a peer that never answers meets the timeout.
      Lowest().expires_after(std::chrono::seconds(shared_->limits.message_timeout_seconds));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        self->Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      });
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<ServerShared> shared_;
};

// The answer to a connection past the limit: a 503, then the client's request is drained (for
// at most kRefusalDrainSeconds) so that closing does not reset the connection before the client
// has read why.
constexpr int kRefusalDrainSeconds = 2;

class Refusal : public std::enable_shared_from_this<Refusal> {
 public:
  explicit Refusal(tcp::socket&& socket) : stream_(std::move(socket)) {}

  void Run() {
    static const std::string kText = Text();
    stream_.expires_after(std::chrono::seconds(kRefusalDrainSeconds));
    asio::async_write(stream_, asio::buffer(kText),
                      [self = shared_from_this()](beast::error_code error, size_t) {
                        if (error) return;
                        beast::error_code ignored;
                        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                        self->Drain();
                      });
  }

 private:
  static std::string Text() {
    HttpResponse refusal =
        PlainError(ErrorCode::kOverloaded, "the server has too many open connections");
    return "HTTP/1.1 503 Service Unavailable\r\nServer: " + std::string(kServerName) +
           "\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\n"
           "Content-Length: " +
           std::to_string(refusal.body.size()) + "\r\n\r\n" + refusal.body;
  }

  void Drain() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code error, size_t) {
                              if (!error) self->Drain();
                            });
  }

  beast::tcp_stream stream_;
  std::array<char, 4096> scratch_;
};

Error TlsError(const std::string& what, const beast::error_code& error) {
  return MakeError(ErrorCode::kInvalidArgument, what + ": " + error.message(), "tls");
}

}  // namespace

struct Server::Impl {
  explicit Impl(Handler handler, ServerLimits limits)
      : shared(std::make_shared<ServerShared>(std::move(handler), limits)) {}
  std::shared_ptr<ServerShared> shared;
  asio::io_context io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::shared_ptr<asio::ssl::context> tls;  // Null: plain HTTP.
};

Status ConfigureTls(const Server& server, const std::string& cert_file,
                    const std::string& key_file) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  beast::error_code error;
  // TLS 1.2 and 1.3 only: the older versions have known attacks and no client still needs them.
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                           asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                       error);
  if (error) return TlsError("cannot set up TLS", error);
  context->use_certificate_chain_file(cert_file, error);
  if (error) return TlsError("cannot use the TLS certificate " + cert_file, error);
  context->use_private_key_file(key_file, asio::ssl::context::pem, error);
  if (error) return TlsError("cannot use the TLS private key " + key_file, error);
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "the TLS private key " + key_file + " does not match the certificate " + cert_file, "tls");
  }
  server.impl_->tls = std::move(context);
  return Status::Ok();
}

bool SplitHostPort(const std::string& listen, std::string* host, uint16_t* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = listen.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  std::string_view digits(listen.data() + colon + 1, listen.size() - colon - 1);
  unsigned value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size() || value > 65535) return false;
  *port = static_cast<uint16_t>(value);
  return true;
}

Server::Server(Handler handler, ServerLimits limits)
    : impl_(std::make_unique<Impl>(std::move(handler), limits)) {}

Server::~Server() {
  Stop();
  // Sessions still pending in the io_context go with it.
  impl_.reset();
}

size_t Server::open_connections() const { return impl_->shared->connections.load(); }
size_t Server::requests_in_flight() const { return impl_->shared->in_flight.load(); }

namespace {

void Accept(tcp::acceptor& acceptor, asio::io_context& io, asio::ssl::context* tls,
            const std::shared_ptr<ServerShared>& shared) {
  acceptor.async_accept(asio::make_strand(io), [&acceptor, &io, tls, &shared](
                                                   beast::error_code error, tcp::socket socket) {
    if (error == asio::error::operation_aborted) return;
    if (!error) {
      if (shared->connections.fetch_add(1) >= shared->limits.connections_max) {
        shared->connections.fetch_sub(1);
        std::make_shared<Refusal>(std::move(socket))->Run();
      } else if (tls != nullptr) {
        std::make_shared<Session<TlsStream>>(std::move(socket), *tls, shared)->Run();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(std::move(socket), shared)->Run();
      }
    }
    Accept(acceptor, io, tls, shared);
  });
}

}  // namespace

Status Server::Start(const std::string& listen, int threads) {
  std::string host;
  uint16_t port = 0;
  if (!SplitHostPort(listen, &host, &port)) {
    return MakeError(ErrorCode::kInvalidArgument, "--listen must be HOST:PORT, e.g. 127.0.0.1:8080",
                     "listen");
  }
  beast::error_code error;
  asio::ip::address address = asio::ip::make_address(host, error);
  if (error) {
    return MakeError(ErrorCode::kInvalidArgument, "not an IP address: " + host, "listen");
  }
  tcp::endpoint endpoint(address, port);
  impl_->acceptor = std::make_unique<tcp::acceptor>(impl_->io);
  impl_->acceptor->open(endpoint.protocol(), error);
  if (!error) impl_->acceptor->set_option(asio::socket_base::reuse_address(true), error);
  if (!error) impl_->acceptor->bind(endpoint, error);
  if (!error) impl_->acceptor->listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot listen on " + listen + ": " + error.message(), "listen");
  }
  port_ = impl_->acceptor->local_endpoint().port();
  Accept(*impl_->acceptor, impl_->io, impl_->tls.get(), impl_->shared);
  for (int i = 0; i < std::max(1, threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
  return Status::Ok();
}

void Server::Stop() {
  if (!impl_ || impl_->threads.empty()) return;
  asio::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor->close(ignored);
  });
  impl_->io.stop();
  for (std::thread& thread : impl_->threads) thread.join();
  impl_->threads.clear();
}

}  // namespace creditline::http
