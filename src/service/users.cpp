#include "service/users.hpp"

#include <argon2.h>
#include <openssl/rand.h>

#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include "service/data_dir.hpp"

namespace creditline::service {
namespace {

constexpr const char* kUserFile = "users.tsv";
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

// A hash of a password nobody has, verified against when the user is unknown.
const std::string& DecoyHash() {
  static const std::string hash = *HashPassword("decoy password for unknown users");
  return hash;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  unsigned char salt[kSaltBytes];
  if (RAND_bytes(salt, sizeof salt) != 1) std::abort();  // No entropy.
  size_t length = argon2_encodedlen(kArgon2Passes, kArgon2MemoryKiB, kArgon2Lanes, kSaltBytes,
                                    kHashBytes, Argon2_id);
  std::string encoded(length, '\0');
  int status =
      argon2id_hash_encoded(kArgon2Passes, kArgon2MemoryKiB, kArgon2Lanes, password.data(),
                            password.size(), salt, sizeof salt, kHashBytes, encoded.data(), length);
  if (status != ARGON2_OK) {
    return MakeError(ErrorCode::kInternal,
                     std::string("password hashing failed: ") + argon2_error_message(status));
  }
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

bool VerifyPassword(std::string_view password, const std::string& hash) {
  return argon2id_verify(hash.c_str(), password.data(), password.size()) == ARGON2_OK;
}

Status ValidatePassword(std::string_view password) {
  if (password.size() < kPasswordBytesMin || password.size() > kPasswordBytesMax) {
    return MakeError(ErrorCode::kInvalidArgument, "a password has 8 to 256 bytes", "password");
  }
  return Status::Ok();
}

std::string GeneratePassword() {
  static constexpr char kAlphabet[] =
      "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";  // No look-alikes.
  constexpr size_t kLength = 16;
  std::string password;
  while (password.size() < kLength) {
    unsigned char byte = 0;
    if (RAND_bytes(&byte, 1) != 1) std::abort();  // No entropy.
    // Rejection sampling keeps every character equally likely.
    if (byte < 256 / (sizeof kAlphabet - 1) * (sizeof kAlphabet - 1)) {
      password += kAlphabet[byte % (sizeof kAlphabet - 1)];
    }
  }
  return password;
}

Status ValidateUsername(std::string_view username) {
  bool valid = !username.empty() && username.size() <= kUsernameBytesMax;
  for (char c : username) {
    valid = valid && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-');
  }
  if (!valid) {
    return MakeError(ErrorCode::kInvalidId, "a username has 1-64 characters of A-Z a-z 0-9 . _ -",
                     "username");
  }
  return Status::Ok();
}

Result<std::unique_ptr<UserStore>> UserStore::Open(const std::string& data_dir) {
  std::string path = data_dir + "/" + kUserFile;
  std::unique_ptr<UserStore> store(new UserStore(path));
  std::ifstream file(path);
  if (!file) return store;
  std::string line;
  for (int line_number = 1; std::getline(file, line); ++line_number) {
    std::istringstream fields(line);
    UserRecord record;
    std::string role, created, disabled;
    if (!std::getline(fields, record.username, '\t') || !std::getline(fields, role, '\t') ||
        !std::getline(fields, record.password_hash, '\t') || !std::getline(fields, created, '\t') ||
        !std::getline(fields, disabled, '\t') || !ParseRole(role).ok() ||
        !ValidateUsername(record.username).ok() ||
        record.password_hash.rfind("$argon2id$", 0) != 0) {
      return MakeError(ErrorCode::kCorruptRecord,
                       path + " line " + std::to_string(line_number) + " is malformed");
    }
    record.role = *ParseRole(role);
    record.created_at = std::strtoll(created.c_str(), nullptr, 10);
    record.disabled = disabled == "1";
    store->records_.push_back(std::move(record));
  }
  return store;
}

std::optional<UserRecord> UserStore::Find(std::string_view username) const {
  std::shared_lock lock(mutex_);
  for (const UserRecord& record : records_) {
    if (record.username == username) return record;
  }
  return std::nullopt;
}

std::optional<UserRecord> UserStore::Authenticate(std::string_view username,
                                                  std::string_view password) const {
  std::optional<UserRecord> user = Find(username);
  if (!user || password.size() > kPasswordBytesMax) {
    VerifyPassword(password.substr(0, kPasswordBytesMax), DecoyHash());
    return std::nullopt;
  }
  if (!VerifyPassword(password, user->password_hash) || user->disabled) return std::nullopt;
  return user;
}

Result<UserRecord> UserStore::Create(const std::string& username, Role role,
                                     std::string_view password, TimeMs now) {
  CL_RETURN_IF_ERROR(ValidateUsername(username));
  CL_RETURN_IF_ERROR(ValidatePassword(password));
  CL_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  std::unique_lock lock(mutex_);
  for (const UserRecord& record : records_) {
    if (record.username == username) {
      return MakeError(ErrorCode::kDuplicateId, "a user '" + username + "' already exists",
                       "username");
    }
  }
  records_.push_back(UserRecord{username, role, std::move(hash), now, false});
  Status saved = Save();
  if (!saved.ok()) {
    records_.pop_back();
    return saved.error();
  }
  return records_.back();
}

Result<UserRecord> UserStore::Change(const std::string& username, const UserChange& change) {
  std::optional<std::string> hash;
  if (change.password) {
    CL_RETURN_IF_ERROR(ValidatePassword(*change.password));
    CL_ASSIGN_OR_RETURN(hash, HashPassword(*change.password));
  }
  std::unique_lock lock(mutex_);
  for (UserRecord& record : records_) {
    if (record.username != username) continue;
    UserRecord before = record;
    if (change.role) record.role = *change.role;
    if (hash) record.password_hash = *hash;
    if (change.disabled) record.disabled = *change.disabled;
    Status saved = Save();
    if (!saved.ok()) {
      record = before;
      return saved.error();
    }
    return record;
  }
  return MakeError(ErrorCode::kRouteNotFound, "no user '" + username.substr(0, 64) + "'",
                   "username");
}

std::vector<UserRecord> UserStore::List() const {
  std::shared_lock lock(mutex_);
  return records_;
}

Status UserStore::Save() const {
  std::string text;
  for (const UserRecord& r : records_) {
    text += r.username + "\t" + std::string(NameOf(r.role)) + "\t" + r.password_hash + "\t" +
            std::to_string(r.created_at) + "\t" + (r.disabled ? "1" : "0") + "\n";
  }
  return ReplaceFile(path_, text);
}

}  // namespace creditline::service
