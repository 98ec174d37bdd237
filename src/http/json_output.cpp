#include "http/json_output.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <type_traits>

#include "core/codec.hpp"
#include "core/fx.hpp"

namespace creditline::http {
namespace json = boost::json;

namespace {

std::string_view NameOf(OrderStatus status) {
  return status == OrderStatus::kHeld ? "held" : "open";
}

// Renders any value whose struct lists named fields; used for the change feed.
template <class T>
json::value Generic(const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    return value;
  } else if constexpr (std::is_enum_v<T>) {
    return json::string(NameOf(value));
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<int64_t>(value);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return json::string(value);
  } else if constexpr (std::is_same_v<T, Currency>) {
    return value.valid() ? json::value(json::string(value.code())) : json::value(nullptr);
  } else if constexpr (std::is_same_v<T, Date>) {
    return DateJson(value);
  } else if constexpr (std::is_same_v<T, Money>) {
    return json::object{{"amount_minor", value.minor}, {"currency", value.currency.code()}};
  } else if constexpr (std::is_same_v<T, Reasons>) {
    json::array reasons;
    for (const Reason& reason : value) {
      reasons.push_back(
          json::object{{"code", NameOf(reason.code)}, {"action", NameOf(reason.action)}});
    }
    return reasons;
  } else if constexpr (IsOptional<T>::value) {
    return value ? Generic(*value) : json::value(nullptr);
  } else if constexpr (IsVector<T>::value) {
    json::array items;
    for (const auto& item : value) items.push_back(Generic(item));
    return items;
  } else {
    json::object object;
    const_cast<T&>(value).Fields(
        [&](const char* name, const auto& field) { object[name] = Generic(field); });
    return object;
  }
}

}  // namespace

json::value DateJson(Date date) {
  if (date == kNoDate) return nullptr;
  return json::string(FormatDate(date));
}

json::value OptionalMoneyMinor(const std::optional<Money>& money) {
  if (!money) return nullptr;
  return money->minor;
}

json::object AccountViewJson(const AccountView& v) {
  return json::object{
      {"customer_id", v.ref.customer_id},
      {"segment", v.ref.segment},
      {"currency", v.currency.code()},
      {"status", NameOf(v.status)},
      {"grade", v.grade},
      {"policy", v.policy},
      {"group_id", v.group_id},
      {"payment_terms_days", v.payment_terms_days},
      {"review_on", DateJson(v.review_on)},
      {"limit_minor", v.limit_minor},
      {"temporary_limits_minor", v.temporary_limits_minor},
      {"collateral_minor", v.collateral_minor},
      {"effective_limit_minor", v.effective_limit_minor},
      {"orders_open_minor", v.orders_open_minor},
      {"receivables_open_minor", v.receivables_open_minor},
      {"unapplied_credit_minor", v.unapplied_credit_minor},
      {"exposure_minor", v.exposure_minor},
      {"available_minor", v.available_minor},
      {"utilization_bp", v.utilization_bp},
      {"overdue_minor", v.overdue_minor},
      {"oldest_days_past_due", v.oldest_days_past_due},
      {"written_off_minor", v.written_off_minor},
      {"open_orders", v.open_orders},
      {"held_orders", v.held_orders},
      {"open_invoices", v.open_invoices},
  };
}

namespace {

// Appends `text` as a JSON string literal.
void AppendString(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    unsigned char byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

void AppendField(std::string& out, std::string_view name, int64_t value) {
  out += '"';
  out += name;
  out += "\":";
  out += std::to_string(value);
  out += ',';
}

}  // namespace

std::string DecisionText(const Decision& d, const std::string& order_id) {
  std::string out = "{";
  if (!order_id.empty()) {
    out += "\"order_id\":";
    AppendString(out, order_id);
    out += ',';
  }
  out += "\"decision\":\"";
  out += NameOf(d.outcome);
  out += "\",\"reasons\":[";
  for (size_t i = 0; i < d.reasons.size(); ++i) {
    const Reason& reason = d.reasons[i];
    out += i == 0 ? "{\"code\":\"" : ",{\"code\":\"";
    out += NameOf(reason.code);
    out += "\",\"action\":\"";
    out += NameOf(reason.action);
    out += "\",\"message\":";
    AppendString(out, ExplainReason(d, reason));
    out += '}';
  }
  out += "],";
  AppendField(out, "amount_minor", d.amount_minor);
  out += "\"currency\":\"";
  out += d.currency.code();
  out += "\",\"account\":{";
  AppendField(out, "limit_minor", d.limit_minor);
  AppendField(out, "effective_limit_minor", d.effective_limit_minor);
  AppendField(out, "exposure_minor", d.exposure_before_minor);
  AppendField(out, "orders_open_minor", d.orders_open_minor);
  AppendField(out, "receivables_open_minor", d.receivables_open_minor);
  AppendField(out, "unapplied_credit_minor", d.unapplied_credit_minor);
  AppendField(out, "available_minor", d.available_before_minor);
  AppendField(out, "available_after_minor", d.available_after_minor);
  AppendField(out, "utilization_after_bp", d.utilization_after_bp);
  AppendField(out, "overdue_minor", d.overdue_minor);
  AppendField(out, "oldest_days_past_due", d.days_past_due);
  out.back() = '}';
  out += ",\"group\":";
  if (d.in_group) {
    out += '{';
    AppendField(out, "limit_minor", d.group_limit_minor);
    AppendField(out, "exposure_minor", d.group_exposure_before_minor);
    AppendField(out, "available_after_minor", d.group_available_after_minor);
    out.back() = '}';
  } else {
    out += "null";
  }
  out += '}';
  return out;
}

json::object DecisionJson(const Decision& d, const std::string& order_id) {
  return json::parse(DecisionText(d, order_id)).as_object();
}

json::object OrderJson(const OrderView& o) {
  return json::object{
      {"order_id", o.order_id},
      {"customer_id", o.account.customer_id},
      {"segment", o.account.segment},
      {"status", NameOf(o.status)},
      {"currency", o.currency.code()},
      {"amount_minor", o.amount_minor},
      {"reserved_minor", o.reserved_minor},
      {"invoiced_minor", o.invoiced_minor},
      {"requested_amount_minor", o.requested.minor},
      {"requested_currency", o.requested.currency.code()},
      {"placed_at", FormatTimestamp(o.placed_at)},
      {"expires_at", o.expires_at == 0 ? json::value(nullptr)
                                       : json::value(json::string(FormatTimestamp(o.expires_at)))},
      {"decision", DecisionJson(o.decision, o.order_id)},
      {"released_by", o.released_by},
      {"release_reason", o.release_reason},
  };
}

json::object InvoiceJson(const InvoiceView& i) {
  return json::object{
      {"invoice_id", i.invoice_id},           {"order_id", i.order_id},
      {"customer_id", i.account.customer_id}, {"segment", i.account.segment},
      {"currency", i.currency.code()},        {"amount_minor", i.amount_minor},
      {"open_minor", i.open_minor},           {"issued_on", DateJson(i.issued_on)},
      {"due_on", DateJson(i.due_on)},         {"days_past_due", i.days_past_due},
  };
}

json::object GroupJson(const GroupView& g) {
  json::array members;
  for (const AccountRef& member : g.members) {
    members.push_back(
        json::object{{"customer_id", member.customer_id}, {"segment", member.segment}});
  }
  return json::object{{"group_id", g.group_id},
                      {"name", g.name},
                      {"currency", g.currency.code()},
                      {"limit_minor", g.limit_minor},
                      {"exposure_minor", g.exposure_minor},
                      {"available_minor", g.available_minor},
                      {"members", std::move(members)}};
}

json::object PolicyJson(const Policy& p) {
  auto currency = [](const std::optional<Money>& money) {
    return money ? json::value(json::string(money->currency.code())) : json::value(nullptr);
  };
  json::object out{
      {"name", p.name},
      {"tolerance_bp", p.tolerance_bp},
      {"warning_bp", p.warning_bp},
      {"max_order_value_minor", OptionalMoneyMinor(p.max_order_value)},
      {"max_order_value_currency", currency(p.max_order_value)},
      {"max_days_past_due",
       p.max_days_past_due ? json::value(*p.max_days_past_due) : json::value(nullptr)},
      {"max_overdue_amount_minor", OptionalMoneyMinor(p.max_overdue_amount)},
      {"max_overdue_amount_currency", currency(p.max_overdue_amount)},
      {"day_quota_minor", OptionalMoneyMinor(p.day_quota)},
      {"day_quota_currency", currency(p.day_quota)},
      {"month_quota_minor", OptionalMoneyMinor(p.month_quota)},
      {"month_quota_currency", currency(p.month_quota)},
  };
  for (const PolicyActionField& field : kPolicyActionFields) {
    out[field.name] = NameOf(p.*field.member);
  }
  return out;
}

json::object CustomerJson(const Customer& c) {
  json::array tags;
  for (const std::string& tag : c.tags) tags.push_back(json::string(tag));
  return json::object{{"customer_id", c.customer_id},
                      {"name", c.name},
                      {"industry", c.industry},
                      {"region", c.region},
                      {"tags", std::move(tags)}};
}

json::object FinancialsJson(const Financials& financials) {
  return Generic(financials).as_object();
}

json::object ScorecardJson(const Scorecard& scorecard) {
  json::object out = Generic(scorecard).as_object();
  for (json::value& factor : out["factors"].as_array()) {
    for (json::value& bin : factor.as_object()["bins"].as_array()) {
      json::value& up_to = bin.as_object()["up_to"];
      if (up_to.as_int64() == kBinUnbounded) up_to = nullptr;
    }
  }
  return out;
}

json::object AssessmentPolicyJson(const AssessmentPolicy& policy) {
  json::object out = Generic(policy).as_object();
  for (json::value& tier : out["approval_tiers"].as_array()) {
    json::value& amount = tier.as_object()["amount_max_minor"];
    if (amount.as_int64() == kAmountMinorMax) amount = nullptr;
  }
  return out;
}

json::object AssessmentJson(const AccountAssessment& a) {
  const BehaviourMetrics& m = a.metrics;
  json::object metrics{{"on_time_ratio_bp", Generic(m.on_time_bp)},
                       {"average_days_late", Generic(m.average_days_late)},
                       {"dso_days", Generic(m.dso_days)},
                       {"max_days_past_due", m.max_days_past_due},
                       {"average_utilization_bp", Generic(m.average_utilization_bp)},
                       {"peak_utilization_bp", Generic(m.peak_utilization_bp)},
                       {"tenure_months", m.tenure_months},
                       {"volume_trend_bp", Generic(m.volume_trend_bp)},
                       {"average_monthly_purchases_minor", m.average_monthly_purchases_minor},
                       {"holds", m.holds},
                       {"write_offs", m.write_offs}};
  json::array factors;
  for (const FactorScore& f : a.score.factors) {
    factors.push_back(json::object{{"factor", NameOf(f.factor)},
                                   {"value", Generic(f.value)},
                                   {"bin", f.bin},
                                   {"points", f.points},
                                   {"weight", f.weight}});
  }
  return json::object{
      {"customer_id", a.ref.customer_id},
      {"segment", a.ref.segment},
      {"currency", a.currency.code()},
      {"status", NameOf(a.status)},
      {"limit_minor", a.limit_minor},
      {"metrics", std::move(metrics)},
      {"financials_period",
       a.financials_period.empty() ? json::value(nullptr) : json::value(a.financials_period)},
      {"score", a.score.score},
      {"grade", a.score.grade},
      {"factors", std::move(factors)},
      {"proposal", json::object{{"prepayment_only", a.proposal.prepayment_only},
                                {"limit_minor", a.proposal.limit_minor},
                                {"basis", a.proposal.basis}}},
      {"last_score", a.last_score < 0 ? json::value(nullptr) : json::value(a.last_score)},
      {"reviewed_on", DateJson(a.reviewed_on)},
      {"review_on", DateJson(a.review_on)}};
}

json::object LimitRequestJson(const LimitRequest& r) {
  json::object out = Generic(r).as_object();
  out["kind"] = r.expires_on == kNoDate ? "permanent" : "temporary";
  out["requested_at"] = FormatTimestamp(r.requested_at);
  out["decided_at"] =
      r.decided_at == 0 ? json::value(nullptr) : json::value(FormatTimestamp(r.decided_at));
  return out;
}

json::object RecoveryPlanJson(const RecoveryPlan& plan) { return Generic(plan).as_object(); }

json::object EventJson(const Event& event) {
  json::value data = std::visit([](const auto& body) { return Generic(body); }, event.body);
  return json::object{{"seq", event.seq},
                      {"time", FormatTimestamp(event.time)},
                      {"today", DateJson(event.today)},
                      {"actor", event.actor},
                      {"type", EventName(event.body)},
                      {"data", std::move(data)}};
}

std::string ErrorJson(const Error& error) {
  return json::serialize(json::object{{"error", json::object{{"code", NameOf(error.code)},
                                                             {"message", error.message},
                                                             {"field", error.field}}}});
}

}  // namespace creditline::http
