#include "http/response_head.hpp"

#include <boost/beast/http/status.hpp>
#include <charconv>

namespace creditline::http {
namespace {

// Header values lose their leading and trailing spaces and tabs, as Beast's fields do.
std::string_view Trimmed(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return value;
}

void AppendNumber(std::string& out, uint64_t value) {
  char digits[24];
  auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
  (void)error;  // 24 characters hold any 64-bit number.
  out.append(digits, end);
}

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += Trimmed(value);
  out += "\r\n";
}

}  // namespace

void AppendResponseHead(const HttpResponse& response, unsigned version, bool keep_alive,
                        std::string& out) {
  out += "HTTP/";
  AppendNumber(out, version / 10);
  out += '.';
  AppendNumber(out, version % 10);
  out += ' ';
  AppendNumber(out, response.status);
  out += ' ';
  out +=
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(response.status));
  out += "\r\n";
  AppendField(out, "Server", kServerName);
  AppendField(out, "Content-Type", response.content_type);
  for (const auto& [name, value] : response.headers) AppendField(out, name, value);
  // HTTP/1.1 keeps a connection open unless told; HTTP/1.0 closes it unless told.
  if (version < 11 && keep_alive) AppendField(out, "Connection", "keep-alive");
  if (version >= 11 && !keep_alive) AppendField(out, "Connection", "close");
  out += "Content-Length: ";
  AppendNumber(out, response.body.size());
  out += "\r\n\r\n";
}

}  // namespace creditline::http
