// What a command answered: the reply of State::Execute, kept with its idempotency key (in the
// compact form of core/idempotency_log.hpp) so that a retry gets the same reply. Value type.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/decision.hpp"
#include "core/events.hpp"

namespace creditline {

// Besides the decision it holds the figures the command resolved; zero where not relevant.
struct CommandResult {
  uint64_t seq = 0;                  // The event that carried out the command.
  bool replayed = false;             // True when answered from the idempotency table.
  std::optional<Decision> decision;  // For new orders and order changes.
  bool applied = true;               // False for an order change the check refused.
  // Reserved by a release, released by a cancel, invoiced, received, credited or written off,
  // in the account's currency.
  int64_t amount_minor = 0;
  int64_t unapplied_minor = 0;  // Payments, credit notes.
  int64_t reservation_consumed_minor = 0, reservation_released_minor = 0;  // Invoices.
  int64_t credit_applied_minor = 0;                                        // Invoices.
  Date due_on = kNoDate;                                                   // Invoices.
  AccountRef account;                                                      // Write-offs.
  std::vector<Allocation> allocations;  // Payments, credit notes.
  template <class F>
  void Fields(F&& f) {
    f("seq", seq), f("replayed", replayed), f("decision", decision), f("applied", applied),
        f("amount_minor", amount_minor), f("unapplied_minor", unapplied_minor);
    f("reservation_consumed_minor", reservation_consumed_minor),
        f("reservation_released_minor", reservation_released_minor),
        f("credit_applied_minor", credit_applied_minor), f("due_on", due_on);
    f("account", account), f("allocations", allocations);
  }
  bool operator==(const CommandResult&) const = default;
};

// What a command answered; the same for a live command and for its idempotent replay.
CommandResult ResultOf(const Event& event);
// The same into a default-constructed result, where it is to be kept (no copy of the reply).
void FillResult(const Event& event, CommandResult* result);

}  // namespace creditline
