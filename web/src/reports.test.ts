import { describe, expect, it } from 'vitest';
import { agingBuckets, bandCounts, columnKind, columnsOf, compareCells, formatCell, mainCurrency, overdueMinor, reportUrl, trendSeries } from './reports';

const totals = [
  { currency: 'CNY', accounts: 290, limit_minor: 100, exposure_minor: 50 },
  { currency: 'USD', accounts: 30, limit_minor: 10, exposure_minor: 5 },
];

describe('report tables', () => {
  it('knows how to show each column', () => {
    expect(columnKind('limit_minor')).toBe('money');
    expect(columnKind('utilization_bp')).toBe('percent');
    expect(columnKind('due_on')).toBe('date');
    expect(columnKind('day')).toBe('date');
    expect(columnKind('oldest_placed_at')).toBe('instant');
    expect(columnKind('customer_id')).toBe('text');
    expect(columnKind('hhi')).toBe('number');
    expect(columnsOf([{ b: 1, a: 2 }])).toEqual(['b', 'a']);
    expect(columnsOf([])).toEqual([]);
  });
  it('formats cells in the row currency and language', () => {
    const row = { currency: 'USD', exposure_minor: 123456, utilization_bp: 8050, dso_days: '', hhi: 1234.56 };
    expect(formatCell(row, 'exposure_minor', 'en')).toBe('$1,234.56');
    expect(formatCell(row, 'exposure_minor', 'zh-CN')).toBe('US$1,234.56');
    expect(formatCell(row, 'utilization_bp', 'en')).toBe('80.5%');
    expect(formatCell(row, 'dso_days', 'en')).toBe('—');
    expect(formatCell(row, 'hhi', 'en')).toBe('1,234.56');
  });
  it('sorts numbers by value and text as text', () => {
    expect(compareCells({ a: 9 }, { a: 10 }, 'a')).toBeLessThan(0);
    expect(compareCells({ a: 'C2' }, { a: 'C10' }, 'a')).toBeGreaterThan(0);
  });
  it('picks the currency with the most accounts', () => {
    expect(mainCurrency(totals)).toBe('CNY');
    expect(mainCurrency([])).toBe('');
  });
  it('shapes bands, aging and trend for one currency', () => {
    const bands = [
      { currency: 'CNY', band: '0-50', accounts: 7 },
      { currency: 'CNY', band: '100+', accounts: 2 },
      { currency: 'USD', band: '0-50', accounts: 99 },
    ];
    expect(bandCounts(bands, 'CNY')).toEqual([0, 7, 0, 0, 0, 2]);
    const aging = [{ currency: 'CNY', current_minor: 10, days_1_30_minor: 1, days_31_60_minor: 2, days_61_90_minor: 3, over_90_minor: 4, total_minor: 20 }];
    expect(agingBuckets(aging, 'CNY')).toEqual([10, 1, 2, 3, 4]);
    expect(agingBuckets(aging, 'USD')).toEqual([0, 0, 0, 0, 0]);
    expect(overdueMinor(aging, 'CNY')).toBe(10);
    const days = [
      { day: '2026-01-02', currency: 'CNY', limit_minor: 2, exposure_minor: 1, overdue_minor: 0, receivables_minor: 1 },
      { day: '2026-01-01', currency: 'CNY', limit_minor: 1, exposure_minor: 1, overdue_minor: 0, receivables_minor: 0 },
      { day: '2026-01-01', currency: 'USD', limit_minor: 9, exposure_minor: 9, overdue_minor: 9, receivables_minor: 9 },
    ];
    const series = trendSeries(days, 'CNY');
    expect(series.days).toEqual(['2026-01-01', '2026-01-02']);
    expect(series.limit).toEqual([1, 2]);
  });
  it('builds download links', () => {
    expect(reportUrl('aging', 'csv', 'customers')).toBe('/v1/reports/aging?format=csv&section=customers');
    expect(reportUrl('trend', 'xlsx')).toBe('/v1/reports/trend?format=xlsx');
  });
});
