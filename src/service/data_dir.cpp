#include "service/data_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace creditline::service {

std::string JournalPath(const std::string& data_dir) { return data_dir + "/journal.db"; }

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
