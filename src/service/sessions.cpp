#include "service/sessions.hpp"

#include <algorithm>

#include "service/tokens.hpp"

namespace creditline::service {
namespace {

constexpr size_t kSecretBytes = 32;     // 256 bits: the cookie is a bearer credential.
constexpr size_t kCsrfTokenBytes = 24;  // 192 bits.
// Expired sessions are swept at most this often, on the way through Create or Touch.
constexpr TimeMs kSweepEveryMs = 60 * 1000;
// Throttle windows are forgotten past this many keys, oldest first, to bound memory.
constexpr size_t kThrottleKeysMax = 100'000;

}  // namespace

TimeMs Session::expires_at() const {
  return std::min(last_seen + kSessionIdleMs, created_at + kSessionLifetimeMs);
}

std::optional<NewSession> SessionStore::Create(const std::string& username, TimeMs now) {
  NewSession created{RandomHex(kSecretBytes),
                     Session{username, RandomHex(kCsrfTokenBytes), now, now}};
  std::lock_guard lock(mutex_);
  DropExpired(now);
  if (by_hash_.size() >= kSessionsMax) return std::nullopt;
  by_hash_[Sha256Hex(created.secret)] = created.session;
  return created;
}

std::optional<Session> SessionStore::Touch(std::string_view secret, TimeMs now) {
  std::string hash = Sha256Hex(secret);
  std::lock_guard lock(mutex_);
  DropExpired(now);
  auto found = by_hash_.find(hash);
  if (found == by_hash_.end()) return std::nullopt;
  if (now >= found->second.expires_at()) {
    by_hash_.erase(found);
    return std::nullopt;
  }
  found->second.last_seen = now;
  return found->second;
}

void SessionStore::End(std::string_view secret) {
  std::string hash = Sha256Hex(secret);
  std::lock_guard lock(mutex_);
  by_hash_.erase(hash);
}

void SessionStore::EndAllOf(const std::string& username) {
  std::lock_guard lock(mutex_);
  std::erase_if(by_hash_, [&](const auto& entry) { return entry.second.username == username; });
}

size_t SessionStore::size() const {
  std::lock_guard lock(mutex_);
  return by_hash_.size();
}

void SessionStore::DropExpired(TimeMs now) {
  if (now - last_sweep_ < kSweepEveryMs) return;
  last_sweep_ = now;
  std::erase_if(by_hash_, [now](const auto& entry) { return now >= entry.second.expires_at(); });
}

TimeMs LoginThrottle::Wait(const std::unordered_map<std::string, Window>& windows,
                           const std::string& key, int maximum, TimeMs now) {
  auto found = windows.find(key);
  if (found == windows.end() || found->second.failures < maximum) return 0;
  TimeMs ends = found->second.started + kLoginFailureWindowMs;
  return ends > now ? ends - now : 0;
}

void LoginThrottle::Count(std::unordered_map<std::string, Window>& windows, const std::string& key,
                          TimeMs now) {
  if (windows.size() >= kThrottleKeysMax && !windows.count(key)) {
    std::erase_if(windows, [now](const auto& entry) {
      return now - entry.second.started >= kLoginFailureWindowMs;
    });
    if (windows.size() >= kThrottleKeysMax) windows.erase(windows.begin());
  }
  Window& window = windows[key];
  if (now - window.started >= kLoginFailureWindowMs) window = Window{now, 0};
  ++window.failures;
}

TimeMs LoginThrottle::RetryAfter(const std::string& username, const std::string& address,
                                 TimeMs now) const {
  std::lock_guard lock(mutex_);
  return std::max(Wait(users_, username, kLoginFailuresPerUserMax, now),
                  Wait(addresses_, address, kLoginFailuresPerAddressMax, now));
}

void LoginThrottle::Failed(const std::string& username, const std::string& address, TimeMs now) {
  std::lock_guard lock(mutex_);
  Count(users_, username, now);
  Count(addresses_, address, now);
}

void LoginThrottle::Succeeded(const std::string& username) {
  std::lock_guard lock(mutex_);
  users_.erase(username);
}

}  // namespace creditline::service
