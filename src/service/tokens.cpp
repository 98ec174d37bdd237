#include "service/tokens.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/ids.hpp"
#include "service/data_dir.hpp"

namespace creditline::service {
namespace {

constexpr std::array<std::string_view, 5> kRoleNames = {"viewer", "sales", "analyst",
                                                        "credit_manager", "admin"};
constexpr const char* kTokenFile = "tokens.tsv";
constexpr size_t kSecretBytes = 24;  // 192 bits of randomness.
constexpr size_t kTokenIdBytes = 6;

}  // namespace

std::string HexOf(const unsigned char* bytes, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(2 * size);
  for (size_t i = 0; i < size; ++i) {
    text += kHex[bytes[i] >> 4];
    text += kHex[bytes[i] & 15];
  }
  return text;
}

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  if (RAND_bytes(buffer.data(), static_cast<int>(bytes)) != 1) std::abort();  // No entropy.
  return HexOf(buffer.data(), buffer.size());
}

std::string_view NameOf(Role role) { return kRoleNames[static_cast<size_t>(role)]; }

Result<Role> ParseRole(std::string_view text) {
  for (size_t i = 0; i < kRoleNames.size(); ++i) {
    if (kRoleNames[i] == text) return static_cast<Role>(i);
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "unknown role: expected viewer, sales, analyst, credit_manager or admin",
                   "role");
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return HexOf(digest, length);
}

NewToken TokenStore::Generate(Role role, const std::string& name, TimeMs now) {
  NewToken token;
  token.secret = "cl_" + RandomHex(kSecretBytes);
  token.record = TokenRecord{"tok_" + RandomHex(kTokenIdBytes), name, role,
                             Sha256Hex(token.secret),           now,  false};
  return token;
}

Result<std::unique_ptr<TokenStore>> TokenStore::Open(const std::string& data_dir) {
  std::string path = data_dir + "/" + kTokenFile;
  std::ifstream file(path);
  if (!file) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "no token file at " + path + ": run `creditline init --data " + data_dir + "` first",
        "data");
  }
  std::unique_ptr<TokenStore> store(new TokenStore(path));
  std::string line;
  for (int line_number = 1; std::getline(file, line); ++line_number) {
    std::istringstream fields(line);
    TokenRecord record;
    std::string role, created, revoked;
    if (!std::getline(fields, record.token_id, '\t') || !std::getline(fields, role, '\t') ||
        !std::getline(fields, record.name, '\t') || !std::getline(fields, record.hash_hex, '\t') ||
        !std::getline(fields, created, '\t') || !std::getline(fields, revoked, '\t') ||
        !ParseRole(role).ok() || record.hash_hex.size() != 64) {
      return MakeError(ErrorCode::kCorruptRecord,
                       path + " line " + std::to_string(line_number) + " is malformed");
    }
    record.role = *ParseRole(role);
    record.created_at = std::strtoll(created.c_str(), nullptr, 10);
    record.revoked = revoked == "1";
    store->by_hash_[record.hash_hex] = store->records_.size();
    store->records_.push_back(std::move(record));
  }
  return store;
}

Result<NewToken> TokenStore::Initialize(const std::string& data_dir, TimeMs now) {
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);
  if (error) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot create " + data_dir + ": " + error.message(), "data");
  }
  std::string path = data_dir + "/" + kTokenFile;
  if (std::filesystem::exists(path)) {
    return MakeError(ErrorCode::kInvalidState,
                     data_dir + " is already initialized (" + path + " exists)", "data");
  }
  TokenStore store(path);
  NewToken admin = Generate(Role::kAdmin, "initial admin", now);
  store.records_.push_back(admin.record);
  std::unique_lock lock(store.mutex_);
  CL_RETURN_IF_ERROR(store.Save());
  return admin;
}

std::optional<Principal> TokenStore::Authenticate(std::string_view secret) const {
  std::string hash = Sha256Hex(secret);
  std::shared_lock lock(mutex_);
  auto found = by_hash_.find(hash);
  if (found == by_hash_.end()) return std::nullopt;
  const TokenRecord& record = records_[found->second];
  // The map lookup is keyed by the hash, not the secret; this comparison is constant-time anyway.
  if (CRYPTO_memcmp(record.hash_hex.data(), hash.data(), hash.size()) != 0 || record.revoked) {
    return std::nullopt;
  }
  return Principal{record.token_id, record.role};
}

Result<NewToken> TokenStore::Create(Role role, const std::string& name, TimeMs now) {
  CL_RETURN_IF_ERROR(ValidateText(name, "name", false));
  NewToken token = Generate(role, name, now);
  std::unique_lock lock(mutex_);
  records_.push_back(token.record);
  by_hash_[token.record.hash_hex] = records_.size() - 1;
  Status saved = Save();
  if (!saved.ok()) {
    by_hash_.erase(token.record.hash_hex);
    records_.pop_back();
    return saved.error();
  }
  return token;
}

Status TokenStore::Revoke(const std::string& token_id) {
  std::unique_lock lock(mutex_);
  for (TokenRecord& record : records_) {
    if (record.token_id != token_id) continue;
    bool was_revoked = record.revoked;
    record.revoked = true;
    Status saved = Save();
    if (!saved.ok()) record.revoked = was_revoked;
    return saved;
  }
  return MakeError(ErrorCode::kRouteNotFound, "no token '" + token_id.substr(0, 64) + "'",
                   "token_id");
}

std::vector<TokenRecord> TokenStore::List() const {
  std::shared_lock lock(mutex_);
  return records_;
}

Status TokenStore::Save() const {
  std::string text;
  for (const TokenRecord& r : records_) {
    text += r.token_id + "\t" + std::string(NameOf(r.role)) + "\t" + r.name + "\t" + r.hash_hex +
            "\t" + std::to_string(r.created_at) + "\t" + (r.revoked ? "1" : "0") + "\n";
  }
  return ReplaceFile(path_, text);
}

}  // namespace creditline::service
