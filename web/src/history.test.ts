// The history tabs' logic: change text, chains, the chart option, settlements by document, URLs.
import { describe, expect, it } from 'vitest';
import { brokenChains, changeText, exposureChartOption, historyUrl, settlementDocuments, statementUrl, type LimitChange, type Settlement } from './history';

function change(seq: number, field: string, before: number | string, after: number | string): LimitChange {
  return { seq, time: '2026-01-01T00:00:00Z', day: '2026-01-01', actor: 'manager', event: 'limit_set', field, before, after, reason: null };
}

describe('changeText', () => {
  it('formats money fields and leaves others as text', () => {
    expect(changeText('limit_minor', 50_000_000, 60_000_000, 'CNY', 'en')).toBe('CN¥500,000.00 → CN¥600,000.00');
    expect(changeText('status', 'active', 'on_hold', 'CNY', 'en')).toBe('active → on_hold');
    expect(changeText('group_id', '', 'G1', 'CNY', 'en')).toBe('— → G1');
    expect(changeText('score', -1, 72, 'CNY', 'en')).toBe('— → 72');
  });
});

describe('brokenChains', () => {
  it('accepts a history where each before is the previous after, per field', () => {
    expect(brokenChains([change(1, 'limit_minor', 0, 100), change(2, 'status', 'active', 'blocked'), change(3, 'limit_minor', 100, 200)])).toEqual([]);
  });
  it('names the fields whose chain breaks', () => {
    expect(brokenChains([change(1, 'limit_minor', 0, 100), change(3, 'limit_minor', 150, 200)])).toEqual(['limit_minor']);
  });
});

describe('exposureChartOption', () => {
  it('draws limit, effective limit, exposure and overdue per day', () => {
    const point = (day: string, exposure: number) => ({
      day, limit_minor: 1000, effective_limit_minor: 1500, orders_open_minor: exposure, receivables_open_minor: 0, unapplied_credit_minor: 0, exposure_minor: exposure, overdue_minor: 7,
    });
    const option = exposureChartOption([point('2026-01-01', 10), point('2026-01-02', 20)], 'USD', 'en', {
      limit: 'Limit', effectiveLimit: 'Effective', exposure: 'Exposure', overdue: 'Overdue',
    });
    const series = option.series as { name: string; data: number[]; areaStyle?: object }[];
    expect(series.map((s) => s.name)).toEqual(['Limit', 'Effective', 'Exposure', 'Overdue']);
    expect(series[2].data).toEqual([10, 20]);
    expect(series[2].areaStyle).toBeDefined();
    expect(series[0].areaStyle).toBeUndefined();
    expect((option.xAxis as { data: string[] }).data).toEqual(['2026-01-01', '2026-01-02']);
  });
});

describe('settlementDocuments', () => {
  it('groups allocation rows by document and keeps unapplied credit', () => {
    const row = (seq: number, kind: Settlement['kind'], invoice: string | null, allocated: number, unapplied: number): Settlement => ({
      seq, time: 't', day: 'd', actor: null, kind, document_id: `D${seq}`, document_minor: 500, invoice_id: invoice, allocated_minor: allocated, unapplied_minor: unapplied, reason: null,
    });
    const documents = settlementDocuments([row(5, 'payment', 'I1', 300, 0), row(5, 'payment', 'I2', 150, 0), row(5, 'payment', null, 0, 50), row(9, 'write_off', 'I3', 500, 0)]);
    expect(documents).toHaveLength(2);
    expect(documents[0].allocations).toEqual([{ invoice_id: 'I1', amount_minor: 300 }, { invoice_id: 'I2', amount_minor: 150 }]);
    expect(documents[0].unapplied_minor).toBe(50);
    expect(documents[1].kind).toBe('write_off');
  });
});

describe('urls', () => {
  it('builds the statement and history URLs with escaped ids', () => {
    expect(statementUrl('C 1', { format: 'csv', section: 'decisions', from: '2026-01-01' })).toBe('/v1/customers/C%201/statement?format=csv&section=decisions&from=2026-01-01');
    expect(statementUrl('C1', { format: 'xlsx', from: '', to: '' })).toBe('/v1/customers/C1/statement?format=xlsx');
    expect(historyUrl('C1', 42, 20)).toBe('/v1/customers/C1/history?after=42&limit=20');
  });
});
