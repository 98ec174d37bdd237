// JSON renderings of Creditline's read models, decisions, events and errors.
//
// Field names and shapes are the API contract (docs/api.md, /openapi.json). Money is always
// `*_minor` integers with a currency code. Pure functions; thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "core/decision.hpp"
#include "core/error.hpp"
#include "core/events.hpp"
#include "core/state.hpp"

namespace creditline::http {

boost::json::object AccountViewJson(const AccountView& view);
// The decision with the account figures the rules saw, as JSON text written directly (the
// hottest reply). `order_id` empty: a credit check.
std::string DecisionText(const Decision& decision, const std::string& order_id);
// The same, as an object, for nesting in other replies.
boost::json::object DecisionJson(const Decision& decision, const std::string& order_id);
boost::json::object OrderJson(const OrderView& order);
boost::json::object InvoiceJson(const InvoiceView& invoice);
boost::json::object GroupJson(const GroupView& group);
boost::json::object PolicyJson(const Policy& policy);
boost::json::object CustomerJson(const Customer& customer);
// Credit assessment. Unbounded amounts (the last bin of a factor, the top approval tier) are
// null.
boost::json::object FinancialsJson(const Financials& financials);
boost::json::object ScorecardJson(const Scorecard& scorecard);
boost::json::object AssessmentPolicyJson(const AssessmentPolicy& policy);
boost::json::object AssessmentJson(const AccountAssessment& assessment);
boost::json::object LimitRequestJson(const LimitRequest& request);
boost::json::object RecoveryPlanJson(const RecoveryPlan& plan);
// {seq, time, today, actor, type, data}: data lists the event body's fields by name.
boost::json::object EventJson(const Event& event);
std::string ErrorJson(const Error& error);

boost::json::value DateJson(Date date);  // "YYYY-MM-DD", or null when not set.
boost::json::value OptionalMoneyMinor(const std::optional<Money>& money);

}  // namespace creditline::http
