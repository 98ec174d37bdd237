#include "http/server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <charconv>

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

HttpResponse PlainError(unsigned status, std::string_view code, std::string_view message) {
  return HttpResponse{status,
                      "{\"error\":{\"code\":\"" + std::string(code) + "\",\"message\":\"" +
                          std::string(message) + "\",\"field\":\"\"}}",
                      "application/json",
                      {}};
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, const Handler& handler, std::atomic<size_t>& connections)
      : stream_(std::move(socket)), handler_(handler), connections_(connections) {}
  ~Session() { connections_.fetch_sub(1); }

  void Run() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(kRequestBodyBytesMax);
    parser_->header_limit(kRequestHeaderBytesMax);
    stream_.expires_after(std::chrono::seconds(kRequestTimeoutSeconds));
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) { self->OnRead(error); });
  }

  void OnRead(beast::error_code error) {
    if (error == bhttp::error::end_of_stream || error == asio::error::connection_reset ||
        error == beast::error::timeout || error == asio::error::operation_aborted) {
      return Close();
    }
    if (error == bhttp::error::body_limit) {
      return Send(PlainError(413, "payload_too_large", "the request body is over 1 MiB"), 11,
                  false);
    }
    if (error == bhttp::error::header_limit) {
      return Send(PlainError(431, "invalid_argument", "the request headers are over 16 KiB"), 11,
                  false);
    }
    if (error)
      return Send(PlainError(400, "invalid_argument", "malformed HTTP request"), 11, false);
    bhttp::request<bhttp::string_body> request = parser_->release();
    unsigned version = request.version();
    bool keep_alive = request.keep_alive();
    HttpRequest call;
    call.method = std::string(request.method_string());
    call.target = std::string(request.target());
    call.authorization = std::string(request[bhttp::field::authorization]);
    call.idempotency_key = std::string(request["Idempotency-Key"]);
    call.content_type = std::string(request[bhttp::field::content_type]);
    call.cookie = std::string(request[bhttp::field::cookie]);
    call.csrf_token = std::string(request["X-CSRF-Token"]);
    beast::error_code endpoint_error;
    tcp::endpoint remote = stream_.socket().remote_endpoint(endpoint_error);
    if (!endpoint_error) call.remote_address = remote.address().to_string();
    call.keep_alive = keep_alive;
    call.body = std::move(request.body());
    // The handler may answer from another thread; the answer is written on this session's
    // strand, and the next request is read only after it.
    handler_(std::move(call), [self = shared_from_this(), version, keep_alive](HttpResponse r) {
      asio::post(self->stream_.get_executor(),
                 [self, version, keep_alive, response = std::move(r)]() mutable {
                   self->Send(std::move(response), version, keep_alive);
                 });
    });
  }

  void Send(HttpResponse&& response, unsigned version, bool keep_alive) {
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>(
        ToBeast(std::move(response), version, keep_alive));
    stream_.expires_after(std::chrono::seconds(kRequestTimeoutSeconds));
    bhttp::async_write(stream_, *message,
                       [self = shared_from_this(), message](beast::error_code error, size_t) {
                         if (error || !message->keep_alive()) return self->Close();
                         self->Read();
                       });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const Handler& handler_;
  std::atomic<size_t>& connections_;
};

}  // namespace

struct Server::Impl {
  asio::io_context io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
};

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

Server::Server(Handler handler) : impl_(std::make_unique<Impl>()), handler_(std::move(handler)) {}

Server::~Server() {
  Stop();
  // Sessions still pending in the io_context refer to handler_ and connections_: destroy them
  // while those members are alive.
  impl_.reset();
}

namespace {

void Accept(tcp::acceptor& acceptor, asio::io_context& io, const Handler& handler,
            std::atomic<size_t>& connections) {
  acceptor.async_accept(asio::make_strand(io), [&acceptor, &io, &handler, &connections](
                                                   beast::error_code error, tcp::socket socket) {
    if (error == asio::error::operation_aborted) return;
    if (!error) {
      if (connections.fetch_add(1) >= kConnectionsMax) {
        connections.fetch_sub(1);
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<Session>(std::move(socket), handler, connections)->Run();
      }
    }
    Accept(acceptor, io, handler, connections);
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
  Accept(*impl_->acceptor, impl_->io, handler_, connections_);
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
