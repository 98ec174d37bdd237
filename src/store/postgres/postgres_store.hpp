// The PostgreSQL store: the journal and the snapshots in a PostgreSQL database, for deployments
// that keep their data on a server their operations team already backs up and monitors. The
// tables (creditline_meta, creditline_journal, creditline_snapshots, creditline_snapshot_chunks)
// live in the connection's current schema, so `options=-csearch_path=NAME` in the URL picks
// another; the schema is in postgres_store.cpp and described in docs/storage.md.
//
// Each JournalWriter and JournalReader is its own libpq connection. The writer appends with
// COPY FROM STDIN in binary format, one transaction per call, with synchronous_commit on; the
// journal's primary key on seq refuses a duplicate record, which also fences off a second writer.
// Backup writes a SQLite journal file that `creditline serve --data DIR` starts from.
// Thread-safety as in store.hpp.
#pragma once

#include <memory>
#include <string>

#include "store/store.hpp"

namespace creditline::store {

// Connects to the database a postgresql:// (or postgres://) URL names. With `create`, missing
// tables are created; without, a database without them is an error (kStorageError). Older
// schemas are migrated; a newer one is refused. Errors never repeat the URL's password.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, bool create);

}  // namespace creditline::store
