// `creditline verify` and `creditline backup`, and opening a store for `creditline serve`.
#include "cli/storage.hpp"

#include <chrono>
#include <cstdio>

#include "cli/commands.hpp"
#include "service/audit.hpp"
#include "service/data_dir.hpp"
#include "service/recovery.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace creditline::cli {
namespace {

void PrintReplayProgress(const char* what, uint64_t replayed, uint64_t total) {
  std::printf("%s: %llu of %llu events replayed (%.0f%%)\n", what,
              static_cast<unsigned long long>(replayed), static_cast<unsigned long long>(total),
              100.0 * static_cast<double>(replayed) / static_cast<double>(total));
  std::fflush(stdout);
}

void PrintRecovery(const std::string& where, const service::RecoveryReport& report) {
  for (const std::string& warning : report.warnings) {
    std::fprintf(stderr, "creditline: warning: %s\n", warning.c_str());
  }
  double seconds = report.snapshot_seconds + report.replay_seconds;
  std::printf("recovered %llu events from %s", static_cast<unsigned long long>(report.tip.seq),
              where.c_str());
  if (report.snapshot_seq > 0) {
    std::printf(": snapshot at %llu (%.2f s), then",
                static_cast<unsigned long long>(report.snapshot_seq), report.snapshot_seconds);
  } else {
    std::printf(":");
  }
  std::printf(" %llu replayed (%.2f s, %.0f events/s); %.2f s in all\n",
              static_cast<unsigned long long>(report.replayed), report.replay_seconds,
              report.replay_seconds > 0 ? report.replayed / report.replay_seconds : 0.0, seconds);
}

struct VerifyOptions {
  std::string data_dir = "data";
  std::string store_url;
};

void RunVerify(const VerifyOptions& options) {
  Result<std::unique_ptr<store::Store>> opened =
      OpenStore(options.data_dir, options.store_url, false);
  if (!opened.ok()) return SetExitCode(Fail(opened.error()));
  Result<std::unique_ptr<store::JournalReader>> reader = (*opened)->OpenReader();
  if (!reader.ok()) return SetExitCode(Fail(reader.error()));
  Result<service::VerifyReport> report = service::Verify(
      **reader, StateOptions{},
      [](uint64_t replayed, uint64_t total) { PrintReplayProgress("verify", replayed, total); });
  if (report.ok()) {
    // Records cut off the end leave the chain intact; the head anchor, when kept, shows it.
    Result<bool> anchored = service::CheckJournalHead(**opened);
    if (!anchored.ok()) report = anchored.error();
  }
  if (!report.ok()) {
    std::fprintf(stderr, "verify: FAILED\n");
    return SetExitCode(Fail(report.error()));
  }
  std::printf(
      "verify: OK: %llu journal records in an unbroken hash chain, %llu snapshots match the "
      "replayed state; state hash %016llx (%.2f s)\n",
      static_cast<unsigned long long>(report->records),
      static_cast<unsigned long long>(report->snapshots_checked),
      static_cast<unsigned long long>(report->state_hash), report->seconds);
}

// `creditline audit verify`: the journal's chain and snapshots (as verify), its head anchor (a
// journal without one fails: dropping it would otherwise hide records cut off the end), and the
// admin audit log with its anchor.
Status AuditVerify(const VerifyOptions& options) {
  CL_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> opened,
                      OpenStore(options.data_dir, options.store_url, false));
  CL_ASSIGN_OR_RETURN(std::unique_ptr<store::JournalReader> reader, opened->OpenReader());
  CL_ASSIGN_OR_RETURN(service::VerifyReport report,
                      service::Verify(*reader, StateOptions{}, nullptr));
  CL_ASSIGN_OR_RETURN(bool anchored, service::CheckJournalHead(*opened));
  if (!anchored) {
    return MakeError(ErrorCode::kCorruptRecord,
                     options.store_url.empty()
                         ? "the journal has no head anchor (table journal_head): it was removed, "
                           "or no server of this version has opened the store yet"
                         : "the journal has no head anchor (table creditline_journal_head has no "
                           "row): it was removed");
  }
  CL_ASSIGN_OR_RETURN(uint64_t admin_entries, service::VerifyAdminAuditLog(options.data_dir));
  std::printf(
      "audit verify: OK: %llu journal entries in an unbroken hash chain that ends at its head "
      "anchor; %llu snapshots match; %llu admin entries in an unbroken hash chain that ends at "
      "its head anchor\n",
      static_cast<unsigned long long>(report.records),
      static_cast<unsigned long long>(report.snapshots_checked),
      static_cast<unsigned long long>(admin_entries));
  return Status::Ok();
}

void RunAuditVerify(const VerifyOptions& options) {
  Status verified = AuditVerify(options);
  if (!verified.ok()) {
    std::fprintf(stderr, "audit verify: FAILED: the audit trail was altered or damaged\n");
    SetExitCode(Fail(verified.error()));
  }
}

struct BackupOptions {
  std::string data_dir = "data";
  std::string store_url;
  std::string to;
};

void RunBackup(const BackupOptions& options) {
  Result<std::unique_ptr<store::Store>> opened =
      OpenStore(options.data_dir, options.store_url, false);
  if (!opened.ok()) return SetExitCode(Fail(opened.error()));
  // SQLite copies pages; PostgreSQL's backup copies journal records into a SQLite file.
  const char* unit = options.store_url.empty() ? "pages" : "journal records";
  auto begin = std::chrono::steady_clock::now();
  Status backed_up = (*opened)->Backup(options.to, [unit](uint64_t done, uint64_t total) {
    std::printf("backup: %llu of %llu %s copied\n", static_cast<unsigned long long>(done),
                static_cast<unsigned long long>(total), unit);
    std::fflush(stdout);
  });
  if (!backed_up.ok()) return SetExitCode(Fail(backed_up.error()));
  std::printf(
      "backup: %s written in %.2f s; to serve from it, copy it to DIR/journal.db together "
      "with tokens.tsv, then run creditline serve --data DIR\n",
      options.to.c_str(),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count());
}

}  // namespace

Result<std::unique_ptr<store::Store>> OpenStore(const std::string& data_dir,
                                                const std::string& store_url, bool create) {
  if (store_url.empty()) return store::OpenSqliteStore(service::JournalPath(data_dir), create);
  if (store_url.starts_with("postgresql://") || store_url.starts_with("postgres://")) {
    return store::OpenPostgresStore(store_url, create);
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "--store takes a postgresql:// URL; without it, the SQLite journal in --data "
                   "is used",
                   "store");
}

Result<OpenedStore> OpenAndRecover(const std::string& data_dir, const std::string& store_url,
                                   service::SnapshotSchedule snapshots, size_t keep_snapshots) {
  OpenedStore opened;
  CL_ASSIGN_OR_RETURN(opened.store, OpenStore(data_dir, store_url, true));
  CL_ASSIGN_OR_RETURN(std::unique_ptr<store::JournalReader> reader, opened.store->OpenReader());
  CL_ASSIGN_OR_RETURN(service::RecoveryReport report,
                      service::Recover(*reader, &opened.state, [](uint64_t done, uint64_t total) {
                        PrintReplayProgress("recovery", done, total);
                      }));
  PrintRecovery(opened.store->Describe(), report);
  Result<std::unique_ptr<store::JournalWriter>> writer = opened.store->OpenWriter();
  if (writer.ok()) {
    opened.durability.writer = std::move(*writer);
  } else if (writer.error().code == ErrorCode::kWriterLeaseHeld) {
    std::printf("standby: %s; following its journal and answering reads until it goes away\n",
                writer.error().message.c_str());
    opened.durability.standby = true;
  } else {
    return writer.error();
  }
  opened.durability.tip = report.tip;
  opened.durability.feed_reader = std::move(reader);
  opened.durability.snapshots = snapshots;
  opened.durability.keep_snapshots = keep_snapshots;
  return opened;
}

void PrintClosingFigures(const service::Engine& engine) {
  if (engine.journaler() == nullptr) return;
  service::JournalerStats journal = engine.journaler()->stats();
  service::EngineStats stats = engine.stats();
  std::printf(
      "journal: %llu records in %llu commits (largest %llu); %llu snapshots written, the last at "
      "record %llu; longest engine pause for a snapshot %.2f ms; closing snapshot %.0f ms\n",
      static_cast<unsigned long long>(journal.records),
      static_cast<unsigned long long>(journal.commits),
      static_cast<unsigned long long>(journal.largest_commit),
      static_cast<unsigned long long>(journal.snapshots),
      static_cast<unsigned long long>(journal.last_snapshot_seq),
      stats.max_snapshot_pause_us / 1000.0, stats.closing_snapshot_us / 1000.0);
}

void AddStoreOption(CLI::App& command, std::string& store_url) {
  command
      .add_option("--store", store_url,
                  "Keep the journal and snapshots in PostgreSQL: postgresql://USER@HOST:PORT/DB "
                  "(password from ~/.pgpass or PGPASSWORD); default: SQLite in DIR/journal.db")
      ->type_name("URL");
}

void AddStorageCommands(CLI::App& app) {
  static VerifyOptions verify_options;
  CLI::App* verify = app.add_subcommand(
      "verify",
      "Replay the whole journal, checking its hash chain and every snapshot; exit 0 when good");
  verify->add_option("--data", verify_options.data_dir, "Data directory")->capture_default_str();
  AddStoreOption(*verify, verify_options.store_url);
  verify->callback([] { RunVerify(verify_options); });

  static VerifyOptions audit_options;
  CLI::App* audit = app.add_subcommand(
      "audit", "The audit trail: the journal and the admin audit log (docs/security.md)");
  audit->require_subcommand(1);
  CLI::App* audit_verify = audit->add_subcommand(
      "verify",
      "Check that no audit entry (journal record) was edited, reordered or deleted, at the end "
      "included; exit 0 when intact");
  audit_verify->add_option("--data", audit_options.data_dir, "Data directory")
      ->capture_default_str();
  AddStoreOption(*audit_verify, audit_options.store_url);
  audit_verify->callback([] { RunAuditVerify(audit_options); });

  static BackupOptions backup_options;
  CLI::App* backup = app.add_subcommand(
      "backup",
      "Copy the journal and snapshots to a new SQLite file while the server runs (from "
      "PostgreSQL too)");
  backup->add_option("--data", backup_options.data_dir, "Data directory")->capture_default_str();
  AddStoreOption(*backup, backup_options.store_url);
  backup->add_option("--to", backup_options.to, "The backup file to create")->required();
  backup->callback([] { RunBackup(backup_options); });
}

}  // namespace creditline::cli
