// Limit change requests (docs/assessment.md): the shape the API returns and the checks the
// console makes before sending a new request, so that a typo is caught at the field.
import { parseMoney } from './money';

export interface LimitRequest {
  request_id: string;
  account: { customer_id: string; segment: string };
  currency: string;
  amount_minor: number;
  kind: string;
  expires_on: string | null;
  reason: string;
  requested_by: string;
  requested_at: string;
  limit_before_minor: number;
  status: 'pending' | 'approved' | 'rejected';
  decided_by: string;
  decision_reason: string;
  decided_at: string | null;
}

export interface LimitRequestDraft {
  customer_id: string;
  currency: string; // The account's, looked up from the customer.
  amount: string; // As typed.
  expires_on?: string; // YYYY-MM-DD; empty for a new base limit.
  reason: string;
}

export interface LimitRequestBody {
  request_id: string;
  customer_id: string;
  amount_minor: number;
  currency: string;
  reason: string;
  expires_on?: string;
}

// Message keys (i18n) per field, or the body to send.
export type DraftCheck = { ok: true; body: LimitRequestBody } | { ok: false; errors: Partial<Record<keyof LimitRequestDraft, string>> };

const kIdPattern = /^[A-Za-z0-9._:-]{1,64}$/;
const kReasonMaxChars = 500; // Long enough for a justification, short enough for a table cell.

export function checkLimitRequest(draft: LimitRequestDraft, today: string, requestId: string): DraftCheck {
  const errors: Partial<Record<keyof LimitRequestDraft, string>> = {};
  if (!kIdPattern.test(draft.customer_id.trim())) errors.customer_id = 'requests.err_customer';
  if (!draft.currency) errors.customer_id = 'requests.err_customer';
  const minor = draft.currency ? parseMoney(draft.amount, draft.currency) : null;
  const temporary = Boolean(draft.expires_on);
  if (minor === null || (temporary && minor <= 0)) errors.amount = 'requests.err_amount';
  if (temporary && (!/^\d{4}-\d{2}-\d{2}$/.test(draft.expires_on!) || draft.expires_on! < today)) errors.expires_on = 'requests.err_expiry';
  const reason = draft.reason.trim();
  if (!reason || reason.length > kReasonMaxChars) errors.reason = 'requests.err_reason';
  if (Object.keys(errors).length) return { ok: false, errors };
  const body: LimitRequestBody = {
    request_id: requestId,
    customer_id: draft.customer_id.trim(),
    amount_minor: minor!,
    currency: draft.currency,
    reason,
  };
  if (temporary) body.expires_on = draft.expires_on;
  return { ok: true, body };
}

// A request id the server accepts (ids starting "review-" are the review's own).
// Short enough for a table cell: the time in base 36 and two random characters.
export function newRequestId(now = new Date()): string {
  const random = Math.floor(Math.random() * 36 * 36).toString(36).padStart(2, '0');
  return `LR-${now.getTime().toString(36).toUpperCase()}-${random.toUpperCase()}`;
}
