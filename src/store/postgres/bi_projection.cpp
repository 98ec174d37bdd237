#include "store/postgres/bi_projection.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

#include "core/time.hpp"
#include "store/postgres/pg_connection.hpp"

namespace creditline::store {
namespace {

// The projection lease ("ClBi"): of several servers, the one holding it writes the tables.
constexpr int32_t kProjectionLeaseKey = 0x436C4269;
// Keys per DELETE statement: keeps each statement's text to a few hundred kilobytes.
constexpr size_t kDeleteKeysPerStatement = 10'000;

// Rows in PostgreSQL's text COPY format: tab-separated, \N for NULL, backslash escapes.
class TextRows {
 public:
  TextRows& Text(std::string_view text) {
    Separate();
    for (char c : text) {
      switch (c) {
        case '\\':
          out_ += "\\\\";
          break;
        case '\t':
          out_ += "\\t";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\r':
          out_ += "\\r";
          break;
        default:
          out_ += c;
      }
    }
    return *this;
  }
  TextRows& Int(int64_t value) {
    Separate();
    out_ += std::to_string(value);
    return *this;
  }
  // Empty text is NULL (dates that are not set).
  TextRows& TextOrNull(std::string_view text) {
    if (!text.empty()) return Text(text);
    Separate();
    out_ += "\\N";
    return *this;
  }
  // Milliseconds since 1970 as a timestamptz; 0 is NULL.
  TextRows& Timestamp(int64_t ms) {
    Separate();
    if (ms == 0) {
      out_ += "\\N";
    } else {
      out_ += FormatTimestamp(ms);  // ISO 8601 in UTC, which timestamptz reads as such.
    }
    return *this;
  }
  // Basis points as a percentage with two decimals (12345 bp: 123.45).
  TextRows& Percent(int32_t bp) {
    Separate();
    if (bp < 0) out_ += '-';
    int64_t magnitude = bp < 0 ? -int64_t{bp} : bp;
    out_ += std::to_string(magnitude / 100) + "." + std::to_string(100 + magnitude % 100).substr(1);
    return *this;
  }
  void EndRow() {
    out_ += '\n';
    first_ = true;
  }
  bool empty() const { return out_.empty(); }
  std::string_view text() const { return out_; }

 private:
  void Separate() {
    if (!first_) out_ += '\t';
    first_ = false;
  }
  std::string out_;
  bool first_ = true;
};

TextRows CustomerText(const std::vector<CustomerRow>& rows) {
  TextRows out;
  for (const CustomerRow& r : rows) {
    out.Text(r.customer_id).Text(r.name).Text(r.industry).Text(r.region).Text(r.tags).EndRow();
  }
  return out;
}

TextRows AccountText(const std::vector<AccountRow>& rows) {
  TextRows out;
  for (const AccountRow& r : rows) {
    out.Text(r.account_key).Text(r.customer_id).Text(r.segment).Text(r.currency).Text(r.status);
    out.Text(r.grade).Text(r.policy).Text(r.group_id).Int(r.payment_terms_days);
    out.TextOrNull(r.review_on).Int(r.limit_minor).Int(r.temporary_limits_minor);
    out.Int(r.collateral_minor).Int(r.effective_limit_minor).Int(r.orders_open_minor);
    out.Int(r.receivables_open_minor).Int(r.unapplied_credit_minor).Int(r.exposure_minor);
    out.Int(r.available_minor).Percent(r.utilization_bp).Int(r.overdue_minor);
    out.Int(r.written_off_minor).Int(r.open_orders).Int(r.held_orders).Int(r.open_invoices);
    out.Text(r.as_of).EndRow();
  }
  return out;
}

TextRows OrderText(const std::vector<OrderRow>& rows) {
  TextRows out;
  for (const OrderRow& r : rows) {
    out.Text(r.order_id).Text(r.account_key).Text(r.customer_id).Text(r.status).Text(r.currency);
    out.Int(r.amount_minor).Int(r.reserved_minor).Int(r.invoiced_minor);
    out.Timestamp(r.placed_at_ms).Timestamp(r.expires_at_ms).Text(r.decision).Text(r.released_by);
    out.EndRow();
  }
  return out;
}

TextRows InvoiceText(const std::vector<InvoiceRow>& rows) {
  TextRows out;
  for (const InvoiceRow& r : rows) {
    out.Text(r.invoice_id).Text(r.account_key).Text(r.customer_id).Text(r.order_id);
    out.Text(r.currency).Int(r.amount_minor).Int(r.open_minor).Text(r.issued_on).Text(r.due_on);
    out.EndRow();
  }
  return out;
}

TextRows DecisionText(const std::vector<DecisionRow>& rows) {
  TextRows out;
  for (const DecisionRow& r : rows) {
    out.Int(static_cast<int64_t>(r.seq)).Timestamp(r.decided_at_ms).Text(r.kind).Text(r.order_id);
    out.Text(r.account_key).Text(r.customer_id).Text(r.outcome).Text(r.reasons).Text(r.currency);
    out.Int(r.amount_minor).Int(r.available_after_minor).Text(r.actor).Text(r.reason).EndRow();
  }
  return out;
}

template <class Row, class Key>
std::vector<std::string> KeysOf(const std::vector<Row>& rows, Key key) {
  std::vector<std::string> keys;
  keys.reserve(rows.size());
  for (const Row& row : rows) keys.push_back(row.*key);
  return keys;
}

class PostgresProjection final : public ProjectionWriter {
 public:
  explicit PostgresProjection(pg::Connection connection) : connection_(std::move(connection)) {}

  Result<uint64_t> ProjectedSeq() override {
    const char* what = "cannot read the projection's status";
    CL_ASSIGN_OR_RETURN(
        pg::PgResult rows,
        connection_.Query("SELECT projected_seq FROM creditline_bi_status", pg::Params(), what));
    CL_RETURN_IF_ERROR(pg::ExpectColumns(rows.get(), {pg::kInt8Oid}, what));
    if (PQntuples(rows.get()) == 0) return uint64_t{0};
    return static_cast<uint64_t>(pg::Int64At(rows.get(), 0, 0));
  }

  Status Write(const ProjectionChanges& changes) override {
    return connection_.Transaction("BEGIN", [&] { return WriteInTransaction(changes); });
  }

 private:
  Status WriteInTransaction(const ProjectionChanges& changes) {
    const char* what = "cannot write the SQL projection";
    if (changes.full) {
      CL_RETURN_IF_ERROR(connection_.Run(
          "TRUNCATE creditline_bi_customers, creditline_bi_accounts, creditline_bi_open_orders, "
          "creditline_bi_invoice_items; DELETE FROM creditline_bi_decisions WHERE seq > " +
              std::to_string(changes.through_seq),
          what));
    } else {
      CL_RETURN_IF_ERROR(Delete("creditline_bi_customers", "customer_id",
                                KeysOf(changes.customers, &CustomerRow::customer_id)));
      CL_RETURN_IF_ERROR(Delete("creditline_bi_accounts", "account_key",
                                KeysOf(changes.accounts, &AccountRow::account_key)));
      std::vector<std::string> orders = KeysOf(changes.orders, &OrderRow::order_id);
      orders.insert(orders.end(), changes.deleted_orders.begin(), changes.deleted_orders.end());
      CL_RETURN_IF_ERROR(Delete("creditline_bi_open_orders", "order_id", orders));
      std::vector<std::string> invoices = KeysOf(changes.invoices, &InvoiceRow::invoice_id);
      invoices.insert(invoices.end(), changes.deleted_invoices.begin(),
                      changes.deleted_invoices.end());
      CL_RETURN_IF_ERROR(Delete("creditline_bi_invoice_items", "invoice_id", invoices));
    }
    CL_RETURN_IF_ERROR(Copy("creditline_bi_customers", CustomerText(changes.customers)));
    CL_RETURN_IF_ERROR(Copy("creditline_bi_accounts", AccountText(changes.accounts)));
    CL_RETURN_IF_ERROR(Copy("creditline_bi_open_orders", OrderText(changes.orders)));
    CL_RETURN_IF_ERROR(Copy("creditline_bi_invoice_items", InvoiceText(changes.invoices)));
    CL_RETURN_IF_ERROR(Copy("creditline_bi_decisions", DecisionText(changes.decisions)));
    bool unknown_account =
        std::any_of(changes.decisions.begin(), changes.decisions.end(),
                    [](const DecisionRow& row) { return row.account_key.empty(); });
    if (unknown_account) {
      CL_RETURN_IF_ERROR(connection_.Run(
          "UPDATE creditline_bi_decisions d SET account_key = o.account_key, customer_id = "
          "o.customer_id FROM creditline_bi_decisions o WHERE d.account_key = '' AND o.kind = "
          "'order' AND o.order_id = d.order_id",
          what));
    }
    return connection_.Run(
        "INSERT INTO creditline_bi_status(projected_seq, business_date, updated_at) VALUES (" +
            std::to_string(changes.through_seq) + ", " +
            connection_.Literal(changes.business_date) +
            ", now()) ON CONFLICT (singleton) DO UPDATE SET projected_seq = "
            "EXCLUDED.projected_seq, business_date = EXCLUDED.business_date, updated_at = now()",
        what);
  }

  Status Delete(const char* table, const char* column, const std::vector<std::string>& keys) {
    for (size_t begin = 0; begin < keys.size(); begin += kDeleteKeysPerStatement) {
      std::string sql = std::string("DELETE FROM ") + table + " WHERE " + column + " IN (";
      size_t end = std::min(keys.size(), begin + kDeleteKeysPerStatement);
      for (size_t i = begin; i < end; ++i) {
        if (i > begin) sql += ',';
        sql += connection_.Literal(keys[i]);
      }
      CL_RETURN_IF_ERROR(connection_.Run(sql + ")", "cannot write the SQL projection"));
    }
    return Status::Ok();
  }

  Status Copy(const char* table, const TextRows& rows) {
    if (rows.empty()) return Status::Ok();
    std::string sql = std::string("COPY ") + table + " FROM STDIN";
    return connection_.Copy(sql.c_str(), rows.text(), "cannot write the SQL projection");
  }

  pg::Connection connection_;
};

}  // namespace

Result<std::unique_ptr<ProjectionWriter>> OpenPostgresProjection(const std::string& url) {
  CL_ASSIGN_OR_RETURN(pg::Connection connection, pg::Connection::Open(url));
  CL_RETURN_IF_ERROR(pg::TakeLease(connection, kProjectionLeaseKey, "the projection lease"));
  return std::unique_ptr<ProjectionWriter>(
      std::make_unique<PostgresProjection>(std::move(connection)));
}

}  // namespace creditline::store
