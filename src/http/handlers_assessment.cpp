// Credit assessment: financials, the scorecard and assessment policy, assessments, reviews,
// limit change requests and recovery plans (docs/assessment.md).
#include <boost/json/array.hpp>

#include "core/ids.hpp"
#include "http/handlers.hpp"
#include "http/json_output.hpp"
#include "service/review_job.hpp"

namespace creditline::http {
namespace json = boost::json;
using service::Role;

namespace {

Result<int32_t> Int32Or(JsonInput& body, const char* name, int32_t fallback) {
  CL_ASSIGN_OR_RETURN(std::optional<int32_t> value, OptionalInt32(body, name));
  return value.value_or(fallback);
}

// Reads an array of objects; each item is handed to `read`, which must use every field.
template <class T, class Read>
Result<std::vector<T>> ReadObjects(JsonInput& body, const char* name, Read read) {
  const json::value* raw = body.Raw(name);
  if (raw == nullptr || !raw->is_array()) {
    return MakeError(ErrorCode::kMissingField, std::string(name) + " must be an array", name);
  }
  std::vector<T> items;
  for (const json::value& value : raw->get_array()) {
    CL_ASSIGN_OR_RETURN(JsonInput item, body.Nested(value, std::string("an item of ") + name));
    CL_ASSIGN_OR_RETURN(T read_item, read(item));
    CL_RETURN_IF_ERROR(item.Finish());
    items.push_back(std::move(read_item));
  }
  return items;
}

// An integer, or null for "no upper bound".
Result<int64_t> BoundOrNull(JsonInput& body, const char* name, int64_t unbounded) {
  const json::value* raw = body.Raw(name);
  if (raw != nullptr && raw->is_null()) return unbounded;
  if (raw == nullptr) {
    return MakeError(ErrorCode::kMissingField, std::string(name) + " is required", name);
  }
  if (!raw->is_int64()) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(name) + " must be an integer or null",
                     name);
  }
  return raw->as_int64();
}

Result<ScoreBin> ReadBin(JsonInput& item) {
  ScoreBin bin;
  CL_ASSIGN_OR_RETURN(bin.up_to, BoundOrNull(item, "up_to", kBinUnbounded));
  CL_ASSIGN_OR_RETURN(std::optional<int32_t> points, OptionalInt32(item, "points"));
  if (!points) return MakeError(ErrorCode::kMissingField, "points is required", "points");
  bin.points = *points;
  return bin;
}

Result<ScoreFactor> ReadFactor(JsonInput& item) {
  ScoreFactor factor;
  CL_ASSIGN_OR_RETURN(std::string name, item.String("factor"));
  CL_ASSIGN_OR_RETURN(factor.factor, ParseFactor(name));
  CL_ASSIGN_OR_RETURN(factor.weight, Int32Or(item, "weight", 0));
  CL_ASSIGN_OR_RETURN(factor.missing_points, Int32Or(item, "missing_points", 50));
  CL_ASSIGN_OR_RETURN(factor.bins, ReadObjects<ScoreBin>(item, "bins", ReadBin));
  return factor;
}

Result<GradeBand> ReadGrade(JsonInput& item) {
  GradeBand band;
  CL_ASSIGN_OR_RETURN(band.grade, item.String("grade"));
  CL_ASSIGN_OR_RETURN(band.score_min, Int32Or(item, "score_min", -1));
  CL_ASSIGN_OR_RETURN(band.review_interval_days, Int32Or(item, "review_interval_days", 365));
  CL_ASSIGN_OR_RETURN(std::optional<bool> prepayment, item.OptionalBool("prepayment_only"));
  band.prepayment_only = prepayment.value_or(false);
  CL_ASSIGN_OR_RETURN(std::optional<int64_t> cap, item.OptionalInteger("limit_cap_minor"));
  band.limit_cap_minor = cap.value_or(0);
  CL_ASSIGN_OR_RETURN(band.purchases_multiple_pct, Int32Or(item, "purchases_multiple_pct", 0));
  CL_ASSIGN_OR_RETURN(band.equity_bp, Int32Or(item, "equity_bp", 0));
  return band;
}

Result<Prepared> PrepareSetScorecard(JsonInput& body, const Params&) {
  SetScorecard c;
  CL_ASSIGN_OR_RETURN(c.scorecard.name, body.StringOr("name", "default"));
  CL_ASSIGN_OR_RETURN(std::optional<int64_t> rounding, body.OptionalInteger("rounding_minor"));
  c.scorecard.rounding_minor = rounding.value_or(100'000);
  CL_ASSIGN_OR_RETURN(c.scorecard.factors, ReadObjects<ScoreFactor>(body, "factors", ReadFactor));
  CL_ASSIGN_OR_RETURN(c.scorecard.grades, ReadObjects<GradeBand>(body, "grades", ReadGrade));
  return Prepared{c, 200, [c](const CommandResult&) { return ScorecardJson(c.scorecard); }};
}

Status ReadReviewPolicy(JsonInput& body, ReviewPolicy* review) {
  const json::value* raw = body.Raw("review");
  if (raw == nullptr) return Status::Ok();
  CL_ASSIGN_OR_RETURN(JsonInput in, body.Nested(*raw, "review"));
  CL_ASSIGN_OR_RETURN(std::optional<std::string> lower, in.OptionalString("lower"));
  if (lower) {
    CL_ASSIGN_OR_RETURN(review->lower, ParseReviewMode(*lower));
  }
  CL_ASSIGN_OR_RETURN(std::optional<std::string> raise, in.OptionalString("raise"));
  if (raise) {
    CL_ASSIGN_OR_RETURN(review->raise, ParseReviewMode(*raise));
  }
  CL_ASSIGN_OR_RETURN(review->raise_grade_min, in.StringOr("raise_grade_min", "A"));
  CL_ASSIGN_OR_RETURN(review->raise_step_bp, Int32Or(in, "raise_step_bp", 2'000));
  CL_ASSIGN_OR_RETURN(review->change_threshold_bp, Int32Or(in, "change_threshold_bp", 500));
  CL_ASSIGN_OR_RETURN(std::optional<bool> suspend, in.OptionalBool("suspend_prepayment_only"));
  review->suspend_prepayment_only = suspend.value_or(true);
  return in.Finish();
}

Status ReadRecoveryRule(JsonInput& body, RecoveryRule* rule) {
  const json::value* raw = body.Raw("recovery");
  if (raw == nullptr) return Status::Ok();
  CL_ASSIGN_OR_RETURN(JsonInput in, body.Nested(*raw, "recovery"));
  CL_ASSIGN_OR_RETURN(std::optional<std::string> action, in.OptionalString("missed_action"));
  if (action) {
    CL_ASSIGN_OR_RETURN(rule->missed_action, ParseMissedInstallmentAction(*action));
  }
  CL_ASSIGN_OR_RETURN(rule->restore_limit_bp, Int32Or(in, "restore_limit_bp", 5'000));
  return in.Finish();
}

Result<ApprovalTier> ReadTier(JsonInput& item) {
  ApprovalTier tier;
  CL_ASSIGN_OR_RETURN(tier.role, item.String("role"));
  CL_ASSIGN_OR_RETURN(tier.amount_max_minor,
                      BoundOrNull(item, "amount_max_minor", kAmountMinorMax));
  return tier;
}

Result<Prepared> PrepareSetAssessmentPolicy(JsonInput& body, const Params&) {
  SetAssessmentPolicy c{DefaultAssessmentPolicy()};
  CL_RETURN_IF_ERROR(ReadReviewPolicy(body, &c.policy.review));
  CL_RETURN_IF_ERROR(ReadRecoveryRule(body, &c.policy.recovery));
  if (body.Has("approval_tiers")) {
    CL_ASSIGN_OR_RETURN(c.policy.approval_tiers,
                        ReadObjects<ApprovalTier>(body, "approval_tiers", ReadTier));
  }
  return Prepared{c, 200, [c](const CommandResult&) { return AssessmentPolicyJson(c.policy); }};
}

Result<Prepared> PrepareRecordFinancials(JsonInput& body, const Params& params) {
  RecordFinancials c;
  c.customer_id = params.at(0);
  Financials& f = c.financials;
  CL_ASSIGN_OR_RETURN(f.period, body.String("period"));
  CL_ASSIGN_OR_RETURN(f.currency, body.CurrencyField("currency"));
  CL_ASSIGN_OR_RETURN(f.revenue_minor, body.Integer("revenue_minor"));
  CL_ASSIGN_OR_RETURN(f.net_profit_minor, body.Integer("net_profit_minor"));
  CL_ASSIGN_OR_RETURN(f.equity_minor, body.Integer("equity_minor"));
  CL_ASSIGN_OR_RETURN(f.total_assets_minor, body.Integer("total_assets_minor"));
  CL_ASSIGN_OR_RETURN(f.current_assets_minor, body.Integer("current_assets_minor"));
  CL_ASSIGN_OR_RETURN(f.current_liabilities_minor, body.Integer("current_liabilities_minor"));
  CL_ASSIGN_OR_RETURN(f.external_rating, body.StringOr("external_rating", ""));
  CL_ASSIGN_OR_RETURN(f.external_score, OptionalInt32(body, "external_score"));
  return Prepared{c, 201, [c](const CommandResult&) {
                    json::object out = FinancialsJson(c.financials);
                    out["customer_id"] = c.customer_id;
                    return out;
                  }};
}

void GetFinancials(Api& api, Call&& call, Reply reply) {
  api.Query(std::move(reply), [id = call.params.at(0)](service::EngineContext& context) {
    const Customer* customer = context.state.FindCustomer(id);
    if (customer == nullptr) {
      return ErrorResponse(MakeError(ErrorCode::kCustomerNotFound,
                                     "no customer '" + id.substr(0, 80) + "'", "customer_id"));
    }
    json::array periods;
    for (const Financials& f : customer->financials) periods.push_back(FinancialsJson(f));
    return JsonResponse(200, json::object{{"customer_id", id}, {"financials", std::move(periods)}});
  });
}

void GetAssessment(Api& api, Call&& call, Reply reply) {
  Result<AccountRef> ref = AccountFromQuery(call, call.params.at(0));
  if (!ref.ok()) return reply(ErrorResponse(ref.error()));
  api.Query(std::move(reply), [ref = *ref](service::EngineContext& context) {
    Result<AccountAssessment> assessment = context.state.Assess(ref, context.stamp.today);
    if (!assessment.ok()) return ErrorResponse(assessment.error());
    return JsonResponse(200, AssessmentJson(*assessment));
  });
}

void GetScorecard(Api& api, Call&&, Reply reply) {
  api.Query(std::move(reply), [](service::EngineContext& context) {
    return JsonResponse(200, ScorecardJson(context.state.scorecard()));
  });
}

void GetAssessmentPolicy(Api& api, Call&&, Reply reply) {
  api.Query(std::move(reply), [](service::EngineContext& context) {
    return JsonResponse(200, AssessmentPolicyJson(context.state.assessment_policy()));
  });
}

json::object SummaryJson(const service::ReviewSummary& s) {
  return json::object{{"due", s.due},
                      {"reviewed", s.reviewed},
                      {"unchanged", s.unchanged},
                      {"raised", s.raised},
                      {"lowered", s.lowered},
                      {"suspended", s.suspended},
                      {"requested", s.requested},
                      {"request_pending", s.request_pending},
                      {"installments_paid", s.installments_paid},
                      {"installments_missed", s.installments_missed},
                      {"plans_completed", s.plans_completed},
                      {"events", s.events},
                      {"first_seq", s.first_seq},
                      {"last_seq", s.last_seq}};
}

void PostReview(Api& api, Call&& call, Reply reply) {
  Result<JsonInput> body = JsonInput::Parse(call.request.body);
  if (!body.ok()) return reply(ErrorResponse(body.error()));
  if (Status finished = body->Finish(); !finished.ok()) {
    return reply(ErrorResponse(finished.error()));
  }
  auto shared_reply = std::make_shared<Reply>(std::move(reply));
  service::StartReview(api.engine(), call.principal.actor(), nullptr,
                       [shared_reply](const service::ReviewSummary& summary) {
                         if (summary.error) return (*shared_reply)(ErrorResponse(*summary.error));
                         (*shared_reply)(JsonResponse(200, SummaryJson(summary)));
                       });
}

Result<Prepared> PrepareLimitRequest(JsonInput& body, const Params&) {
  RequestLimitChange c;
  CL_ASSIGN_OR_RETURN(c.request_id, body.String("request_id"));
  CL_ASSIGN_OR_RETURN(std::string customer_id, body.String("customer_id"));
  CL_ASSIGN_OR_RETURN(c.account, ReadAccountRef(body, customer_id));
  CL_ASSIGN_OR_RETURN(c.amount, body.Amount());
  CL_ASSIGN_OR_RETURN(std::optional<Date> expires_on, body.OptionalDate("expires_on"));
  c.expires_on = expires_on.value_or(kNoDate);
  CL_ASSIGN_OR_RETURN(c.reason, body.String("reason"));
  return Prepared{c, 201, [c](const CommandResult&) {
                    json::object out = AccountRefJson(c.account);
                    out["request_id"] = c.request_id;
                    out["status"] = "pending";
                    out["amount_minor"] = c.amount.minor;
                    out["currency"] = c.amount.currency.code();
                    out["kind"] = c.expires_on == kNoDate ? "permanent" : "temporary";
                    out["expires_on"] = DateJson(c.expires_on);
                    out["reason"] = c.reason;
                    return out;
                  }};
}

// Approve or reject: the decider's role comes from their token, never from the body.
RouteHandler DecideRoute(bool approve) {
  return [approve](Api& api, Call&& call, Reply reply) {
    Result<JsonInput> body = JsonInput::Parse(call.request.body);
    if (!body.ok()) return reply(ErrorResponse(body.error()));
    Result<std::string> reason = body->String("reason");
    if (!reason.ok()) return reply(ErrorResponse(reason.error()));
    if (Status finished = body->Finish(); !finished.ok()) {
      return reply(ErrorResponse(finished.error()));
    }
    DecideLimitRequest c{call.params.at(0), approve, *reason,
                         std::string(service::NameOf(call.principal.role))};
    api.Execute(call, c, 200, ToTextRender([c](const CommandResult&) {
                  return json::object{{"request_id", c.request_id},
                                      {"status", c.approve ? "approved" : "rejected"},
                                      {"reason", c.reason}};
                }),
                std::move(reply));
  };
}

void GetLimitRequest(Api& api, Call&& call, Reply reply) {
  api.Query(std::move(reply), [id = call.params.at(0)](service::EngineContext& context) {
    const LimitRequest* request = context.state.FindLimitRequest(id);
    if (request == nullptr) {
      return ErrorResponse(MakeError(ErrorCode::kLimitRequestNotFound,
                                     "no limit request '" + id.substr(0, 80) + "'", "request_id"));
    }
    return JsonResponse(200, LimitRequestJson(*request));
  });
}

void ListLimitRequests(Api& api, Call&& call, Reply reply) {
  Result<int64_t> limit = QueryInteger(call, "limit", kPageSizeDefault, 1, kPageSizeMax);
  if (!limit.ok()) return reply(ErrorResponse(limit.error()));
  Result<int64_t> from = QueryInteger(call, "page_token", 0, 0, INT64_MAX / 2);
  if (!from.ok()) return reply(ErrorResponse(from.error()));
  LimitRequestFilter filter;
  if (call.query.count("status") && !call.query["status"].empty()) {
    Result<LimitRequestStatus> status = ParseLimitRequestStatus(call.query["status"]);
    if (!status.ok()) return reply(ErrorResponse(status.error()));
    filter.status = *status;
  }
  if (call.query.count("customer_id")) filter.customer_id = call.query["customer_id"];
  api.Query(
      std::move(reply), [filter, from = static_cast<size_t>(*from),
                         limit = static_cast<size_t>(*limit)](service::EngineContext& context) {
        size_t next = 0;
        json::array items;
        for (const LimitRequest* request :
             context.state.ListLimitRequests(filter, from, limit, &next)) {
          items.push_back(LimitRequestJson(*request));
        }
        json::value token = next == 0 ? json::value(nullptr) : json::value(std::to_string(next));
        return JsonResponse(200, json::object{{"limit_requests", std::move(items)},
                                              {"next_page_token", std::move(token)}});
      });
}

Result<InstallmentTerms> ReadInstallment(JsonInput& item) {
  InstallmentTerms terms;
  CL_ASSIGN_OR_RETURN(terms.due_on, item.DateField("due_on"));
  CL_ASSIGN_OR_RETURN(terms.amount, item.Amount());
  return terms;
}

Result<Prepared> PrepareRecoveryPlan(JsonInput& body, const Params&) {
  CreateRecoveryPlan c;
  CL_ASSIGN_OR_RETURN(c.plan_id, body.String("plan_id"));
  CL_ASSIGN_OR_RETURN(std::string customer_id, body.String("customer_id"));
  CL_ASSIGN_OR_RETURN(c.account, ReadAccountRef(body, customer_id));
  CL_ASSIGN_OR_RETURN(c.installments,
                      ReadObjects<InstallmentTerms>(body, "installments", ReadInstallment));
  CL_ASSIGN_OR_RETURN(c.reason, body.StringOr("reason", ""));
  return Prepared{c, 201, [c](const CommandResult&) {
                    json::object out = AccountRefJson(c.account);
                    out["plan_id"] = c.plan_id;
                    out["status"] = "active";
                    out["installments"] = c.installments.size();
                    return out;
                  }};
}

void GetRecoveryPlan(Api& api, Call&& call, Reply reply) {
  api.Query(std::move(reply), [id = call.params.at(0)](service::EngineContext& context) {
    const RecoveryPlan* plan = context.state.FindRecoveryPlan(id);
    if (plan == nullptr) {
      return ErrorResponse(MakeError(ErrorCode::kRecoveryPlanNotFound,
                                     "no recovery plan '" + id.substr(0, 80) + "'", "plan_id"));
    }
    return JsonResponse(200, RecoveryPlanJson(*plan));
  });
}

}  // namespace

void AddAssessmentRoutes(Api& api) {
  AddCommandRoute(api, "POST", "/v1/customers/{customer_id}/financials", Role::kAnalyst,
                  PrepareRecordFinancials);
  api.Add("GET", "/v1/customers/{customer_id}/financials", Role::kViewer, GetFinancials);
  api.Add("GET", "/v1/customers/{customer_id}/assessment", Role::kViewer, GetAssessment);
  api.Add("GET", "/v1/scorecard", Role::kViewer, GetScorecard);
  AddCommandRoute(api, "PUT", "/v1/scorecard", Role::kCreditManager, PrepareSetScorecard);
  api.Add("GET", "/v1/assessment-policy", Role::kViewer, GetAssessmentPolicy);
  AddCommandRoute(api, "PUT", "/v1/assessment-policy", Role::kAdmin, PrepareSetAssessmentPolicy);
  // A review is idempotent by nature: what it reviewed is no longer due.
  api.AddWithoutIdempotencyKey("POST", "/v1/reviews", Role::kAnalyst, PostReview);
  AddCommandRoute(api, "POST", "/v1/limit-requests", Role::kSales, PrepareLimitRequest);
  api.Add("GET", "/v1/limit-requests", Role::kViewer, ListLimitRequests);
  api.Add("GET", "/v1/limit-requests/{request_id}", Role::kViewer, GetLimitRequest);
  api.Add("POST", "/v1/limit-requests/{request_id}/approve", Role::kAnalyst, DecideRoute(true));
  api.Add("POST", "/v1/limit-requests/{request_id}/reject", Role::kAnalyst, DecideRoute(false));
  AddCommandRoute(api, "POST", "/v1/recovery-plans", Role::kCreditManager, PrepareRecoveryPlan);
  api.Add("GET", "/v1/recovery-plans/{plan_id}", Role::kViewer, GetRecoveryPlan);
}

}  // namespace creditline::http
