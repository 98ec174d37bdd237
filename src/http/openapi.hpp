// The OpenAPI 3.1 description of the HTTP API, served at GET /openapi.json.
#pragma once

#include <string>

namespace creditline::http {

// The document as JSON text; built once.
const std::string& OpenApiDocument();

}  // namespace creditline::http
