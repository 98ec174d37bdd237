#include "service/audit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "service/data_dir.hpp"
#include "service/tokens.hpp"

namespace creditline::service {
namespace json = boost::json;

namespace {

constexpr const char* kLogFile = "admin-audit.jsonl";
constexpr const char* kHeadFile = "admin-audit.head";

// The line of an entry without its hash, in a fixed member order; its hash is the SHA-256 of
// this text, whose "prev" member chains it to the entry before.
json::object Unsealed(const AdminAuditEntry& entry, const std::string& prev_hash) {
  return json::object{
      {"seq", entry.seq},         {"time_ms", entry.time},    {"actor", entry.actor},
      {"command", entry.command}, {"subject", entry.subject}, {"before", entry.before},
      {"after", entry.after},     {"reason", entry.reason},   {"prev", prev_hash}};
}

Error Corrupt(const std::string& what) {
  return MakeError(ErrorCode::kCorruptRecord, "admin audit log: " + what);
}

std::string EntryName(uint64_t seq) { return "entry " + std::to_string(seq); }

// Reads and checks the chain of DATA_DIR's log; `hashes` receives each entry's hash.
Result<std::vector<AdminAuditEntry>> ReadLog(const std::string& data_dir,
                                             std::vector<std::string>* hashes) {
  std::vector<AdminAuditEntry> entries;
  hashes->clear();
  std::ifstream file(data_dir + "/" + kLogFile);
  std::string line;
  while (std::getline(file, line)) {
    uint64_t seq = entries.size() + 1;
    boost::system::error_code error;
    json::value parsed = json::parse(line, error);
    json::object* object = error ? nullptr : parsed.if_object();
    if (object == nullptr || !object->contains("hash") || !(*object)["hash"].is_string()) {
      return Corrupt(EntryName(seq) + " is not a sealed entry (edited or damaged)");
    }
    std::string hash(object->at("hash").as_string());
    object->erase("hash");
    AdminAuditEntry entry;
    try {
      entry.seq = object->at("seq").to_number<uint64_t>();
      entry.time = object->at("time_ms").to_number<int64_t>();
      entry.actor = object->at("actor").as_string();
      entry.command = object->at("command").as_string();
      entry.subject = object->at("subject").as_string();
      entry.before = object->at("before"), entry.after = object->at("after");
      entry.reason = object->at("reason").as_string();
    } catch (const std::exception&) {
      return Corrupt(EntryName(seq) + " lacks a field (edited or damaged)");
    }
    if (entry.seq != seq) {
      return Corrupt(EntryName(seq) + " is missing or out of order (the line found is entry " +
                     std::to_string(entry.seq) + ")");
    }
    std::string prev = hashes->empty() ? "" : hashes->back();
    if (object->at("prev") != json::value(prev)) {
      return Corrupt(EntryName(seq) + " does not follow the entry before it (broken hash chain)");
    }
    if (Sha256Hex(json::serialize(Unsealed(entry, prev))) != hash) {
      return Corrupt(EntryName(seq) + " was changed after it was written (hash mismatch)");
    }
    hashes->push_back(hash);
    entries.push_back(std::move(entry));
  }
  return entries;
}

// The head anchor: "SEQ HASH"; nothing when there is no head file.
Result<std::optional<std::pair<uint64_t, std::string>>> ReadHead(const std::string& data_dir) {
  std::ifstream file(data_dir + "/" + kHeadFile);
  if (!file) return std::optional<std::pair<uint64_t, std::string>>();
  uint64_t seq = 0;
  std::string hash;
  if (!(file >> seq >> hash)) {
    return Corrupt("the head anchor " + std::string(kHeadFile) + " is damaged");
  }
  return std::optional<std::pair<uint64_t, std::string>>({seq, hash});
}

Status AppendLine(const std::string& path, const std::string& line) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return MakeError(ErrorCode::kStorageError, "cannot open " + path + ": " + std::strerror(errno));
  }
  bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                 ::fsync(fd) == 0;
  int error = errno;
  ::close(fd);
  if (!written) {
    return MakeError(ErrorCode::kStorageError,
                     "cannot write " + path + ": " + std::strerror(error));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<AdminAuditLog>> AdminAuditLog::Open(const std::string& data_dir) {
  std::unique_ptr<AdminAuditLog> log(new AdminAuditLog(data_dir));
  std::vector<std::string> hashes;
  CL_ASSIGN_OR_RETURN(log->entries_, ReadLog(data_dir, &hashes));
  if (!hashes.empty()) log->last_hash_ = hashes.back();
  return log;
}

Status AdminAuditLog::Append(AdminAuditEntry entry) {
  std::lock_guard lock(mutex_);
  entry.seq = entries_.size() + 1;
  json::object sealed = Unsealed(entry, last_hash_);
  std::string hash = Sha256Hex(json::serialize(sealed));
  sealed["hash"] = hash;
  CL_RETURN_IF_ERROR(AppendLine(data_dir_ + "/" + kLogFile, json::serialize(sealed) + "\n"));
  // A crash between the two writes leaves the newest entry past the anchor, which verification
  // accepts (it chains); an anchor past the log's end is what deletions leave.
  CL_RETURN_IF_ERROR(
      ReplaceFile(data_dir_ + "/" + kHeadFile, std::to_string(entry.seq) + " " + hash + "\n"));
  last_hash_ = hash;
  entries_.push_back(std::move(entry));
  return Status::Ok();
}

std::vector<AdminAuditEntry> AdminAuditLog::After(uint64_t after, size_t limit) const {
  std::lock_guard lock(mutex_);
  std::vector<AdminAuditEntry> page;
  for (size_t i = after; i < entries_.size() && page.size() < limit; ++i) {
    page.push_back(entries_[i]);
  }
  return page;
}

Result<uint64_t> VerifyAdminAuditLog(const std::string& data_dir) {
  std::vector<std::string> hashes;
  CL_ASSIGN_OR_RETURN(std::vector<AdminAuditEntry> entries, ReadLog(data_dir, &hashes));
  CL_ASSIGN_OR_RETURN(auto head, ReadHead(data_dir));
  if (!head) {
    if (entries.empty()) return 0;
    return Corrupt("the head anchor " + std::string(kHeadFile) + " is missing");
  }
  if (head->first > entries.size()) {
    return Corrupt("the log ends at entry " + std::to_string(entries.size()) +
                   " but its head anchor says " + std::to_string(head->first) + ": entries " +
                   std::to_string(entries.size() + 1) + " to " + std::to_string(head->first) +
                   " were deleted from the end");
  }
  if (head->first > 0 && hashes[head->first - 1] != head->second) {
    return Corrupt(EntryName(head->first) +
                   " is not the one the head anchor names: the end of the log was replaced");
  }
  return static_cast<uint64_t>(entries.size());
}

Result<bool> CheckJournalHead(store::Store& store) {
  CL_ASSIGN_OR_RETURN(std::optional<store::JournalHead> read, store.ReadHead());
  if (!read) return false;
  const store::JournalTip& tip = read->tip;
  const store::JournalTip* head = &read->anchor;
  std::string ends = "the journal ends at record " + std::to_string(tip.seq);
  if (head->seq > tip.seq) {
    return MakeError(ErrorCode::kCorruptRecord,
                     ends + " but its head anchor says " + std::to_string(head->seq) +
                         ": records " + std::to_string(tip.seq + 1) + " to " +
                         std::to_string(head->seq) + " were deleted from the end");
  }
  if (head->seq < tip.seq) {
    return MakeError(ErrorCode::kCorruptRecord,
                     ends + " but its head anchor says " + std::to_string(head->seq) +
                         ": records after it were added outside Creditline");
  }
  if (head->hash != tip.hash) {
    return MakeError(ErrorCode::kCorruptRecord,
                     ends +
                         " but that record is not the one the head anchor names: the end of "
                         "the journal was replaced");
  }
  return true;
}

}  // namespace creditline::service
