// Console sessions and login throttling.
//
// A session is what a console login yields: a random secret carried in an HttpOnly cookie and a
// CSRF token the console echoes in the X-CSRF-Token header of every request that changes data.
// Sessions live in memory only (a restart logs everyone out) and are keyed by the SHA-256 of
// the secret, so the map never holds a usable cookie. A session ends on logout, after
// kSessionIdleMs without a request, after kSessionLifetimeMs in any case, and when its user is
// disabled or given a new password. The user's role is read from the user store on each
// request, so a role change takes effect at once.
//
// LoginThrottle counts failed logins per user name and per client address; past a threshold
// within a window, further attempts are refused until the window has passed, whatever the
// password. Both classes take the time from their callers. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/time.hpp"

namespace creditline::service {

// A working day of inactivity is too long for a tool that can release credit: 30 minutes.
inline constexpr TimeMs kSessionIdleMs = 30 * 60 * 1000;
// Even an active session logs in again after 12 hours (one long working day).
inline constexpr TimeMs kSessionLifetimeMs = 12 * 3600 * 1000;
// Sessions beyond this are refused a login rather than grow memory without bound.
inline constexpr size_t kSessionsMax = 100'000;
// Five wrong passwords for one name in 15 minutes lock that name for the rest of the window.
inline constexpr int kLoginFailuresPerUserMax = 5;
// One address may try more names (an office behind one NAT), but not endlessly.
inline constexpr int kLoginFailuresPerAddressMax = 20;
inline constexpr TimeMs kLoginFailureWindowMs = 15 * 60 * 1000;

struct Session {
  std::string username;
  std::string csrf_token;
  TimeMs created_at = 0, last_seen = 0;
  TimeMs expires_at() const;  // The earlier of the idle and the absolute expiry.
};

struct NewSession {
  std::string secret;  // The cookie value; shown once.
  Session session;
};

class SessionStore {
 public:
  // Nothing when the table is full.
  std::optional<NewSession> Create(const std::string& username, TimeMs now);
  // The live session for a cookie secret, its idle clock restarted; expired ones are dropped.
  std::optional<Session> Touch(std::string_view secret, TimeMs now);
  void End(std::string_view secret);
  void EndAllOf(const std::string& username);
  size_t size() const;

 private:
  void DropExpired(TimeMs now);  // REQUIRES: mutex_ held.

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Session> by_hash_;  // SHA-256 hex of the secret -> session.
  TimeMs last_sweep_ = 0;
};

class LoginThrottle {
 public:
  // Milliseconds until the user or address may try again; 0 when they may now.
  TimeMs RetryAfter(const std::string& username, const std::string& address, TimeMs now) const;
  void Failed(const std::string& username, const std::string& address, TimeMs now);
  void Succeeded(const std::string& username);

 private:
  struct Window {
    TimeMs started = 0;
    int failures = 0;
  };
  static TimeMs Wait(const std::unordered_map<std::string, Window>& windows, const std::string& key,
                     int maximum, TimeMs now);
  static void Count(std::unordered_map<std::string, Window>& windows, const std::string& key,
                    TimeMs now);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Window> users_, addresses_;
};

}  // namespace creditline::service
