// The data directory: where a server keeps its journal (journal.db), its API tokens
// (tokens.tsv) and its lock file (LOCK).
//
// One server per directory: DataDirLock holds an exclusive flock() on DIR/LOCK for the life of
// the process (the kernel releases it when the process dies, even by kill -9) and writes its pid
// there for the message a second server prints. Thread-compatible.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace creditline::service {

std::string JournalPath(const std::string& data_dir);

// Replaces the file at `path` with `text` (mode 0600) so that a reader or a crash sees the old
// file or the new one, never a mix: written to PATH.tmp, fsynced, then renamed over PATH.
// kInternal naming the file and the system's reason when it cannot.
Status ReplaceFile(const std::string& path, std::string_view text);

class DataDirLock {
 public:
  // kDataDirInUse when another process holds it; kStorageError when it cannot be created.
  static Result<std::unique_ptr<DataDirLock>> Acquire(const std::string& data_dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace creditline::service
