// The console's client of the JSON API. The session cookie travels by itself (same origin,
// HttpOnly); requests that change data carry the session's CSRF token and, for credit
// commands, a fresh Idempotency-Key.
import type { Role } from './roles';

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field = '',
  ) {
    super(message);
  }
}

export interface SessionInfo {
  auth: 'session' | 'token';
  username?: string;
  role: Role;
  csrf_token?: string;
  expires_at?: string;
}

let csrfToken = '';
let onUnauthenticated: (() => void) | null = null;

export function setCsrfToken(token: string) {
  csrfToken = token;
}
export function setUnauthenticatedHandler(handler: (() => void) | null) {
  onUnauthenticated = handler;
}

export function newIdempotencyKey(): string {
  const random = globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return `console-${random}`;
}

export interface RequestOptions {
  body?: unknown;
  idempotent?: boolean; // Adds an Idempotency-Key (credit commands).
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  if (options.idempotent) headers['Idempotency-Key'] = newIdempotencyKey();
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (!response.ok) {
    const error = json.error ?? {};
    if (response.status === 401 && path !== '/v1/session') onUnauthenticated?.();
    throw new ApiError(response.status, error.code ?? 'http_error', error.message ?? response.statusText, error.field ?? '');
  }
  return json as T;
}

export const api = {
  login: (username: string, password: string) =>
    request<SessionInfo>('POST', '/v1/session', { body: { username, password } }),
  session: () => request<SessionInfo>('GET', '/v1/session'),
  logout: () => request<{ logged_out: boolean }>('DELETE', '/v1/session'),
  get: <T>(path: string) => request<T>('GET', path),
  command: <T>(method: string, path: string, body: unknown) => request<T>(method, path, { body, idempotent: true }),
  admin: <T>(method: string, path: string, body?: unknown) => request<T>(method, path, { body }),
};

// Shapes of the API objects the console shows (docs/api.md).
export interface AccountView {
  customer_id: string;
  segment: string;
  currency: string;
  status: string;
  grade: string;
  policy: string;
  group_id: string;
  payment_terms_days: number;
  review_on: string | null;
  limit_minor: number;
  temporary_limits_minor: number;
  collateral_minor: number;
  effective_limit_minor: number;
  orders_open_minor: number;
  receivables_open_minor: number;
  unapplied_credit_minor: number;
  exposure_minor: number;
  available_minor: number;
  utilization_bp: number;
  overdue_minor: number;
  oldest_days_past_due: number;
  written_off_minor: number;
  open_orders: number;
  held_orders: number;
  open_invoices: number;
}

export interface Customer {
  customer_id: string;
  name: string;
  industry: string;
  region: string;
  tags: string[];
  account: AccountView | null;
  accounts?: AccountView[];
}

export interface Reason {
  code: string;
  action: string;
  message: string;
}

export interface Order {
  order_id: string;
  customer_id: string;
  segment: string;
  status: string;
  currency: string;
  amount_minor: number;
  reserved_minor: number;
  invoiced_minor: number;
  placed_at: string;
  decision: { decision: string; reasons: Reason[] } | null;
}

export interface Invoice {
  invoice_id: string;
  order_id: string;
  customer_id: string;
  currency: string;
  amount_minor: number;
  open_minor: number;
  issued_on: string;
  due_on: string;
  days_past_due: number;
}

// Uploads a file as the request body (CSV import): same CSRF and error handling as request().
export async function upload<T>(path: string, body: Blob, contentType: string): Promise<T> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': contentType, 'X-CSRF-Token': csrfToken },
    credentials: 'same-origin',
    body,
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (!response.ok) {
    const error = json.error ?? {};
    if (response.status === 401) onUnauthenticated?.();
    throw Object.assign(new ApiError(response.status, error.code ?? 'http_error', error.message ?? response.statusText, error.field ?? ''), { details: json as unknown });
  }
  return json as T;
}
