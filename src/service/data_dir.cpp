#include "service/data_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace creditline::service {

std::string JournalPath(const std::string& data_dir) { return data_dir + "/journal.db"; }

Status ReplaceFile(const std::string& path, std::string_view text) {
  auto failed = [](const std::string& what, const std::string& file) {
    return MakeError(ErrorCode::kInternal, what + " " + file + ": " + std::strerror(errno));
  };
  std::string temporary = path + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return failed("cannot write", temporary);
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                 ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return failed("cannot write", temporary);
  if (::rename(temporary.c_str(), path.c_str()) != 0) return failed("cannot replace", path);
  return Status::Ok();
}

Result<std::unique_ptr<DataDirLock>> DataDirLock::Acquire(const std::string& data_dir) {
  std::string path = data_dir + "/LOCK";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return MakeError(ErrorCode::kStorageError, "cannot open " + path + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    char pid[32] = {};
    ssize_t got = ::pread(fd, pid, sizeof pid - 1, 0);
    ::close(fd);
    if (error != EWOULDBLOCK) {
      return MakeError(ErrorCode::kStorageError,
                       "cannot lock " + path + ": " + std::strerror(error));
    }
    std::string holder = got > 0 ? " (pid " + std::string(pid, strcspn(pid, "\n")) + ")" : "";
    return MakeError(ErrorCode::kDataDirInUse, "the data directory " + data_dir +
                                                   " is in use by another creditline" + holder +
                                                   "; stop it first or choose another --data");
  }
  std::string mine = std::to_string(::getpid()) + "\n";
  // The pid only serves the message above: if it cannot be written, the lock is held all the same.
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, mine.data(), mine.size(), 0);
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock() { ::close(fd_); }

}  // namespace creditline::service
