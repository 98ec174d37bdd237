#include "store/postgres/pg_connection.hpp"

#include <algorithm>
#include <cassert>
#include <cctype>
#include <type_traits>

namespace creditline::store::pg {
namespace {

// A server that does not answer within this long is reported as down instead of hanging the
// start of `creditline serve`; a URL's own connect_timeout takes precedence.
constexpr int kConnectTimeoutSeconds = 10;
// COPY data goes to libpq in pieces of at most this size: PQputCopyData takes an int length,
// and smaller sends let the server start inserting while the rest is on its way.
constexpr size_t kCopyPieceBytes = 1 << 20;
// The binary COPY signature, then flags and header-extension length (both 0).
constexpr std::string_view kCopySignature("PGCOPY\n\377\r\n\0", 11);

template <class T>
void PutBig(std::string& out, T value) {
  auto bits = static_cast<std::make_unsigned_t<T>>(value);
  for (int shift = (sizeof(T) - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((bits >> shift) & 0xff));
  }
}

template <class T>
T GetBig(const char* data) {
  std::make_unsigned_t<T> bits = 0;
  for (size_t i = 0; i < sizeof(T); ++i) bits = (bits << 8) | static_cast<unsigned char>(data[i]);
  return static_cast<T>(bits);
}

// libpq's messages span lines ("ERROR:  ...\nDETAIL:  ..."); ours are one line.
std::string OneLine(std::string_view text) {
  std::string line;
  bool space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !line.empty();
      continue;
    }
    if (space) line.push_back(' ');
    space = false;
    line.push_back(c);
  }
  return line;
}

Error ServerError(const char* what, std::string_view message) {
  return MakeError(ErrorCode::kStorageError, std::string(what) + ": " + OneLine(message));
}

// A socket directory as host ("/var/run/postgresql") is percent-encoded, as libpq URLs have it.
std::string FormatUrl(std::string_view host, std::string_view port, std::string_view database) {
  std::string url = "postgresql://";
  for (char c : host) url += c == '/' ? std::string("%2F") : std::string(1, c);
  if (!port.empty()) url += ":" + std::string(port);
  return url + "/" + std::string(database);
}

}  // namespace

Params& Params::Add(Oid type, const char* data, size_t length) {
  types_.push_back(type);
  values_.push_back(data);
  lengths_.push_back(static_cast<int>(length));
  formats_.push_back(1);
  return *this;
}

const char* Params::Own(std::string bytes) {
  owned_.push_back(std::make_unique<std::string>(std::move(bytes)));
  return owned_.back()->data();
}

Params& Params::Int64(int64_t value) {
  std::string big;
  PutBig(big, value);
  return Add(kInt8Oid, Own(std::move(big)), sizeof(value));
}

Params& Params::Int32(int32_t value) {
  std::string big;
  PutBig(big, value);
  return Add(kInt4Oid, Own(std::move(big)), sizeof(value));
}

Params& Params::Bytes(std::string_view bytes) { return Add(kByteaOid, bytes.data(), bytes.size()); }

int64_t Int64At(const PGresult* result, int row, int column) {
  assert(PQgetlength(result, row, column) == 8);
  return GetBig<int64_t>(PQgetvalue(result, row, column));
}

int32_t Int32At(const PGresult* result, int row, int column) {
  assert(PQgetlength(result, row, column) == 4);
  return GetBig<int32_t>(PQgetvalue(result, row, column));
}

bool BoolAt(const PGresult* result, int row, int column) {
  assert(PQgetlength(result, row, column) == 1);
  return PQgetvalue(result, row, column)[0] != 0;
}

std::string_view BytesAt(const PGresult* result, int row, int column) {
  return std::string_view(PQgetvalue(result, row, column),
                          static_cast<size_t>(PQgetlength(result, row, column)));
}

Status ExpectColumns(const PGresult* result, std::initializer_list<Oid> types, const char* what) {
  bool matches = PQnfields(result) == static_cast<int>(types.size());
  int column = 0;
  for (Oid type : types) {
    matches = matches && PQftype(result, column) == type && PQfformat(result, column) == 1;
    ++column;
  }
  if (matches) return Status::Ok();
  return MakeError(ErrorCode::kStorageError,
                   std::string(what) + ": the table's columns do not have the expected types");
}

void CopyBuffer::Start() {
  bytes_.clear();
  bytes_.append(kCopySignature);
  PutBig(bytes_, int32_t{0});
  PutBig(bytes_, int32_t{0});
}

void CopyBuffer::Row(int16_t fields) { PutBig(bytes_, fields); }

void CopyBuffer::Int64(int64_t value) {
  PutBig(bytes_, int32_t{8});
  PutBig(bytes_, value);
}

void CopyBuffer::Int32(int32_t value) {
  PutBig(bytes_, int32_t{4});
  PutBig(bytes_, value);
}

void CopyBuffer::Bytes(std::string_view bytes) {
  PutBig(bytes_, static_cast<int32_t>(bytes.size()));
  bytes_.append(bytes);
}

void CopyBuffer::Finish() { PutBig(bytes_, int16_t{-1}); }

Result<std::string> DescribeUrl(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string message = error != nullptr ? OneLine(error) : "out of memory";
    PQfreemem(error);
    return MakeError(ErrorCode::kInvalidArgument, "not a valid PostgreSQL URL: " + message);
  }
  std::string host, port, database;
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    std::string_view keyword = option->keyword;
    if (keyword == "host") host = option->val;
    if (keyword == "port") port = option->val;
    if (keyword == "dbname") database = option->val;
  }
  PQconninfoFree(options);
  return FormatUrl(host, port, database);
}

Result<Connection> Connection::Open(const std::string& url) {
  CL_ASSIGN_OR_RETURN(std::string where, DescribeUrl(url));
  std::string timeout = std::to_string(kConnectTimeoutSeconds);
  // Options before "dbname" are defaults the URL may override.
  const char* keywords[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), "creditline", url.c_str(), nullptr};
  Connection connection(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (connection.connection_ == nullptr) {
    return MakeError(ErrorCode::kStorageError, "cannot connect to " + where + ": out of memory");
  }
  if (PQstatus(connection.connection_.get()) != CONNECTION_OK) {
    return ServerError(("cannot connect to " + where).c_str(),
                       PQerrorMessage(connection.connection_.get()));
  }
  // Notices ("table already exists, skipping") are not for the console.
  PQsetNoticeProcessor(
      connection.connection_.get(), [](void*, const char*) {}, nullptr);
  return connection;
}

Status Connection::Run(const std::string& sql, const char* what) {
  if (PQsendQuery(connection_.get(), sql.c_str()) != 1) {
    return ServerError(what, PQerrorMessage(connection_.get()));
  }
  return FinishResults(what);
}

Status Connection::FinishResults(const char* what) {
  Status status;
  while (PgResult result{PQgetResult(connection_.get())}) {
    ExecStatusType code = PQresultStatus(result.get());
    if (status.ok() && code != PGRES_COMMAND_OK && code != PGRES_TUPLES_OK) {
      status = ServerError(what, PQresultErrorMessage(result.get()));
    }
  }
  return status;
}

Result<PgResult> Connection::Query(const char* sql, const Params& params, const char* what) {
  PgResult result(PQexecParams(connection_.get(), sql, params.count(), params.types(),
                               params.values(), params.lengths(), params.formats(),
                               /*resultFormat=binary*/ 1));
  if (result == nullptr) return ServerError(what, PQerrorMessage(connection_.get()));
  ExecStatusType code = PQresultStatus(result.get());
  if (code != PGRES_TUPLES_OK && code != PGRES_COMMAND_OK) {
    return ServerError(what, PQresultErrorMessage(result.get()));
  }
  return result;
}

Status Connection::Run(const char* sql, const Params& params, const char* what) {
  Result<PgResult> result = Query(sql, params, what);
  return result.ok() ? Status::Ok() : Status(result.error());
}

Status Connection::Copy(const char* copy_sql, std::string_view data, const char* what) {
  PgResult started(PQexec(connection_.get(), copy_sql));
  if (PQresultStatus(started.get()) != PGRES_COPY_IN) {
    return ServerError(what, started != nullptr ? PQresultErrorMessage(started.get())
                                                : PQerrorMessage(connection_.get()));
  }
  bool sent = true;
  for (size_t at = 0; sent && at < data.size(); at += kCopyPieceBytes) {
    size_t length = std::min(kCopyPieceBytes, data.size() - at);
    sent = PQputCopyData(connection_.get(), data.data() + at, static_cast<int>(length)) == 1;
  }
  // Ending with an error message makes the server abort the COPY: nothing half-sent commits.
  if (PQputCopyEnd(connection_.get(), sent ? nullptr : "not all rows could be sent") != 1) {
    sent = false;
  }
  Status status = FinishResults(what);
  if (status.ok() && !sent) status = ServerError(what, PQerrorMessage(connection_.get()));
  return status;
}

Status Connection::Stream(const std::string& select_sql, int rows_per_fetch,
                          const RowVisitor& visit, const char* what) {
  CL_RETURN_IF_ERROR(Run("DECLARE creditline_stream NO SCROLL CURSOR FOR " + select_sql, what));
  std::string fetch = "FETCH FORWARD " + std::to_string(rows_per_fetch) + " FROM creditline_stream";
  for (int count = rows_per_fetch; count == rows_per_fetch;) {
    CL_ASSIGN_OR_RETURN(PgResult rows, Query(fetch.c_str(), Params(), what));
    count = PQntuples(rows.get());
    for (int row = 0; row < count; ++row) CL_RETURN_IF_ERROR(visit(rows.get(), row));
  }
  return Run("CLOSE creditline_stream", what);
}

Status Connection::Commit() {
  PgResult result(PQexec(connection_.get(), "COMMIT"));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return ServerError("cannot commit", result != nullptr ? PQresultErrorMessage(result.get())
                                                          : PQerrorMessage(connection_.get()));
  }
  // COMMIT of a transaction in which something failed answers ROLLBACK.
  if (std::string_view(PQcmdStatus(result.get())) != "COMMIT") {
    return MakeError(ErrorCode::kStorageError, "the transaction was rolled back by the server");
  }
  return Status::Ok();
}

void Connection::RollBackIfOpen() {
  PGTransactionStatusType state = PQtransactionStatus(connection_.get());
  if (state == PQTRANS_INTRANS || state == PQTRANS_INERROR) {
    PgResult ignored(PQexec(connection_.get(), "ROLLBACK"));
  }
}

std::string Connection::Describe() const {
  PGconn* connection = connection_.get();
  return FormatUrl(PQhost(connection), PQport(connection), PQdb(connection));
}

std::string Connection::Literal(std::string_view text) const {
  char* quoted = PQescapeLiteral(connection_.get(), text.data(), text.size());
  // Only an encoding error or no memory fail; ids and names are valid UTF-8 (the core checks).
  assert(quoted != nullptr);
  std::string literal(quoted);
  PQfreemem(quoted);
  return literal;
}

Status TakeLease(Connection& connection, int32_t key, const std::string& what) {
  static constexpr const char* kSchemaKeySql =
      "('x' || substr(md5(current_schema()), 1, 8))::bit(32)::int4";
  const char* failed = "cannot take a lease";
  std::string taken_sql =
      "SELECT pg_try_advisory_lock(" + std::to_string(key) + ", " + kSchemaKeySql + ")";
  CL_ASSIGN_OR_RETURN(PgResult taken, connection.Query(taken_sql.c_str(), Params(), failed));
  CL_RETURN_IF_ERROR(ExpectColumns(taken.get(), {kBoolOid}, failed));
  if (BoolAt(taken.get(), 0, 0)) return Status::Ok();
  // pg_locks shows the two keys as classid and objid (an oid: the key's bits, unsigned).
  std::string holder_sql =
      "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND "
      "classid = " +
      std::to_string(key) + " AND objid::bigint = ((" + kSchemaKeySql + ")::bigint & 4294967295)";
  CL_ASSIGN_OR_RETURN(PgResult held, connection.Query(holder_sql.c_str(), Params(), failed));
  std::string holder;
  if (PQntuples(held.get()) == 1 && PQftype(held.get(), 0) == kInt4Oid) {
    holder = " (database backend pid " + std::to_string(Int32At(held.get(), 0, 0)) + ")";
  }
  return MakeError(ErrorCode::kWriterLeaseHeld, "another creditline server holds " + what + " on " +
                                                    connection.Describe() + holder);
}

}  // namespace creditline::store::pg
