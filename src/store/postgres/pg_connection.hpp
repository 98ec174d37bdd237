// A thin adapter over libpq for the PostgreSQL store (postgres_store.cpp), the only code that
// includes libpq: one connection with errors as values, binary parameters and results, COPY FROM
// STDIN in binary format, transactions, and reads streamed through a server-side cursor.
//
// A Connection is owned by one PostgresWriter, PostgresReader or backup and, like a PGconn, is
// used by one thread at a time. The other types here are values; thread-compatible.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace creditline::store::pg {

// Type OIDs (PostgreSQL's catalog/pg_type.dat, stable across versions) of the values the store
// sends and reads in binary format.
inline constexpr Oid kBoolOid = 16;
inline constexpr Oid kByteaOid = 17;
inline constexpr Oid kInt8Oid = 20;
inline constexpr Oid kInt4Oid = 23;
inline constexpr Oid kTextOid = 25;

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// Parameters for one statement, all sent in binary format. Bytes() does not copy: the viewed
// bytes must outlive the statement.
class Params {
 public:
  Params& Int64(int64_t value);
  Params& Int32(int32_t value);
  Params& Bytes(std::string_view bytes);

  int count() const { return static_cast<int>(types_.size()); }
  const Oid* types() const { return types_.data(); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  Params& Add(Oid type, const char* data, size_t length);
  const char* Own(std::string bytes);
  std::vector<std::unique_ptr<std::string>> owned_;  // Integers in network byte order.
  std::vector<Oid> types_;
  std::vector<const char*> values_;
  std::vector<int> lengths_, formats_;
};

// Binary-format result values. REQUIRES: the column has the type read (see ExpectColumns).
int64_t Int64At(const PGresult* result, int row, int column);
int32_t Int32At(const PGresult* result, int row, int column);
bool BoolAt(const PGresult* result, int row, int column);
std::string_view BytesAt(const PGresult* result, int row, int column);
// kStorageError unless the result's columns have exactly these types, in order.
Status ExpectColumns(const PGresult* result, std::initializer_list<Oid> types, const char* what);

// Rows in PostgreSQL's binary COPY format (signature, header, tuples, trailer).
class CopyBuffer {
 public:
  void Start();  // Clears the buffer and writes the header.
  void Row(int16_t fields);
  void Int64(int64_t value);
  void Int32(int32_t value);
  void Bytes(std::string_view bytes);
  void Finish();  // Writes the trailer.
  std::string_view bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// "postgresql://host:port/db" from a URL without connecting: no user, password or options.
Result<std::string> DescribeUrl(const std::string& url);

class Connection {
 public:
  // Connects to the database a postgresql:// URL names; errors never repeat the password.
  static Result<Connection> Open(const std::string& url);

  // Runs one or more statements that return no rows. A string of several statements without
  // BEGIN/COMMIT runs as one transaction.
  Status Run(const std::string& sql, const char* what);
  // Runs one statement with binary parameters and no rows to read.
  Status Run(const char* sql, const Params& params, const char* what);
  // Runs one statement with binary parameters; rows come back in binary format.
  Result<PgResult> Query(const char* sql, const Params& params, const char* what);
  // COPY ... FROM STDIN with `data` in binary COPY format; one transaction unless inside one.
  Status Copy(const char* copy_sql, std::string_view data, const char* what);

  // Streams the rows of `select_sql` through a cursor, `rows_per_fetch` at a time, so memory
  // holds one fetch however many rows there are. Stops at the first error `visit` returns.
  // REQUIRES: a transaction is open (a cursor lives inside one).
  using RowVisitor = std::function<Status(const PGresult* rows, int row)>;
  Status Stream(const std::string& select_sql, int rows_per_fetch, const RowVisitor& visit,
                const char* what);

  // Runs `body` between `begin_sql` and COMMIT; any failure rolls everything back and is
  // returned as is.
  template <class Body>
  Status Transaction(const char* begin_sql, Body body) {
    CL_RETURN_IF_ERROR(Run(begin_sql, "cannot start a transaction"));
    Status status = body();
    if (status.ok()) status = Commit();
    if (!status.ok()) RollBackIfOpen();
    return status;
  }

  // "postgresql://host:port/db" of the server this connection reached.
  std::string Describe() const;
  // `text` as an SQL string literal, quoted and escaped for this connection.
  std::string Literal(std::string_view text) const;

 private:
  struct ConnectionDeleter {
    void operator()(PGconn* connection) const { PQfinish(connection); }
  };
  explicit Connection(PGconn* connection) : connection_(connection) {}
  Status Commit();
  void RollBackIfOpen();
  // Reads the results of the statement just sent; the first failure is the error.
  Status FinishResults(const char* what);

  std::unique_ptr<PGconn, ConnectionDeleter> connection_;
};

// Takes a lease: a session-level advisory lock on (`key`, a hash of the current schema), so
// that deployments in different schemas of one database do not exclude each other. It lasts
// as long as the connection. When another session holds it: kWriterLeaseHeld, naming
// `what` and the holder's backend pid.
Status TakeLease(Connection& connection, int32_t key, const std::string& what);

}  // namespace creditline::store::pg
