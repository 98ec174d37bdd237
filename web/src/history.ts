// The customer page's history: shapes of the statement and activity feed (docs/api.md), and the
// pure helpers the tabs use (chart option, change text, download links), kept here so that
// Vitest checks them without a browser.
import type { EChartsOption } from 'echarts';
import { formatMoney } from './money';

export type Cell = number | string | null;

export interface StatementSummary {
  customer_id: string;
  segment: string | null;
  currency: string;
  from: string;
  to: string;
  events: number;
  opening_limit_minor: number;
  closing_limit_minor: number;
  opening_exposure_minor: number;
  closing_exposure_minor: number;
  opening_overdue_minor: number;
  closing_overdue_minor: number;
  invoiced_minor: number;
  paid_minor: number;
  credited_minor: number;
  written_off_minor: number;
  reconciled: number;
}

export interface LimitChange {
  seq: number;
  time: string;
  day: string;
  actor: string | null;
  event: string;
  field: string;
  before: Cell;
  after: Cell;
  reason: string | null;
}

export interface ExposurePoint {
  day: string;
  limit_minor: number;
  effective_limit_minor: number;
  orders_open_minor: number;
  receivables_open_minor: number;
  unapplied_credit_minor: number;
  exposure_minor: number;
  overdue_minor: number;
}

export interface Settlement {
  seq: number;
  time: string;
  day: string;
  actor: string | null;
  kind: 'payment' | 'credit_note' | 'write_off';
  document_id: string;
  document_minor: number;
  invoice_id: string | null;
  allocated_minor: number;
  unapplied_minor: number;
  reason: string | null;
}

export interface DecisionRow {
  seq: number;
  time: string;
  day: string;
  actor: string | null;
  kind: string;
  subject_id: string | null;
  outcome: string;
  reasons: string | null;
  amount_minor: number;
  reason: string | null;
}

export interface Statement {
  report: 'statement';
  as_of: string;
  summary: StatementSummary[];
  limit_history: LimitChange[];
  exposure: ExposurePoint[];
  settlements: Settlement[];
  decisions: DecisionRow[];
}

export interface FieldChange {
  field: string;
  before: number | string;
  after: number | string;
}

export interface HistoryEntry {
  seq: number;
  time: string;
  actor: string;
  type: string;
  segment: string;
  summary: string;
  changes: FieldChange[];
}

export interface HistoryPage {
  customer_id: string;
  entries: HistoryEntry[];
  next_after: number | null;
}

// The statement's sections a CSV download can name (the server's kStatementSections).
export const kStatementSections = [
  'summary',
  'limit_history',
  'exposure',
  'open_orders',
  'open_invoices',
  'invoices',
  'settlements',
  'decisions',
] as const;

export function statementUrl(
  customerId: string,
  options: { format: 'json' | 'csv' | 'xlsx'; section?: string; from?: string; to?: string; segment?: string },
): string {
  const query = new URLSearchParams({ format: options.format });
  if (options.section) query.set('section', options.section);
  if (options.from) query.set('from', options.from);
  if (options.to) query.set('to', options.to);
  if (options.segment) query.set('segment', options.segment);
  return `/v1/customers/${encodeURIComponent(customerId)}/statement?${query.toString()}`;
}

export function historyUrl(customerId: string, after: number, limit: number): string {
  return `/v1/customers/${encodeURIComponent(customerId)}/history?after=${after}&limit=${limit}`;
}

// Fields whose values are money in minor units (the server names them *_minor).
export function isMoneyField(field: string): boolean {
  return field.endsWith('_minor');
}

// "before → after" for people: money formatted, empty values as a dash.
export function changeText(field: string, before: Cell, after: Cell, currency: string, locale: string): string {
  const show = (value: Cell) => {
    if (value === null || value === '') return '—';
    if (typeof value === 'number' && isMoneyField(field)) return formatMoney(value, currency, locale);
    if (field === 'score' && value === -1) return '—';
    return String(value);
  };
  return `${show(before)} → ${show(after)}`;
}

// The limit history as a chain per field: each change's before is the previous change's after.
// Returns the fields whose chain is broken (empty when consistent); the tab shows a warning.
export function brokenChains(changes: LimitChange[]): string[] {
  const last = new Map<string, Cell>();
  const broken = new Set<string>();
  for (const change of changes) {
    if (last.has(change.field) && last.get(change.field) !== change.before) broken.add(change.field);
    last.set(change.field, change.after);
  }
  return [...broken];
}

export interface ChartLabels {
  limit: string;
  effectiveLimit: string;
  exposure: string;
  overdue: string;
}

// Limit and effective limit as lines, exposure and overdue as areas, one point per day.
export function exposureChartOption(points: ExposurePoint[], currency: string, locale: string, labels: ChartLabels): EChartsOption {
  const money = (v: unknown) => formatMoney(Number(v), currency, locale);
  const line = (name: string, values: number[], color: string, area: boolean) => ({
    name,
    type: 'line' as const,
    step: 'end' as const,
    showSymbol: false,
    data: values,
    itemStyle: { color },
    lineStyle: { color, width: area ? 1 : 2 },
    ...(area ? { areaStyle: { color, opacity: 0.25 } } : {}),
  });
  return {
    tooltip: { trigger: 'axis', valueFormatter: money },
    legend: { bottom: 0 },
    grid: { left: 16, right: 16, top: 24, bottom: 40, containLabel: true },
    xAxis: { type: 'category', data: points.map((p) => p.day) },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => money(v) } },
    series: [
      line(labels.limit, points.map((p) => p.limit_minor), '#1554ad', false),
      line(labels.effectiveLimit, points.map((p) => p.effective_limit_minor), '#7b61ff', false),
      line(labels.exposure, points.map((p) => p.exposure_minor), '#52a8e0', true),
      line(labels.overdue, points.map((p) => p.overdue_minor), '#f5222d', true),
    ],
  };
}

// Payments, credit notes and write-offs grouped by document, with their allocations.
export interface SettlementDocument {
  seq: number;
  time: string;
  actor: string | null;
  kind: Settlement['kind'];
  document_id: string;
  amount_minor: number;
  unapplied_minor: number;
  reason: string | null;
  allocations: { invoice_id: string; amount_minor: number }[];
}

export function settlementDocuments(rows: Settlement[]): SettlementDocument[] {
  const documents: SettlementDocument[] = [];
  for (const row of rows) {
    let document = documents[documents.length - 1];
    if (!document || document.seq !== row.seq) {
      document = {
        seq: row.seq,
        time: row.time,
        actor: row.actor,
        kind: row.kind,
        document_id: row.document_id,
        amount_minor: row.document_minor,
        unapplied_minor: 0,
        reason: row.reason,
        allocations: [],
      };
      documents.push(document);
    }
    if (row.invoice_id) document.allocations.push({ invoice_id: row.invoice_id, amount_minor: row.allocated_minor });
    document.unapplied_minor += row.unapplied_minor;
  }
  return documents;
}
