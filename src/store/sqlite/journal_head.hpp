// The SQLite journal's head anchor: the last record's seq and chain hash, rewritten in the same
// transaction as every append (sqlite_store.cpp), so that records deleted from the end of the
// journal, which leave an intact but shorter chain, are found by comparing the anchor with the
// last record. Read by `creditline audit verify` and `creditline verify`. Thread-compatible.
#pragma once

#include <optional>
#include <string>

#include "core/error.hpp"
#include "store/store.hpp"

namespace creditline::store {

struct JournalHead {
  JournalTip anchor;  // What the anchor says.
  JournalTip tip;     // The last record, read in the same statement (so a running server's
                      // appends cannot come between the two reads).
};

// The anchor and the last record of the journal at `path`; nothing when the store has no
// anchor (no writer of a version that keeps it has opened the store, or the table was dropped).
Result<std::optional<JournalHead>> ReadJournalHead(const std::string& path);

}  // namespace creditline::store
