// The crash test's model: the credit state the server must hold, built only from the replies it
// acknowledged (and, after a crash, from the replies to the re-sent in-flight commands). It
// knows open and held orders, open invoices and unapplied credit per customer; limits and
// decisions are the server's business and are taken from the replies as they are.
//
// Why it can be exact although clients run concurrently: an order is only ever touched by the
// client that placed it, one command at a time, so its changes arrive in order; everything that
// crosses clients (payments allocated oldest first, credit applied to new invoices) arrives as
// signed amounts, which add up to the same totals in any order.
//
// Thread-safe: every member takes the one mutex.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crash {

struct ExpectedOrder {
  std::string customer_id;
  int owner = 0;  // The client that placed it, and the only one that changes it.
  bool held = false;
  int64_t amount_minor = 0;
  int64_t reserved_minor = 0;
  int64_t invoiced_minor = 0;

  bool operator==(const ExpectedOrder&) const = default;
};

struct ExpectedInvoice {
  std::string customer_id;  // Empty while only allocations to it have been seen.
  int64_t open_minor = 0;   // Signed: allocations may be seen before the invoice itself.
};

// What an invoice reply says it did.
struct InvoiceFigures {
  int64_t amount_minor = 0;
  int64_t reservation_consumed_minor = 0;
  int64_t reservation_released_minor = 0;
  int64_t credit_applied_minor = 0;
};

using Allocations = std::vector<std::pair<std::string, int64_t>>;  // invoice id, amount.

class Model {
 public:
  // `decision` is the reply's: a rejected order leaves nothing behind.
  void PlaceOrder(const std::string& order_id, const std::string& customer_id, int owner,
                  int64_t amount_minor, std::string_view decision) {
    std::lock_guard lock(mutex_);
    if (decision == "rejected") return;
    if (orders_.contains(order_id)) return Anomaly("order " + order_id + " was placed twice");
    bool held = decision == "held";
    orders_[order_id] =
        ExpectedOrder{customer_id, owner, held, amount_minor, held ? 0 : amount_minor, 0};
  }

  // An order change the server applied: the new total, and for an open order the reservation
  // moves by the difference.
  void ChangeOrder(const std::string& order_id, int64_t new_amount_minor) {
    std::lock_guard lock(mutex_);
    ExpectedOrder* order = Find(order_id, "changed");
    if (order == nullptr) return;
    if (!order->held) order->reserved_minor += new_amount_minor - order->amount_minor;
    order->amount_minor = new_amount_minor;
  }

  // A cancel (which says what it released) or a rejected hold (nullopt).
  void RemoveOrder(const std::string& order_id, std::optional<int64_t> released_minor) {
    std::lock_guard lock(mutex_);
    ExpectedOrder* order = Find(order_id, "removed");
    if (order == nullptr) return;
    if (released_minor && *released_minor != order->reserved_minor) {
      Anomaly("cancelling order " + order_id + " released " + std::to_string(*released_minor) +
              ", but it reserved " + std::to_string(order->reserved_minor));
    }
    orders_.erase(order_id);
  }

  void ReleaseHold(const std::string& order_id, int64_t reserved_minor) {
    std::lock_guard lock(mutex_);
    ExpectedOrder* order = Find(order_id, "released");
    if (order == nullptr) return;
    if (!order->held || reserved_minor != order->amount_minor) {
      Anomaly("releasing order " + order_id + " reserved " + std::to_string(reserved_minor) +
              "; expected a held order of " + std::to_string(order->amount_minor));
    }
    order->held = false;
    order->reserved_minor = reserved_minor;
  }

  // An invoice, from an order (`order_id` not empty) or standalone.
  void CreateInvoice(const std::string& invoice_id, const std::string& customer_id,
                     const std::string& order_id, bool close_order, const InvoiceFigures& f) {
    std::lock_guard lock(mutex_);
    if (!order_id.empty()) InvoiceOrder(order_id, close_order, f);
    unapplied_minor_[customer_id] -= f.credit_applied_minor;
    ExpectedInvoice& invoice = invoices_[invoice_id];
    invoice.customer_id = customer_id;
    MoveInvoice(invoice_id, f.amount_minor - f.credit_applied_minor);
  }

  // A payment or credit note: allocations to invoices, the rest unapplied credit.
  void Settle(const std::string& customer_id, const Allocations& allocations,
              int64_t unapplied_minor) {
    std::lock_guard lock(mutex_);
    for (const auto& [invoice_id, amount_minor] : allocations)
      MoveInvoice(invoice_id, -amount_minor);
    unapplied_minor_[customer_id] += unapplied_minor;
  }

  void WriteOff(const std::string& invoice_id, int64_t amount_minor) {
    std::lock_guard lock(mutex_);
    MoveInvoice(invoice_id, -amount_minor);
  }

  std::optional<ExpectedOrder> FindOrder(const std::string& order_id) const {
    std::lock_guard lock(mutex_);
    auto found = orders_.find(order_id);
    if (found == orders_.end()) return std::nullopt;
    return found->second;
  }

  std::optional<ExpectedInvoice> FindInvoice(const std::string& invoice_id) const {
    std::lock_guard lock(mutex_);
    auto found = invoices_.find(invoice_id);
    if (found == invoices_.end() || found->second.open_minor <= 0) return std::nullopt;
    return found->second;
  }

  std::map<std::string, ExpectedOrder> OrdersOf(const std::string& customer_id) const {
    std::lock_guard lock(mutex_);
    std::map<std::string, ExpectedOrder> out;
    for (const auto& [id, order] : orders_) {
      if (order.customer_id == customer_id) out.emplace(id, order);
    }
    return out;
  }

  // Open invoices by id, with their open amounts; includes any inconsistent entry (an
  // allocation to an invoice never seen, a negative amount) so that the comparison reports it.
  std::map<std::string, int64_t> InvoicesOf(const std::string& customer_id) const {
    std::lock_guard lock(mutex_);
    std::map<std::string, int64_t> out;
    for (const auto& [id, invoice] : invoices_) {
      if (invoice.customer_id == customer_id) out.emplace(id, invoice.open_minor);
    }
    return out;
  }

  // Entries that belong to no customer: allocations to invoices whose creation was never
  // acknowledged. Any is a lost or invented invoice.
  std::vector<std::string> OrphanInvoices() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [id, invoice] : invoices_) {
      if (invoice.customer_id.empty()) out.push_back(id);
    }
    return out;
  }

  int64_t UnappliedOf(const std::string& customer_id) const {
    std::lock_guard lock(mutex_);
    auto found = unapplied_minor_.find(customer_id);
    return found == unapplied_minor_.end() ? 0 : found->second;
  }

  size_t HeldCount() const {
    std::lock_guard lock(mutex_);
    size_t held = 0;
    for (const auto& [id, order] : orders_) held += order.held ? 1 : 0;
    return held;
  }

  // Replies that contradict earlier replies; each one is a server bug or a lost command.
  std::vector<std::string> Anomalies() const {
    std::lock_guard lock(mutex_);
    return anomalies_;
  }

  void AddAnomaly(std::string text) {
    std::lock_guard lock(mutex_);
    Anomaly(std::move(text));
  }

 private:
  // REQUIRES: mutex_ held.
  ExpectedOrder* Find(const std::string& order_id, const char* what) {
    auto found = orders_.find(order_id);
    if (found != orders_.end()) return &found->second;
    Anomaly("order " + order_id + " was " + what + ", but no acknowledged reply placed it");
    return nullptr;
  }

  // REQUIRES: mutex_ held.
  void InvoiceOrder(const std::string& order_id, bool close_order, const InvoiceFigures& f) {
    ExpectedOrder* order = Find(order_id, "invoiced");
    if (order == nullptr) return;
    int64_t consumed = std::min(f.amount_minor, order->reserved_minor);
    int64_t released = close_order ? order->reserved_minor - consumed : 0;
    if (order->held || f.reservation_consumed_minor != consumed ||
        f.reservation_released_minor != released) {
      Anomaly("invoicing order " + order_id + " consumed " +
              std::to_string(f.reservation_consumed_minor) + " and released " +
              std::to_string(f.reservation_released_minor) + "; expected " +
              std::to_string(consumed) + " and " + std::to_string(released));
    }
    order->invoiced_minor += f.amount_minor;
    order->reserved_minor -= f.reservation_consumed_minor + f.reservation_released_minor;
    if (close_order || order->reserved_minor == 0) orders_.erase(order_id);
  }

  // REQUIRES: mutex_ held. An invoice whose open amount reaches zero is closed.
  void MoveInvoice(const std::string& invoice_id, int64_t delta_minor) {
    ExpectedInvoice& invoice = invoices_[invoice_id];
    invoice.open_minor += delta_minor;
    if (invoice.open_minor == 0) invoices_.erase(invoice_id);
  }

  // REQUIRES: mutex_ held.
  void Anomaly(std::string text) { anomalies_.push_back(std::move(text)); }

  mutable std::mutex mutex_;
  std::map<std::string, ExpectedOrder> orders_;      // Open and held.
  std::map<std::string, ExpectedInvoice> invoices_;  // Open (non-zero) ones.
  std::map<std::string, int64_t> unapplied_minor_;   // By customer.
  std::vector<std::string> anomalies_;
};

}  // namespace crash
