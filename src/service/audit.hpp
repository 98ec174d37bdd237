// The audit trail's two parts and their verification.
//
// Credit changes are audited by the journal itself: an append-only hash chain of every accepted
// command with its actor and time (store/chain.hpp), anchored at its end by the journal head
// (store/store.hpp JournalHead). Changes made outside the credit state (API tokens, console
// users, webhooks) are recorded by AdminAuditLog in DATA_DIR/admin-audit.jsonl: one JSON object
// a line, each carrying the SHA-256 of the line before it, and DATA_DIR/admin-audit.head, the
// newest entry's seq and hash, rewritten atomically after every append so that entries cut off
// the end are found too. AdminAuditLog is thread-safe; the functions are thread-compatible.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "store/store.hpp"

namespace creditline::service {

// One admin change: what it was (command: token_created, token_revoked, user_created,
// user_changed, webhook_set, webhook_deleted), on what (subject: the token id, user name or
// webhook id), the changed fields before and after (never a secret or a hash of one), and why.
struct AdminAuditEntry {
  uint64_t seq = 0;
  TimeMs time = 0;
  std::string actor, command, subject;
  boost::json::value before, after;
  std::string reason;
};

class AdminAuditLog {
 public:
  // Opens DATA_DIR's log, checking its chain (a damaged log is refused, naming the entry).
  static Result<std::unique_ptr<AdminAuditLog>> Open(const std::string& data_dir);
  // Appends and fsyncs the entry (its seq is assigned here), then moves the head anchor.
  Status Append(AdminAuditEntry entry);
  // Entries with seq > after, at most `limit`, oldest first.
  std::vector<AdminAuditEntry> After(uint64_t after, size_t limit) const;

 private:
  explicit AdminAuditLog(std::string data_dir) : data_dir_(std::move(data_dir)) {}

  std::string data_dir_;
  mutable std::mutex mutex_;
  std::vector<AdminAuditEntry> entries_;
  std::string last_hash_;  // Hex SHA-256 of the newest entry; "" for none.
};

// Checks DATA_DIR's admin log: every line parses, is numbered in order and chains to the one
// before, and the head anchor names an entry that is there. kCorruptRecord saying where.
// Returns the number of entries.
Result<uint64_t> VerifyAdminAuditLog(const std::string& data_dir);

// Compares the journal's last record with its head anchor (safe while a server appends). False
// when the store has no anchor; kCorruptRecord when records were cut off the end or the end
// was replaced.
Result<bool> CheckJournalHead(store::Store& store);

}  // namespace creditline::service
