// The review job: checks recovery plans, then reviews every account that is due, as a series
// of engine tasks of at most kReviewAccountsPerEventMax accounts each, so that orders keep
// flowing between them and the journal holds events of bounded size. Shared by
// POST /v1/reviews, the daily schedule of `creditline serve` and `creditline review`.
// StartReview() is thread-safe; the callbacks run on the engine or journaler thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "service/engine.hpp"

namespace creditline::service {

struct ReviewSummary {
  uint64_t due = 0;  // Accounts due when the job started.
  uint64_t reviewed = 0, unchanged = 0, raised = 0, lowered = 0, suspended = 0, requested = 0;
  uint64_t request_pending = 0;  // Would have opened a request; one was already pending.
  uint64_t installments_paid = 0, installments_missed = 0, plans_completed = 0;
  uint64_t events = 0, first_seq = 0, last_seq = 0;
  std::optional<Error> error;  // Why the job stopped early.
};

using ReviewProgress = std::function<void(const ReviewSummary&)>;
using ReviewDone = std::function<void(const ReviewSummary&)>;

// Runs the job under `actor`; `progress` (may be empty) after each durable step, `done` once.
void StartReview(Engine& engine, std::string actor, ReviewProgress progress, ReviewDone done);

}  // namespace creditline::service
