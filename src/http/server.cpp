#include "http/server.hpp"

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <charconv>
#include <mutex>
#include <type_traits>

#include "http/api_headers.hpp"
#include "http/response_head.hpp"
#include "http/tls.hpp"

namespace creditline::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

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

// A session that can be handed its response from another thread (through its Worker).
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void Respond(HttpResponse&& response) = 0;
};

}  // namespace

// One I/O thread with its own io_context, and the replies waiting to be written on it. Each
// connection belongs to one worker for its whole life, so its handlers never run on two threads
// at once and need no strand. Replies come from the engine thread many at a time: the first
// one posts a drain, the others join it, so a batch of replies wakes the thread once, not once
// each. Pending replies hold it, so it outlives the Server when a reply comes late.
struct Worker {
  struct PendingReply {
    std::shared_ptr<Responder> session;
    HttpResponse response;
  };

  // Thread-safe.
  void Post(std::shared_ptr<Responder> session, HttpResponse&& response) {
    {
      std::lock_guard lock(mutex);
      if (stopped) return;  // The connection is gone with the server.
      pending.push_back(PendingReply{std::move(session), std::move(response)});
      if (pending.size() > 1) return;  // A drain is already on its way.
      // Under the lock, so that the io_context cannot go meanwhile (see Shut).
      asio::post(*io, [this] { Drain(); });
    }
  }

  // On the worker's thread: writes every reply that has arrived.
  void Drain() {
    {
      std::lock_guard lock(mutex);
      draining.swap(pending);
    }
    for (PendingReply& reply : draining) reply.session->Respond(std::move(reply.response));
    draining.clear();
  }

  // After the thread has ended: drops the replies still waiting (and the sessions they hold,
  // while the io_context is still there to close their sockets).
  void Shut() {
    std::vector<PendingReply> dropped;
    {
      std::lock_guard lock(mutex);
      stopped = true;
      dropped.swap(pending);
    }
    dropped.clear();
    draining.clear();
  }

  // One thread runs it (the concurrency hint), so asio may skip some locking. Reset by the
  // Server once stopped, with the sessions its handlers still hold.
  std::unique_ptr<asio::io_context> io = std::make_unique<asio::io_context>(1);
  std::mutex mutex;
  std::vector<PendingReply> pending;   // Guarded by mutex.
  bool stopped = false;                // Guarded by mutex.
  std::vector<PendingReply> draining;  // The worker thread's own.
};

namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection, plain (beast::tcp_stream) or TLS (TlsStream). All its handlers run on its
// worker's thread.
template <class Stream>
class Session : public Responder, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<ServerShared> shared,
          std::shared_ptr<Worker> worker)
      : stream_(std::move(socket)), shared_(std::move(shared)), worker_(std::move(worker)) {}
  Session(tcp::socket&& socket, asio::ssl::context& tls, std::shared_ptr<ServerShared> shared,
          std::shared_ptr<Worker> worker)
      : stream_(std::move(socket), tls), shared_(std::move(shared)), worker_(std::move(worker)) {}
  ~Session() override { shared_->connections.fetch_sub(1); }

  void Run() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      // The peer of a connection never changes: its address is read once, not per request.
      beast::error_code endpoint_error;
      tcp::endpoint remote = self->Lowest().socket().remote_endpoint(endpoint_error);
      if (!endpoint_error) self->remote_address_ = remote.address().to_string();
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

  // On the worker's thread, from Worker::Drain.
  void Respond(HttpResponse&& response) override {
    Send(std::move(response), version_, keep_alive_);
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
    // The body usually came with the headers: parse it from the buffer, without another read.
    while (!parser_->is_done() && buffer_.size() > 0) {
      size_t used = parser_->put(buffer_.data(), error);
      buffer_.consume(used);
      if (error == bhttp::error::need_more) {
        error = {};
        break;
      }
      if (error) return OnRead(error);
      if (used == 0) break;
    }
    if (parser_->is_done()) return OnRead(error);
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
      return Send(PlainError(431, "headers_too_large", "the request headers are over 16 KiB"), 11,
                  false);
    }
    if (error) {
      return Send(PlainError(400, "malformed_request", "malformed HTTP request"), 11, false);
    }
    bhttp::request<bhttp::string_body> request = parser_->release();
    version_ = request.version();
    keep_alive_ = request.keep_alive();
    if (shared_->in_flight.fetch_add(1) >= shared_->limits.requests_in_flight_max) {
      shared_->in_flight.fetch_sub(1);
      return Send(PlainError(ErrorCode::kOverloaded, "the server is busy; retry shortly"), version_,
                  keep_alive_);
    }
    HttpRequest call;
    call.method = std::string(request.method_string());
    call.target = std::string(request.target());
    call.authorization = std::string(request[bhttp::field::authorization]);
    call.idempotency_key = std::string(request["Idempotency-Key"]);
    call.content_type = std::string(request[bhttp::field::content_type]);
    call.cookie = std::string(request[bhttp::field::cookie]);
    call.csrf_token = std::string(request["X-CSRF-Token"]);
    call.remote_address = remote_address_;
    call.keep_alive = keep_alive_;
    call.body = std::move(request.body());
    // The handler may answer from another thread; the answer is written on this session's
    // worker thread, and the next request is read only after it.
    shared_->handler(std::move(call), [self = this->shared_from_this()](HttpResponse r) {
      self->shared_->in_flight.fetch_sub(1);
      self->worker_->Post(self, std::move(r));
    });
  }

  // The head and the body go out in one write.
  void Send(HttpResponse&& response, unsigned version, bool keep_alive) {
    head_.clear();
    AppendResponseHead(response, version, keep_alive, head_);
    body_ = std::move(response.body);
    Lowest().expires_after(std::chrono::seconds(shared_->limits.message_timeout_seconds));
    std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(body_)};
    asio::async_write(
        stream_, buffers,
        [self = this->shared_from_this(), keep_alive](beast::error_code error, size_t) {
          if (error || !keep_alive) return self->Close();
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
  std::shared_ptr<Worker> worker_;
  std::string remote_address_;
  // The request being answered, and the response being written.
  unsigned version_ = 11;
  bool keep_alive_ = true;
  std::string head_, body_;
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
  ~Impl() {
    // The acceptor and the sessions still in the io_contexts go before the io_contexts.
    for (auto& worker : workers) worker->Shut();
    acceptor.reset();
    for (auto& worker : workers) worker->io.reset();
  }
  std::shared_ptr<ServerShared> shared;
  std::vector<std::shared_ptr<Worker>> workers;  // One a thread; the first also accepts.
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

// Each accepted connection goes to the next worker in turn.
void Accept(tcp::acceptor& acceptor, const std::vector<std::shared_ptr<Worker>>& workers,
            size_t next, asio::ssl::context* tls, const std::shared_ptr<ServerShared>& shared) {
  const std::shared_ptr<Worker>& worker = workers[next % workers.size()];
  acceptor.async_accept(*worker->io, [&acceptor, &workers, next, tls, &shared, worker](
                                         beast::error_code error, tcp::socket socket) {
    if (error == asio::error::operation_aborted) return;
    if (!error) {
      if (shared->connections.fetch_add(1) >= shared->limits.connections_max) {
        shared->connections.fetch_sub(1);
        std::make_shared<Refusal>(std::move(socket))->Run();
      } else if (tls != nullptr) {
        std::make_shared<Session<TlsStream>>(std::move(socket), *tls, shared, worker)->Run();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(std::move(socket), shared, worker)->Run();
      }
    }
    Accept(acceptor, workers, next + 1, tls, shared);
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
  for (int i = 0; i < std::max(1, threads); ++i)
    impl_->workers.push_back(std::make_shared<Worker>());
  impl_->acceptor = std::make_unique<tcp::acceptor>(*impl_->workers.front()->io);
  impl_->acceptor->open(endpoint.protocol(), error);
  if (!error) impl_->acceptor->set_option(asio::socket_base::reuse_address(true), error);
  if (!error) impl_->acceptor->bind(endpoint, error);
  if (!error) impl_->acceptor->listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot listen on " + listen + ": " + error.message(), "listen");
  }
  port_ = impl_->acceptor->local_endpoint().port();
  Accept(*impl_->acceptor, impl_->workers, 0, impl_->tls.get(), impl_->shared);
  for (const std::shared_ptr<Worker>& worker : impl_->workers) {
    impl_->threads.emplace_back([io = worker->io.get()] {
      // Runs until Stop(), with or without connections.
      auto work = asio::make_work_guard(*io);
      io->run();
    });
  }
  return Status::Ok();
}

void Server::Stop() {
  if (!impl_ || impl_->threads.empty()) return;
  asio::post(*impl_->workers.front()->io, [this] {
    beast::error_code ignored;
    impl_->acceptor->close(ignored);
  });
  for (auto& worker : impl_->workers) worker->io->stop();
  for (std::thread& thread : impl_->threads) thread.join();
  impl_->threads.clear();
  for (auto& worker : impl_->workers) worker->Shut();
}

}  // namespace creditline::http
