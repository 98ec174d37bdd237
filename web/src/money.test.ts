import { describe, expect, it } from 'vitest';
import { formatBasisPoints, formatMoney, minorDigits, parseMoney } from './money';

describe('formatMoney', () => {
  it('formats yuan from minor units in English and Chinese', () => {
    expect(formatMoney(50_000_000, 'CNY', 'en')).toBe('CN¥500,000.00');
    expect(formatMoney(50_000_000, 'CNY', 'zh-CN')).toBe('¥500,000.00');
  });
  it('keeps every cent of amounts past float precision', () => {
    // 2^53 - 1 minor units: a float division by 100 would round the cents.
    expect(formatMoney(9_007_199_254_740_991, 'USD', 'en')).toBe('$90,071,992,547,409.91');
  });
  it('formats negative amounts and currencies without minor units', () => {
    expect(formatMoney(-1_234_505, 'USD', 'en')).toBe('-$12,345.05');
    expect(formatMoney(1500, 'JPY', 'en')).toBe('¥1,500');
    expect(minorDigits('JPY')).toBe(0);
  });
  it('refuses amounts that are not integers', () => {
    expect(() => formatMoney(1.5, 'CNY', 'en')).toThrow(RangeError);
  });
});

describe('parseMoney', () => {
  it('parses typed amounts into minor units exactly', () => {
    expect(parseMoney('1,234.5', 'CNY')).toBe(123_450);
    expect(parseMoney('0.07', 'CNY')).toBe(7);
    expect(parseMoney('500000', 'CNY')).toBe(50_000_000);
    expect(parseMoney('1500', 'JPY')).toBe(1500);
  });
  it('refuses what is not an amount', () => {
    expect(parseMoney('', 'CNY')).toBeNull();
    expect(parseMoney('-5', 'CNY')).toBeNull();
    expect(parseMoney('1.234', 'CNY')).toBeNull();
    expect(parseMoney('1.5', 'JPY')).toBeNull();
    expect(parseMoney('abc', 'CNY')).toBeNull();
    expect(parseMoney('99999999999999999', 'CNY')).toBeNull();
  });
});

describe('formatBasisPoints', () => {
  it('shows basis points as percent', () => {
    expect(formatBasisPoints(8050, 'en')).toBe('80.5%');
    expect(formatBasisPoints(12000, 'zh-CN')).toBe('120%');
  });
});
