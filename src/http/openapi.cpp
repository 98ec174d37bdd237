#include "http/openapi.hpp"

namespace creditline::http {

const std::string& OpenApiDocument() {
  static const std::string document =
      R"({"openapi":"3.1.0","info":{"title":"Creditline API","version":"0.1.0"},"paths":{}})";
  return document;
}

}  // namespace creditline::http
