// A small synchronous HTTP/1.1 client for the crash test: one keep-alive connection to
// 127.0.0.1, reconnecting after the server closes it, with a time limit on every step so that
// a hung server fails the test instead of hanging it.
//
// Each call runs Boost.Beast's asynchronous operations on the client's own io_context until
// they finish (that is how a timeout comes for free). Not thread-safe: one client per thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace crash {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

// Longest wait for one connect, write or read: the server's own request limit is 30 s, and a
// reply slower than that means the server is stuck.
inline constexpr std::chrono::seconds kRequestTimeout{30};
// Largest reply body read: customer order lists grow with the test's history.
inline constexpr uint64_t kReplyBytesMax = 256ull << 20;

// What a client saw.
struct Reply {
  unsigned status = 0;    // 0: no reply (the connection failed); see transport_error.
  bool replayed = false;  // The reply carried `Idempotent-Replayed: true`.
  std::string body;
  std::string transport_error;

  bool ok() const { return status >= 200 && status < 300; }
};

class HttpClient {
 public:
  HttpClient(uint16_t port, std::string token) : port_(port), token_(std::move(token)) {}

  // Sends one request; an empty `idempotency_key` sends none.
  Reply Send(std::string_view method, const std::string& target, const std::string& body,
             const std::string& idempotency_key) {
    if (!stream_) {
      if (beast::error_code error = Connect()) return Broken("connect", error);
    }
    bhttp::request<bhttp::string_body> request{bhttp::string_to_verb(method), target, 11};
    request.set(bhttp::field::host, "127.0.0.1");
    request.set(bhttp::field::authorization, "Bearer " + token_);
    if (!body.empty()) request.set(bhttp::field::content_type, "application/json");
    if (!idempotency_key.empty()) request.set("Idempotency-Key", idempotency_key);
    request.body() = body;
    request.prepare_payload();
    beast::error_code error;
    stream_->expires_after(kRequestTimeout);
    bhttp::async_write(*stream_, request, [&error](beast::error_code e, size_t) { error = e; });
    RunIo();
    if (error) return Broken("write", error);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kReplyBytesMax);
    bhttp::async_read(*stream_, buffer_, parser,
                      [&error](beast::error_code e, size_t) { error = e; });
    RunIo();
    if (error) return Broken("read", error);
    const bhttp::response<bhttp::string_body>& message = parser.get();
    Reply reply;
    reply.status = message.result_int();
    reply.replayed = message["Idempotent-Replayed"] == "true";
    reply.body = message.body();
    if (!message.keep_alive()) stream_.reset();
    return reply;
  }

 private:
  beast::error_code Connect() {
    stream_.emplace(io_);
    buffer_.clear();
    beast::error_code error;
    stream_->expires_after(kRequestTimeout);
    stream_->async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_),
                           [&error](beast::error_code e) { error = e; });
    RunIo();
    if (!error) stream_->socket().set_option(tcp::no_delay(true), error);
    return error;
  }

  void RunIo() {
    io_.restart();
    io_.run();
  }

  Reply Broken(const char* step, const beast::error_code& error) {
    stream_.reset();
    Reply reply;
    reply.transport_error = std::string(step) + ": " + error.message();
    return reply;
  }

  uint16_t port_;
  std::string token_;
  asio::io_context io_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

}  // namespace crash
