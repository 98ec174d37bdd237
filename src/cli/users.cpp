// `creditline user add|passwd|list`: console users in a data directory.
//
// The server reads the user file when it starts and rewrites it on every change made through
// the console, so these commands take the data directory's lock: while `creditline serve` runs,
// users are managed in the console (or through /v1/users) instead. Single-threaded.
#include "service/users.hpp"

#include <boost/json/object.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "service/audit.hpp"
#include "service/calendar.hpp"
#include "service/data_dir.hpp"

namespace creditline::cli {

void RecordAdminChange(const std::string& data_dir, const char* command, const std::string& subject,
                       boost::json::object after) {
  Result<std::unique_ptr<service::AdminAuditLog>> log = service::AdminAuditLog::Open(data_dir);
  Status recorded = log.ok() ? Status::Ok() : Status(log.error());
  if (log.ok()) {
    const char* os_user = std::getenv("USER");
    service::AdminAuditEntry entry;
    entry.time = service::SystemNowMs();
    entry.actor = std::string("cli:") + (os_user != nullptr ? os_user : "unknown");
    entry.command = command, entry.subject = subject;
    entry.before = boost::json::object{}, entry.after = std::move(after);
    recorded = (*log)->Append(std::move(entry));
  }
  if (!recorded.ok()) {
    std::fprintf(stderr, "creditline: the change was made but not recorded in the audit log: %s\n",
                 recorded.error().message.c_str());
    SetExitCode(InfoOf(recorded.error().code).cli_exit_code);
  }
}

namespace {

struct UserOptions {
  std::string data_dir = "data";
  std::string username;
  std::string role = "viewer";
  bool password_stdin = false;
};

// The password from the first line of standard input, or a generated one to print.
std::string ReadPassword(bool from_stdin, bool* generated) {
  *generated = !from_stdin;
  if (!from_stdin) return service::GeneratePassword();
  std::string line;
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Opens the user store with the data directory locked; nullptr after reporting a failure.
std::unique_ptr<service::UserStore> OpenLocked(const std::string& data_dir,
                                               std::unique_ptr<service::DataDirLock>* lock) {
  Result<std::unique_ptr<service::DataDirLock>> locked = service::DataDirLock::Acquire(data_dir);
  if (!locked.ok()) {
    SetExitCode(Fail(locked.error()));
    return nullptr;
  }
  *lock = std::move(*locked);
  Result<std::unique_ptr<service::UserStore>> users = service::UserStore::Open(data_dir);
  if (!users.ok()) {
    SetExitCode(Fail(users.error()));
    return nullptr;
  }
  return std::move(*users);
}

}  // namespace

void AddUserCommands(CLI::App& app) {
  static UserOptions options;
  CLI::App* user = app.add_subcommand("user", "Manage console users (while the server is stopped)");
  user->require_subcommand(1);

  CLI::App* add = user->add_subcommand("add", "Add a console user; prints a generated password");
  add->add_option("--data", options.data_dir, "Data directory")->capture_default_str();
  add->add_option("--username", options.username, "User name")->required();
  add->add_option("--role", options.role, "viewer, sales, analyst, credit_manager or admin")
      ->capture_default_str();
  add->add_flag("--password-stdin", options.password_stdin,
                "Read the password from the first line of standard input");
  add->callback([] {
    std::unique_ptr<service::DataDirLock> lock;
    std::unique_ptr<service::UserStore> users = OpenLocked(options.data_dir, &lock);
    if (!users) return;
    Result<service::Role> role = service::ParseRole(options.role);
    if (!role.ok()) return SetExitCode(Fail(role.error()));
    bool generated = false;
    std::string password = ReadPassword(options.password_stdin, &generated);
    Result<service::UserRecord> created =
        users->Create(options.username, *role, password, service::SystemNowMs());
    if (!created.ok()) return SetExitCode(Fail(created.error()));
    std::printf("added user %s (%s)\n", created->username.c_str(),
                std::string(service::NameOf(created->role)).c_str());
    RecordAdminChange(options.data_dir, "user_created", created->username,
                      {{"role", service::NameOf(created->role)}, {"disabled", false}});
    if (generated) std::printf("password: %s\n", password.c_str());
  });

  CLI::App* passwd = user->add_subcommand("passwd", "Set a console user's password");
  passwd->add_option("--data", options.data_dir, "Data directory")->capture_default_str();
  passwd->add_option("--username", options.username, "User name")->required();
  passwd->add_flag("--password-stdin", options.password_stdin,
                   "Read the password from the first line of standard input");
  passwd->callback([] {
    std::unique_ptr<service::DataDirLock> lock;
    std::unique_ptr<service::UserStore> users = OpenLocked(options.data_dir, &lock);
    if (!users) return;
    bool generated = false;
    service::UserChange change;
    change.password = ReadPassword(options.password_stdin, &generated);
    Result<service::UserRecord> changed = users->Change(options.username, change);
    if (!changed.ok()) return SetExitCode(Fail(changed.error()));
    std::printf("password of %s changed\n", changed->username.c_str());
    RecordAdminChange(options.data_dir, "user_changed", changed->username,
                      {{"password_changed", true}});
    if (generated) std::printf("password: %s\n", change.password->c_str());
  });

  CLI::App* list = user->add_subcommand("list", "List console users");
  list->add_option("--data", options.data_dir, "Data directory")->capture_default_str();
  list->callback([] {
    Result<std::unique_ptr<service::UserStore>> users = service::UserStore::Open(options.data_dir);
    if (!users.ok()) return SetExitCode(Fail(users.error()));
    std::printf("%-24s %-16s %-24s %s\n", "user", "role", "created", "state");
    for (const service::UserRecord& record : (*users)->List()) {
      std::printf("%-24s %-16s %-24s %s\n", record.username.c_str(),
                  std::string(service::NameOf(record.role)).c_str(),
                  FormatTimestamp(record.created_at).c_str(),
                  record.disabled ? "disabled" : "active");
    }
  });
}

}  // namespace creditline::cli
