// The SQLite store: the embedded default. One database file (journal.db in the data directory)
// holds the journal, the snapshots and a small meta table, in WAL mode with synchronous=FULL so
// that a committed append survives power loss. The schema is in sqlite_store.cpp and described
// in docs/storage.md.
//
// Each JournalWriter and JournalReader is its own SQLite connection with its own prepared
// statements. The writer disables SQLite's automatic checkpoints, which would otherwise run
// inside a commit; a background thread of the writer checkpoints the WAL instead, so appends do
// not wait for the copy into the main file. Thread-safety as in store.hpp.
#pragma once

#include <memory>
#include <string>

#include "store/store.hpp"

namespace creditline::store {

// Opens the database at `path`. With `create`, a missing file is created with the schema;
// without, a missing file is an error (kStorageError). A file whose schema is newer than this
// program knows is refused.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, bool create);

}  // namespace creditline::store
