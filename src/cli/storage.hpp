// The CLI's side of storage: opening the store (the SQLite journal in the data directory, or
// PostgreSQL with --store URL) and recovering the state from it (for `serve`), and the `verify`
// and `backup` subcommands. Single-threaded.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "core/state.hpp"
#include "service/engine.hpp"
#include "store/store.hpp"

namespace creditline::cli {

struct OpenedStore {
  std::unique_ptr<store::Store> store;
  State state;                     // Recovered.
  service::Durability durability;  // For the engine.
};

// Opens the store: the SQLite journal in `data_dir` when `store_url` is empty, else the
// PostgreSQL database a postgresql:// (or postgres://) URL names. With `create`, a missing
// journal is created.
Result<std::unique_ptr<store::Store>> OpenStore(const std::string& data_dir,
                                                const std::string& store_url, bool create);

// Opens (creating if need be) the store and recovers the state from it, printing progress on
// long replays and a summary. On a shared store whose writer lease another server holds, the
// durability is a standby's (no writer; durability.standby).
Result<OpenedStore> OpenAndRecover(const std::string& data_dir, const std::string& store_url,
                                   service::SnapshotSchedule snapshots, size_t keep_snapshots);

// The --store option of the subcommands that open a store.
void AddStoreOption(CLI::App& command, std::string& store_url);

// After the engine stopped: what the journal and the snapshots did.
void PrintClosingFigures(const service::Engine& engine);

void AddStorageCommands(CLI::App& app);  // verify, backup

}  // namespace creditline::cli
