// Tests for http/response_head.hpp: the head the server writes for a response must be, byte for
// byte, what Boost.Beast's serializer writes for the same message built the way the server
// used to build it (Server, Content-Type, the response's headers, keep-alive, Content-Length).
#include "http/response_head.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace creditline::http {
namespace {

namespace bhttp = boost::beast::http;

std::string WithBeast(HttpResponse response, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(response.status), version};
  out.set(bhttp::field::server, kServerName);
  out.set(bhttp::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) out.insert(name, value);
  out.body() = std::move(response.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  std::ostringstream text;
  text << out;
  return text.str();
}

std::string Written(const HttpResponse& response, unsigned version, bool keep_alive) {
  std::string text;
  AppendResponseHead(response, version, keep_alive, text);
  return text + response.body;
}

std::vector<HttpResponse> Responses() {
  using Headers = std::vector<std::pair<std::string, std::string>>;
  Headers api = {{"Cache-Control", "no-store"},
                 {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
                 {"X-Content-Type-Options", "nosniff"},
                 {"X-Frame-Options", "DENY"},
                 {"Referrer-Policy", "no-referrer"}};
  Headers replayed = api;
  replayed.insert(replayed.begin(), {"Idempotent-Replayed", "true"});
  std::vector<HttpResponse> responses = {
      {200, R"({"order_id":"S1","decision":"approved","seq":1})", "application/json", api},
      {200, R"({"order_id":"S1","seq":1})", "application/json", replayed},
      {201, "{}", "application/json", api},
      {503,
       R"({"error":{"code":"overloaded"}})",
       "application/json",
       {{"Retry-After", "1"}, {"Cache-Control", "no-store"}}},
      {404, "The web console is not built.\n", "text/plain; charset=utf-8", {}},
      {200, "", "application/json", {}},
      {200,
       "a,b\r\n1,2\r\n",
       "text/csv",
       {{"Content-Disposition", "attachment; filename=\"aging.csv\""}}},
      // Values lose surrounding spaces and tabs, as Beast's fields trim them.
      {200, "x", " text/plain\t", {{"X-Padded", "  both ends \t"}, {"X-Empty", ""}}},
      {299, "unusual", "application/json", {}},
  };
  for (unsigned status : {400u, 401u, 403u, 405u, 409u, 413u, 415u, 422u, 429u, 431u, 500u}) {
    responses.push_back({status, R"({"error":{}})", "application/json", api});
  }
  return responses;
}

TEST(ResponseHeadTest, MatchesBeastForEveryVersionAndKeepAlive) {
  for (const HttpResponse& response : Responses()) {
    for (unsigned version : {10u, 11u}) {
      for (bool keep_alive : {true, false}) {
        EXPECT_EQ(Written(response, version, keep_alive), WithBeast(response, version, keep_alive))
            << "status " << response.status << ", HTTP " << version << ", keep-alive "
            << keep_alive;
      }
    }
  }
}

TEST(ResponseHeadTest, AnApiAnswerHasTheExpectedHead) {
  HttpResponse response{201, "{}", "application/json", {{"Retry-After", "1"}}};
  EXPECT_EQ(Written(response, 11, true),
            "HTTP/1.1 201 Created\r\nServer: creditline\r\nContent-Type: application/json\r\n"
            "Retry-After: 1\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(Written(response, 11, false),
            "HTTP/1.1 201 Created\r\nServer: creditline\r\nContent-Type: application/json\r\n"
            "Retry-After: 1\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(Written(response, 10, true),
            "HTTP/1.0 201 Created\r\nServer: creditline\r\nContent-Type: application/json\r\n"
            "Retry-After: 1\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}");
}

TEST(ResponseHeadTest, AppendsToWhatIsThere) {
  std::string text = "before";
  AppendResponseHead(HttpResponse{200, "", "text/plain", {}}, 11, true, text);
  EXPECT_EQ(text.rfind("beforeHTTP/1.1 200 OK\r\n", 0), 0u);
}

}  // namespace
}  // namespace creditline::http
