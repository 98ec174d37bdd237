// API tokens and roles.
//
// A token is shown once, when it is created; the store keeps only its SHA-256 hash, in
// DATA_DIR/tokens.tsv, rewritten atomically (temporary file, fsync, rename) on every change.
// Roles are ordered: each one may do everything the one before it may. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"

namespace creditline::service {

enum class Role : uint8_t { kViewer, kSales, kAnalyst, kCreditManager, kAdmin };
std::string_view NameOf(Role role);
Result<Role> ParseRole(std::string_view text);

// Who sent a request: an API token, or a console user through a session cookie.
struct Principal {
  std::string token_id;  // Empty for a console user.
  Role role = Role::kViewer;
  std::string username;    // The console user; empty for a token.
  std::string csrf_token;  // The session's CSRF token; empty for a token.
  TimeMs session_expires_at = 0;
  std::string actor() const { return username.empty() ? "token:" + token_id : "user:" + username; }
};

struct TokenRecord {
  std::string token_id, name;
  Role role = Role::kViewer;
  std::string hash_hex;  // SHA-256 of the secret.
  TimeMs created_at = 0;
  bool revoked = false;
};

struct NewToken {
  TokenRecord record;
  std::string secret;  // Shown once.
};

std::string Sha256Hex(std::string_view data);
// Lower-case hex of `size` bytes.
std::string HexOf(const unsigned char* bytes, size_t size);
// `bytes` bytes from OpenSSL's random generator, as hex (secrets, ids, CSRF tokens). Aborts
// when the system has no entropy to give.
std::string RandomHex(size_t bytes);

class TokenStore {
 public:
  // Loads DATA_DIR/tokens.tsv; a missing file is an error (run `creditline init`).
  static Result<std::unique_ptr<TokenStore>> Open(const std::string& data_dir);
  // Creates DATA_DIR (which must not hold a token file yet) with one admin token.
  static Result<NewToken> Initialize(const std::string& data_dir, TimeMs now);

  // The principal for a bearer secret, or nothing for an unknown or revoked token.
  std::optional<Principal> Authenticate(std::string_view secret) const;
  Result<NewToken> Create(Role role, const std::string& name, TimeMs now);
  Status Revoke(const std::string& token_id);
  std::vector<TokenRecord> List() const;

 private:
  explicit TokenStore(std::string path) : path_(std::move(path)) {}
  Status Save() const;  // REQUIRES: mutex_ held.
  static NewToken Generate(Role role, const std::string& name, TimeMs now);

  std::string path_;
  mutable std::shared_mutex mutex_;
  std::vector<TokenRecord> records_;
  std::unordered_map<std::string, size_t> by_hash_;  // hash_hex -> index in records_.
};

}  // namespace creditline::service
