// The SQL projection for BI tools: read-only tables of the current credit state (customers,
// accounts with limit, exposure and available credit, open orders, open invoices) and the
// history of credit decisions, kept in the store's database for Metabase, FineBI, Excel and the
// like. service/projector.hpp decides what changed; a ProjectionWriter writes it. The rows are
// plain values: money in minor units with its currency code, dates as ISO text.
//
// A ProjectionWriter is one database connection, used by one thread at a time; while it is
// open it holds the projection lease, so that of several servers exactly one writes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace creditline::store {

struct CustomerRow {
  std::string customer_id, name, industry, region, tags;  // tags comma-separated.
};

struct AccountRow {
  std::string account_key, customer_id, segment, currency, status, grade, policy, group_id;
  int32_t payment_terms_days = 0;
  std::string review_on;  // Empty when none.
  int64_t limit_minor = 0, temporary_limits_minor = 0, collateral_minor = 0;
  int64_t effective_limit_minor = 0, orders_open_minor = 0, receivables_open_minor = 0;
  int64_t unapplied_credit_minor = 0, exposure_minor = 0, available_minor = 0;
  int32_t utilization_bp = 0;
  int64_t overdue_minor = 0, written_off_minor = 0;
  int32_t open_orders = 0, held_orders = 0, open_invoices = 0;
  std::string as_of;  // The business date the figures are for.
};

struct OrderRow {
  std::string order_id, account_key, customer_id, status, currency;
  int64_t amount_minor = 0, reserved_minor = 0, invoiced_minor = 0;
  int64_t placed_at_ms = 0, expires_at_ms = 0;  // expires_at 0: never.
  std::string decision, released_by;
};

struct InvoiceRow {
  std::string invoice_id, account_key, customer_id, order_id, currency;
  int64_t amount_minor = 0, open_minor = 0;
  std::string issued_on, due_on;
};

struct DecisionRow {
  uint64_t seq = 0;
  int64_t decided_at_ms = 0;
  std::string kind;  // "order", "order_change", "release", "rejection".
  std::string order_id, account_key, customer_id, outcome, reasons, currency, actor, reason;
  int64_t amount_minor = 0, available_after_minor = 0;
};

// What changed up to journal record `through_seq`. Rows replace the rows with the same key;
// deleted keys go away. With `full`, every current-state table is replaced by the rows given.
struct ProjectionChanges {
  uint64_t through_seq = 0;
  std::string business_date;
  bool full = false;
  std::vector<std::string> deleted_orders, deleted_invoices;
  std::vector<CustomerRow> customers;
  std::vector<AccountRow> accounts;
  std::vector<OrderRow> orders;
  std::vector<InvoiceRow> invoices;
  // Appended. With `full`, decisions after through_seq are dropped first (a journal restored
  // to an earlier point). A decision whose account is not known (empty account_key) takes the
  // account of its order's first decision.
  std::vector<DecisionRow> decisions;
};

class ProjectionWriter {
 public:
  virtual ~ProjectionWriter() = default;
  // The last journal record the tables reflect; 0 when never written.
  virtual Result<uint64_t> ProjectedSeq() = 0;
  // Writes the changes in one transaction: readers see all of them or none.
  virtual Status Write(const ProjectionChanges& changes) = 0;
};

}  // namespace creditline::store
