// The CLI's side of storage: opening a data directory's store and recovering the state from it
// (for `serve`), and the `verify` and `backup` subcommands. Single-threaded.
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

// Opens (creating if need be) the SQLite journal at `path` and recovers the state from it,
// printing progress on long replays and a summary.
Result<OpenedStore> OpenAndRecover(const std::string& path, service::SnapshotSchedule snapshots,
                                   size_t keep_snapshots);

// After the engine stopped: what the journal and the snapshots did.
void PrintClosingFigures(const service::Engine& engine);

void AddStorageCommands(CLI::App& app);  // verify, backup

}  // namespace creditline::cli
