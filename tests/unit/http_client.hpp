// A small synchronous HTTP/1.1 client for the black-box HTTP tests (Boost.Beast, keep-alive),
// and what a client saw. Not thread-safe: one client per thread.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace creditline::http {
namespace test_client {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

using Headers = std::vector<std::pair<std::string, std::string>>;

inline std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// What a client saw.
struct Response {
  unsigned status = 0;                         // 0: no response (the connection failed).
  std::map<std::string, std::string> headers;  // Names in lower case.
  std::string body;
  json::value json;  // The parsed body; null when it is not JSON.

  std::string Header(const std::string& name) const {
    auto found = headers.find(Lower(name));
    return found == headers.end() ? "" : found->second;
  }
  // JSON pointer access ("/account/limit_minor"); throws when the member is missing.
  const json::value& At(std::string_view pointer) const { return json.at_pointer(pointer); }
  int64_t Int(std::string_view pointer) const { return At(pointer).to_number<int64_t>(); }
  std::string Str(std::string_view pointer) const { return std::string(At(pointer).as_string()); }
  size_t Size(std::string_view pointer) const { return At(pointer).as_array().size(); }
  bool Has(std::string_view pointer) const {
    boost::system::error_code error;
    return json.find_pointer(pointer, error) != nullptr;
  }
  std::string ErrorCode() const { return Has("/error/code") ? Str("/error/code") : ""; }
};

// A synchronous HTTP/1.1 client on one keep-alive connection; it reconnects after the server
// closes. Not thread-safe: one per thread.
class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : port_(port) {}

  void Connect() {
    socket_.emplace(io_);
    socket_->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    buffer_.clear();
  }

  Response Send(const std::string& method, const std::string& target, const std::string& body,
                const Headers& headers) {
    if (!socket_) Connect();
    bhttp::request<bhttp::string_body> request{bhttp::string_to_verb(method), target, 11};
    request.set(bhttp::field::host, "127.0.0.1");
    if (!body.empty()) request.set(bhttp::field::content_type, "application/json");
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = body;
    request.prepare_payload();
    boost::system::error_code error;
    // A server that refuses a request early may close before reading all of it: the answer is
    // still there to read, so a failed write is not the end.
    bhttp::write(*socket_, request, error);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(std::numeric_limits<uint64_t>::max());
    bhttp::read(*socket_, buffer_, parser, error);
    Response response;
    if (error) {
      socket_.reset();
      return response;
    }
    const bhttp::response<bhttp::string_body>& message = parser.get();
    response.status = message.result_int();
    for (const auto& field : message) {
      response.headers[Lower(std::string(field.name_string()))] = std::string(field.value());
    }
    response.body = message.body();
    boost::system::error_code parse_error;
    json::value parsed = json::parse(response.body, parse_error);
    if (!parse_error) response.json = std::move(parsed);
    if (!message.keep_alive()) socket_.reset();
    return response;
  }

 private:
  uint16_t port_;
  asio::io_context io_;
  std::optional<tcp::socket> socket_;
  boost::beast::flat_buffer buffer_;
};

inline ::testing::AssertionResult IsError(const Response& response, unsigned status,
                                          const std::string& code) {
  if (response.status == status && response.ErrorCode() == code && response.Has("/error/message") &&
      response.Has("/error/field")) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "expected " << status << " " << code << ", got "
                                       << response.status << " " << response.body;
}

}  // namespace test_client
}  // namespace creditline::http
