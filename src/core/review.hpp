// The review of one account: from its assessment (score, grade, proposal) and the review
// policy to the outcome a review event records: unchanged, raised, lowered, suspended, or a
// limit change request opened. Pure; thread-safe.
#pragma once

#include "core/assessment_policy.hpp"
#include "core/events.hpp"
#include "core/scorecard.hpp"
#include "core/state.hpp"

namespace creditline {

// For kRequested the caller names the request (ReviewOutcome::request_id).
ReviewOutcome DecideReview(const AccountAssessment& assessment, const Scorecard& scorecard,
                           const ReviewPolicy& policy, Date today);

}  // namespace creditline
