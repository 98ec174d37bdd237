// Report tables for the console: the reports' names and sections (docs/reports.md), how each
// column is shown (money in the row's currency, basis points, dates) and the chart data the
// dashboard and the reports page draw. Pure functions, so they are tested without a server.
import type { Locale } from './i18n';
import { formatBasisPoints, formatMoney, minorDigits } from './money';

export type Row = Record<string, string | number | null>;

export const kReports = ['portfolio', 'aging', 'overdue', 'dso', 'concentration', 'holds', 'trend'] as const;
export type ReportName = (typeof kReports)[number];

// Sections in the order the server lists them.
export const kSections: Record<ReportName, string[]> = {
  portfolio: ['totals', 'utilization_bands', 'by_grade', 'by_industry', 'by_region'],
  aging: ['totals', 'customers'],
  overdue: ['summary', 'invoices'],
  dso: ['dso'],
  concentration: ['summary', 'top'],
  holds: ['counters', 'queue'],
  trend: ['days'],
};

export type ColumnKind = 'money' | 'percent' | 'date' | 'instant' | 'number' | 'text';

export function columnKind(column: string): ColumnKind {
  if (column.endsWith('_minor')) return 'money';
  if (column.endsWith('_bp')) return 'percent';
  if (column === 'day' || column.endsWith('_on')) return 'date';
  if (column.endsWith('_at')) return 'instant';
  if (['currency', 'name', 'band', 'customer_id', 'segment', 'invoice_id'].includes(column)) return 'text';
  return 'number';
}

// The columns of a section: those of its first row, in the server's order.
export function columnsOf(rows: Row[]): string[] {
  return rows.length ? Object.keys(rows[0]) : [];
}

// One cell as text. Money needs the row's currency; without one it is shown as a plain number.
export function formatCell(row: Row, column: string, locale: Locale): string {
  const value = row[column];
  if (value === null || value === undefined || value === '') return '—';
  switch (columnKind(column)) {
    case 'money': {
      const currency = typeof row.currency === 'string' ? row.currency : '';
      return currency ? formatMoney(Number(value), currency, locale) : new Intl.NumberFormat(locale).format(Number(value));
    }
    case 'percent':
      return formatBasisPoints(Number(value), locale);
    case 'instant':
      return new Date(String(value)).toLocaleString(locale);
    case 'number':
      return typeof value === 'number' ? new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value) : String(value);
    default:
      return String(value);
  }
}

// Sorting: numbers by value, everything else as text.
export function compareCells(a: Row, b: Row, column: string): number {
  const x = a[column];
  const y = b[column];
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x ?? '').localeCompare(String(y ?? ''));
}

// Minor units as a number of major units for chart axes only (never for money arithmetic shown
// as an amount).
export function majorUnits(minor: number, currency: string): number {
  return minor / 10 ** minorDigits(currency);
}

// The currency with the most accounts: charts draw one currency at a time, defaulting to it.
export function mainCurrency(totals: Row[]): string {
  let best = '';
  let accounts = -1;
  for (const row of totals) {
    const count = Number(row.accounts ?? 0);
    if (typeof row.currency === 'string' && count > accounts) {
      best = row.currency;
      accounts = count;
    }
  }
  return best;
}

export function currenciesOf(rows: Row[]): string[] {
  return [...new Set(rows.map((r) => String(r.currency ?? '')).filter(Boolean))].sort();
}

export const kBands = ['no_limit', '0-50', '50-75', '75-90', '90-100', '100+'];

// Accounts per utilization band for one currency, in band order (missing bands count 0).
export function bandCounts(bands: Row[], currency: string): number[] {
  return kBands.map((band) => Number(bands.find((r) => r.currency === currency && r.band === band)?.accounts ?? 0));
}

export const kAgingBuckets = ['current_minor', 'days_1_30_minor', 'days_31_60_minor', 'days_61_90_minor', 'over_90_minor'];

// Open receivables per aging bucket for one currency (minor units).
export function agingBuckets(totals: Row[], currency: string): number[] {
  const row = totals.find((r) => r.currency === currency);
  return kAgingBuckets.map((bucket) => Number(row?.[bucket] ?? 0));
}

// The overdue amount: every bucket past due.
export function overdueMinor(totals: Row[], currency: string): number {
  return agingBuckets(totals, currency)
    .slice(1)
    .reduce((sum, amount) => sum + amount, 0);
}

// The trend of one currency as parallel series, oldest day first.
export function trendSeries(days: Row[], currency: string) {
  const rows = days.filter((r) => r.currency === currency).sort((a, b) => String(a.day).localeCompare(String(b.day)));
  return {
    days: rows.map((r) => String(r.day)),
    limit: rows.map((r) => Number(r.limit_minor)),
    exposure: rows.map((r) => Number(r.exposure_minor)),
    overdue: rows.map((r) => Number(r.overdue_minor)),
    receivables: rows.map((r) => Number(r.receivables_minor)),
  };
}

// Accounts and exposure per grade for one currency, grades in name order.
export function gradeRows(byGrade: Row[], currency: string): Row[] {
  return byGrade.filter((r) => r.currency === currency).sort((a, b) => String(a.name).localeCompare(String(b.name)));
}

export function reportUrl(report: ReportName, format: 'json' | 'csv' | 'xlsx', section?: string): string {
  const query = new URLSearchParams({ format });
  if (section) query.set('section', section);
  return `/v1/reports/${report}?${query}`;
}
