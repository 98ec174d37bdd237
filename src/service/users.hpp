// Console users: names, roles and argon2id password hashes.
//
// Users log in to the web console with a password; the store keeps only the argon2id hash (in
// PHC string form, which carries its own salt and parameters), in DATA_DIR/users.tsv beside the
// API tokens, rewritten atomically (temporary file, fsync, rename) on every change. Roles are
// the API tokens' roles. Hashing is deliberately slow (tens of milliseconds) and happens
// outside the lock. Thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "service/tokens.hpp"

namespace creditline::service {

// OWASP's argon2id baseline: 19 MiB of memory, 2 passes, one lane.
inline constexpr uint32_t kArgon2MemoryKiB = 19 * 1024;
inline constexpr uint32_t kArgon2Passes = 2;
inline constexpr uint32_t kArgon2Lanes = 1;
// Shorter passwords fall to guessing even when throttled; longer ones only waste hashing time.
inline constexpr size_t kPasswordBytesMin = 8;
inline constexpr size_t kPasswordBytesMax = 256;
inline constexpr size_t kUsernameBytesMax = 64;

struct UserRecord {
  std::string username;
  Role role = Role::kViewer;
  std::string password_hash;  // argon2id PHC string.
  TimeMs created_at = 0;
  bool disabled = false;
};

// What may change in a user; unset fields stay as they are.
struct UserChange {
  std::optional<Role> role;
  std::optional<std::string> password;
  std::optional<bool> disabled;
};

// The argon2id PHC string for a password, with a fresh random salt.
Result<std::string> HashPassword(std::string_view password);
// True when the password matches the PHC string.
bool VerifyPassword(std::string_view password, const std::string& hash);
Status ValidatePassword(std::string_view password);
// A random password for a new user: 16 letters and digits (about 93 bits).
std::string GeneratePassword();
Status ValidateUsername(std::string_view username);

class UserStore {
 public:
  // Loads DATA_DIR/users.tsv; a missing file is an empty store (data directories made before
  // console users existed), created on the first change.
  static Result<std::unique_ptr<UserStore>> Open(const std::string& data_dir);

  // The user's record when the password is right and the user is enabled. An unknown name
  // costs as much time as a wrong password, so timing does not reveal which names exist.
  std::optional<UserRecord> Authenticate(std::string_view username,
                                         std::string_view password) const;
  std::optional<UserRecord> Find(std::string_view username) const;
  Result<UserRecord> Create(const std::string& username, Role role, std::string_view password,
                            TimeMs now);
  Result<UserRecord> Change(const std::string& username, const UserChange& change);
  std::vector<UserRecord> List() const;

 private:
  explicit UserStore(std::string path) : path_(std::move(path)) {}
  Status Save() const;  // REQUIRES: mutex_ held.

  std::string path_;
  mutable std::shared_mutex mutex_;
  std::vector<UserRecord> records_;
};

}  // namespace creditline::service
