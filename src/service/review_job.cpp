#include "service/review_job.hpp"

#include <memory>
#include <variant>

#include "core/assessment_internal.hpp"

namespace creditline::service {
namespace {

struct Job {
  Engine& engine;
  std::string actor;
  ReviewProgress progress;
  ReviewDone done;
  ReviewSummary summary;
  bool plans_checked = false;
  uint32_t next_account = 0;
};

void Tally(ReviewSummary& summary, const Event& event) {
  ++summary.events;
  if (summary.first_seq == 0) summary.first_seq = event.seq;
  summary.last_seq = event.seq;
  if (const auto* checked = std::get_if<RecoveryPlansChecked>(&event.body)) {
    for (const InstallmentOutcome& outcome : checked->installments) {
      ++(outcome.paid ? summary.installments_paid : summary.installments_missed);
    }
    summary.plans_completed += checked->completed.size();
    return;
  }
  const auto& ran = std::get<ReviewRan>(event.body);
  for (const ReviewOutcome& outcome : ran.outcomes) {
    ++summary.reviewed;
    switch (outcome.result) {
      case ReviewResult::kUnchanged:
        ++summary.unchanged;
        break;
      case ReviewResult::kRaised:
        ++summary.raised;
        break;
      case ReviewResult::kLowered:
        ++summary.lowered;
        break;
      case ReviewResult::kSuspended:
        ++summary.suspended;
        break;
      case ReviewResult::kRequested:
        ++summary.requested;
        break;
      case ReviewResult::kRequestPending:
        ++summary.request_pending;
        break;
    }
  }
}

void Finish(const std::shared_ptr<Job>& job, std::optional<Error> error) {
  job->summary.error = std::move(error);
  job->done(job->summary);
}

// One step: the plan check first, then one chunk of the review.
Continuation Step(const std::shared_ptr<Job>& job, EngineContext& context);

void Submit(const std::shared_ptr<Job>& job) {
  bool taken = job->engine.Submit([job](EngineContext& context) { return Step(job, context); });
  if (!taken) {
    Finish(job, job->engine.failure().value_or(
                    MakeError(ErrorCode::kOverloaded, "the engine queue is full")));
  }
}

Continuation Step(const std::shared_ptr<Job>& job, EngineContext& context) {
  Envelope envelope{"", job->actor, context.stamp.time, context.stamp.today};
  Command command = RunReview{job->next_account, 0};
  if (!job->plans_checked) {
    job->summary.due = context.state.CountDueForReview(context.stamp.today);
    command = CheckRecoveryPlans{};
  }
  Result<CommandResult> result = context.state.Execute(envelope, command, context.events);
  if (!result.ok()) {
    return [job, error = result.error()](bool) { Finish(job, error); };
  }
  const Event& event = context.events->back();
  Tally(job->summary, event);
  if (!job->plans_checked) {
    job->plans_checked = true;
  } else {
    job->next_account = std::get<ReviewRan>(event.body).next_account;
  }
  return [job](bool durable) {
    if (!durable) {
      return Finish(job, MakeError(ErrorCode::kWritesStopped, "the journal failed"));
    }
    if (job->progress) job->progress(job->summary);
    if (job->next_account == kReviewFinished) return Finish(job, std::nullopt);
    Submit(job);
  };
}

}  // namespace

void StartReview(Engine& engine, std::string actor, ReviewProgress progress, ReviewDone done) {
  auto job = std::make_shared<Job>(
      Job{engine, std::move(actor), std::move(progress), std::move(done), {}, false, 0});
  Submit(job);
}

}  // namespace creditline::service
