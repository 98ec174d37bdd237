// TLS on the server's listener: `creditline serve --tls-cert FILE --tls-key FILE`.
//
// ConfigureTls loads a PEM certificate chain and its private key into an OpenSSL context (TLS
// 1.2 and 1.3 only) for `server`, which then speaks HTTPS on every connection it accepts. Call
// it before Server::Start; a bad file or a key that does not match the certificate is refused
// here with a message naming the file, so a server never starts half-configured. The context
// lives as long as the server. Not thread-safe: call it from the thread that owns the server.
#pragma once

#include <string>

#include "core/error.hpp"
#include "http/server.hpp"

namespace creditline::http {

Status ConfigureTls(const Server& server, const std::string& cert_file,
                    const std::string& key_file);

}  // namespace creditline::http
