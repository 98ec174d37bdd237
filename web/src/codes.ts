// Texts for the machine-readable codes the server sends (decision reason codes, error codes,
// alert rules), per console language. The server writes its messages in English; in Chinese the
// console shows its own text for a known code and the server's message for an unknown one.
import { ApiError } from './api';
import type { Locale } from './i18n';
import { formatBasisPoints, formatMoney } from './money';

type Texts = Record<string, { en: string; zh: string }>;

// Decision reasons (core/decision.cpp). {placeholders} are filled from the decision's figures
// when it has them; otherwise the text without figures is used.
const kReasons: Texts = {
  account_blocked: { en: 'the account is blocked', zh: '账户已停用' },
  account_on_hold: { en: 'the account is on credit hold', zh: '账户处于信用冻结状态' },
  prepayment_only: { en: 'the account is prepayment only', zh: '账户仅限预付款（款到发货），预付款不足以覆盖下单后的敞口' },
  review_expired: { en: "the account's credit review date has passed", zh: '账户的信用复核日期已过' },
  max_order_value: { en: "the order amount is over the policy's maximum order value", zh: '订单金额超过信用政策的单笔订单上限' },
  days_past_due: { en: "the oldest open invoice is past the policy's maximum days past due", zh: '最早未结发票的逾期天数超过信用政策上限' },
  overdue_amount: { en: "the overdue amount is over the policy's maximum", zh: '逾期金额超过信用政策上限' },
  day_quota: { en: "the amount ordered today would pass the policy's daily quota", zh: '今日下单金额将超过信用政策的日限额' },
  month_quota: { en: "the amount ordered in the last 30 days would pass the policy's monthly quota", zh: '近 30 天下单金额将超过信用政策的月限额' },
  within_tolerance: { en: "the exposure after the order passes the limit but stays within the policy's tolerance", zh: '下单后敞口超过额度，但仍在信用政策的容差范围内' },
  credit_limit_exceeded: { en: 'the exposure after the order passes the credit limit', zh: '下单后敞口超过信用额度' },
  group_limit_exceeded: { en: "the credit group's exposure after the order passes the group limit", zh: '下单后集团敞口超过集团额度' },
  utilization_warning: { en: 'utilization after the order is above the warning level', zh: '下单后额度使用率超过预警线' },
};

// With the decision's figures: the same facts the server's message gives.
const kReasonsWithFigures: Record<string, { en: string; zh: string }> = {
  credit_limit_exceeded: {
    en: 'the exposure after the order {after} passes the limit {limit} (available {available})',
    zh: '下单后敞口 {after} 超过额度 {limit}（可用 {available}）',
  },
  within_tolerance: {
    en: "the exposure after the order {after} passes the limit {limit} but stays within the policy's tolerance",
    zh: '下单后敞口 {after} 超过额度 {limit}，但仍在信用政策的容差范围内',
  },
  max_order_value: { en: "the order amount {amount} is over the policy's maximum order value", zh: '订单金额 {amount} 超过信用政策的单笔订单上限' },
  days_past_due: { en: "the oldest open invoice is {dpd} days past due, over the policy's maximum", zh: '最早未结发票已逾期 {dpd} 天，超过信用政策上限' },
  overdue_amount: { en: "the overdue amount {overdue} is over the policy's maximum", zh: '逾期金额 {overdue} 超过信用政策上限' },
  utilization_warning: { en: 'utilization after the order is {utilization}', zh: '下单后额度使用率为 {utilization}' },
};

// Error codes (core/error.cpp); the server's message says more and is kept in English.
const kErrors: Texts = {
  invalid_argument: { en: 'Invalid input', zh: '输入无效' },
  missing_field: { en: 'A required field is missing', zh: '缺少必填字段' },
  invalid_id: { en: 'Invalid id', zh: '编号格式无效' },
  invalid_amount: { en: 'Invalid amount', zh: '金额无效' },
  unknown_currency: { en: 'Unknown currency', zh: '未知币种' },
  currency_mismatch: { en: "The currency is not the account's", zh: '币种与账户币种不一致' },
  fx_rate_not_found: { en: 'No exchange rate for this currency', zh: '没有该币种的汇率' },
  invalid_date: { en: 'Invalid date', zh: '日期无效' },
  customer_not_found: { en: 'No such customer', zh: '客户不存在' },
  account_not_found: { en: 'No such account', zh: '账户不存在' },
  group_not_found: { en: 'No such credit group', zh: '集团不存在' },
  policy_not_found: { en: 'No such policy', zh: '信用政策不存在' },
  order_not_found: { en: 'No such order', zh: '订单不存在' },
  invoice_not_found: { en: 'No such invoice', zh: '发票不存在' },
  duplicate_id: { en: 'This id is already taken', zh: '编号已存在' },
  idempotency_conflict: { en: 'The request was already sent with different content', zh: '同一请求已以不同内容提交' },
  invalid_state: { en: 'Not possible in the current state', zh: '当前状态下无法执行此操作' },
  amount_overflow: { en: 'The amount is too large', zh: '金额过大' },
  invalid_json: { en: 'Invalid request', zh: '请求格式无效' },
  unknown_field: { en: 'Unknown field', zh: '未知字段' },
  unauthenticated: { en: 'Please sign in again', zh: '请重新登录' },
  forbidden: { en: 'Your role may not do this', zh: '您的角色无权执行此操作' },
  not_found: { en: 'Not found', zh: '未找到' },
  payload_too_large: { en: 'The file is too large', zh: '文件过大' },
  unsupported_media_type: { en: 'Unsupported file type', zh: '不支持的文件类型' },
  overloaded: { en: 'The server is busy; try again', zh: '服务器繁忙，请重试' },
  internal: { en: 'Server error', zh: '服务器内部错误' },
  storage_error: { en: 'Storage error', zh: '存储错误' },
  writes_stopped: { en: 'The server has stopped taking changes', zh: '服务器已停止接受变更' },
  standby: { en: 'This server is a standby', zh: '此服务器为备用服务器' },
  too_many_requests: { en: 'Too many attempts; try again later', zh: '尝试次数过多，请稍后再试' },
  csrf_token_invalid: { en: 'The session expired; reload the page', zh: '会话已失效，请刷新页面' },
  limit_request_not_found: { en: 'No such limit request', zh: '额度申请不存在' },
  four_eyes_violation: { en: 'Four-eyes rule: you cannot approve your own request', zh: '四眼原则：不能审批自己提交的申请' },
  approval_tier_exceeded: { en: "The amount is above your role's approval tier", zh: '金额超过您角色的审批权限' },
  alert_not_found: { en: 'No such alert', zh: '预警不存在' },
  import_rejected: { en: 'The file has bad rows; nothing was imported', zh: '文件中有错误行，未导入任何数据' },
};

// Alert rules (docs/monitoring.md).
const kAlertRules: Texts = {
  utilization_warning: { en: 'Utilization warning', zh: '额度使用率预警' },
  utilization_exceeded: { en: 'Limit exceeded', zh: '超出额度' },
  hold_created: { en: 'Order held', zh: '订单被冻结' },
  grade_downgrade: { en: 'Grade downgrade', zh: '评级下调' },
  invoice_overdue: { en: 'Invoice overdue', zh: '发票逾期' },
  overdue_days: { en: 'Long overdue', zh: '长期逾期' },
  hold_sla: { en: 'Hold waiting too long', zh: '冻结订单等待超时' },
  temporary_limit_expiring: { en: 'Temporary limit expiring', zh: '临时额度即将到期' },
  collateral_expiring: { en: 'Collateral expiring', zh: '担保即将到期' },
  review_due: { en: 'Review due', zh: '信用复核到期' },
};
export const kAlertRuleCodes = Object.keys(kAlertRules);

function pick(texts: Texts, code: string, locale: Locale): string | undefined {
  const entry = texts[code];
  if (!entry) return undefined;
  return locale === 'zh-CN' ? entry.zh : entry.en;
}

// The figures of a decision (docs/api.md, Decision) that reason texts use.
export interface DecisionFigures {
  amount_minor?: number;
  currency?: string;
  account?: {
    effective_limit_minor?: number;
    exposure_minor?: number;
    available_minor?: number;
    overdue_minor?: number;
    oldest_days_past_due?: number;
    utilization_after_bp?: number;
  };
}

function fill(template: string, values: Record<string, string | undefined>): string | undefined {
  let missing = false;
  const text = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) missing = true;
    return value ?? '';
  });
  return missing ? undefined : text;
}

// A decision reason in the console's language. English keeps the server's own message (it has
// the figures); Chinese uses the figures of the decision when there are any; an unknown code
// falls back to the server's message.
export function reasonText(locale: Locale, reason: { code: string; message: string }, decision?: DecisionFigures): string {
  if (locale === 'en') return reason.message || kReasons[reason.code]?.en || reason.code;
  const templated = kReasonsWithFigures[reason.code];
  const account = decision?.account;
  if (templated && decision?.currency && account) {
    const money = (minor: number | undefined) => (minor === undefined ? undefined : formatMoney(minor, decision.currency!, locale));
    const after = account.exposure_minor !== undefined && decision.amount_minor !== undefined ? account.exposure_minor + decision.amount_minor : undefined;
    const text = fill(templated.zh, {
      after: money(after),
      limit: money(account.effective_limit_minor),
      available: money(account.available_minor),
      amount: money(decision.amount_minor),
      overdue: money(account.overdue_minor),
      dpd: account.oldest_days_past_due === undefined ? undefined : String(account.oldest_days_past_due),
      utilization: account.utilization_after_bp === undefined ? undefined : formatBasisPoints(account.utilization_after_bp, locale),
    });
    if (text) return text;
  }
  return pick(kReasons, reason.code, locale) ?? reason.message;
}

// An error from the API in the console's language. English shows the server's message (it says
// the most); Chinese the code's text, with the field at fault when the server names one.
// Unknown codes show the server's message.
export function errorText(locale: Locale, error: unknown): string {
  if (!(error instanceof ApiError)) return String(error instanceof Error ? error.message : error);
  const known = pick(kErrors, error.code, locale);
  if (locale === 'en' || !known) return error.message || known || error.code;
  return error.field ? `${known}（字段 ${error.field}）` : known;
}

export function alertRuleText(locale: Locale, rule: string): string {
  return pick(kAlertRules, rule, locale) ?? rule;
}
