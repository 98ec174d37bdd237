// A throwaway PostgreSQL cluster for the store tests: started on first use in a test binary
// (initdb into a temporary directory, then pg_ctl start on 127.0.0.1 with a free port), one new
// database per test, and stopped and removed by PostgresClusterEnvironment when the binary ends.
//
// Running as root, the server runs as the `postgres` OS user (initdb refuses root), which owns
// the temporary directory. The server binaries are taken from CREDITLINE_POSTGRES_BIN, else
// /usr/lib/postgresql/15/bin (Debian's postgresql-15); when they are missing, every PostgreSQL
// test fails with a message saying so. The shared cluster is guarded by a mutex; thread-safe.
#pragma once

#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "gtest/gtest.h"

namespace creditline::test_support {

class PostgresCluster {
 public:
  static PostgresCluster& Shared() {
    static PostgresCluster cluster;
    return cluster;
  }

  // The URL of a new, empty database; starts the cluster on first use.
  Result<std::string> NewDatabase() {
    std::lock_guard lock(mutex_);
    if (!started_ && !failure_) {
      Status started = Start();
      if (!started.ok()) failure_ = started.error();
    }
    if (failure_) return *failure_;
    std::string name = "creditline_test_" + std::to_string(++databases_);
    CL_RETURN_IF_ERROR(Exec(Url("postgres"), "CREATE DATABASE " + name));
    return Url(name);
  }

  // Runs SQL (no rows expected back) in the database at `url`.
  static Status Exec(const std::string& url, const std::string& sql) {
    PGconn* connection = PQconnectdb(url.c_str());
    std::string error;
    if (PQstatus(connection) != CONNECTION_OK) {
      error = PQerrorMessage(connection);
    } else {
      PGresult* result = PQexec(connection, sql.c_str());
      ExecStatusType code = PQresultStatus(result);
      if (code != PGRES_COMMAND_OK && code != PGRES_TUPLES_OK) error = PQerrorMessage(connection);
      PQclear(result);
    }
    PQfinish(connection);
    if (error.empty()) return Status::Ok();
    return MakeError(ErrorCode::kStorageError, sql + ": " + error);
  }

  int port() const { return port_; }

  void Stop() {
    std::lock_guard lock(mutex_);
    if (started_) {
      Run(Command("pg_ctl") + " -D " + dir_ + "/data -m immediate stop", dir_ + "/stop.log");
      started_ = false;
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    dir_.clear();
  }

  ~PostgresCluster() { Stop(); }

 private:
  // A port the kernel says is free now; the start retries with another if it is taken meanwhile.
  static int FreePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port = ntohs(address.sin_port);
    }
    ::close(fd);
    return port;
  }

  static std::string Tail(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    std::string all = text.str();
    return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
  }

  static bool Run(const std::string& command, const std::string& log) {
    return std::system((command + " >" + log + " 2>&1").c_str()) == 0;
  }

  std::string Command(const std::string& program) const {
    std::string path = bin_ + "/" + program;
    return ::geteuid() == 0 ? "runuser -u postgres -- " + path : path;
  }

  std::string Url(const std::string& database) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
  }

  Status FindBinaries() {
    const char* bin = std::getenv("CREDITLINE_POSTGRES_BIN");
    bin_ = bin != nullptr ? bin : "/usr/lib/postgresql/15/bin";
    for (const char* program : {"initdb", "pg_ctl", "postgres"}) {
      if (::access((bin_ + "/" + program).c_str(), X_OK) != 0) {
        return MakeError(ErrorCode::kStorageError,
                         "the PostgreSQL server binaries are missing (no " + bin_ + "/" + program +
                             "): install postgresql-15 (./scripts/setup does) or set "
                             "CREDITLINE_POSTGRES_BIN to the directory with initdb and pg_ctl");
      }
    }
    return Status::Ok();
  }

  // The temporary directory, owned by the user the server runs as.
  Status MakeDirectory() {
    char pattern[] = "/tmp/creditline-postgres-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) {
      return MakeError(ErrorCode::kStorageError, "cannot create a temporary directory");
    }
    dir_ = pattern;
    if (::geteuid() != 0) return Status::Ok();
    const passwd* postgres = ::getpwnam("postgres");
    if (postgres == nullptr || ::chown(pattern, postgres->pw_uid, postgres->pw_gid) != 0) {
      return MakeError(ErrorCode::kStorageError,
                       "running as root, the server needs the postgres OS user (the "
                       "postgresql-15 package creates it) to own " +
                           dir_);
    }
    return Status::Ok();
  }

  Status Start() {
    CL_RETURN_IF_ERROR(FindBinaries());
    CL_RETURN_IF_ERROR(MakeDirectory());
    // Throwaway data: initdb need not sync it. The server itself keeps fsync on, as in use.
    if (!Run(Command("initdb") + " -D " + dir_ +
                 "/data -U postgres --auth=trust --no-sync --no-instructions -E UTF8 --locale=C",
             dir_ + "/initdb.log")) {
      return MakeError(ErrorCode::kStorageError, "initdb failed: " + Tail(dir_ + "/initdb.log"));
    }
    // Another process may take the free port before the server binds it: try a few.
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = FreePort();
      std::string options = "-p " + std::to_string(port_) + " -h 127.0.0.1 -k " + dir_;
      if (Run(Command("pg_ctl") + " -D " + dir_ + "/data -l " + dir_ + "/server.log -w -t 60 -o '" +
                  options + "' start",
              dir_ + "/start.log")) {
        started_ = true;
        return Status::Ok();
      }
    }
    return MakeError(ErrorCode::kStorageError,
                     "the PostgreSQL server did not start: " + Tail(dir_ + "/server.log"));
  }

  std::mutex mutex_;
  std::string bin_, dir_;
  int port_ = 0;
  bool started_ = false;
  std::optional<Error> failure_;
  int databases_ = 0;
};

// Stops the shared cluster when the test binary ends.
class PostgresClusterEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { PostgresCluster::Shared().Stop(); }
};

}  // namespace creditline::test_support
