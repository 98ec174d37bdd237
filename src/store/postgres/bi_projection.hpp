// The SQL projection's writer on PostgreSQL: the creditline_bi_* tables of the store's schema
// (created by the store's schema version 2, see postgres_store.cpp and docs/operations.md),
// written in one transaction per call with COPY. Holds the projection lease ("ClBi") for its
// connection's life. Thread-safety as in store/projection.hpp.
#pragma once

#include <memory>
#include <string>

#include "store/projection.hpp"

namespace creditline::store {

// Connects to the database a postgresql:// URL names and takes the projection lease.
// REQUIRES: the store's tables exist (OpenPostgresStore with create ran).
Result<std::unique_ptr<ProjectionWriter>> OpenPostgresProjection(const std::string& url);

}  // namespace creditline::store
