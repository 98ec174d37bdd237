import { describe, expect, it } from 'vitest';
import { checkLimitRequest, newRequestId } from './limit_requests';

const draft = { customer_id: 'C10001', currency: 'CNY', amount: '1,200,000.50', reason: 'growing orders' };

describe('checkLimitRequest', () => {
  it('builds the body of a new base limit, exactly in minor units', () => {
    const check = checkLimitRequest(draft, '2026-11-23', 'LR-1');
    expect(check).toEqual({ ok: true, body: { request_id: 'LR-1', customer_id: 'C10001', amount_minor: 120000050, currency: 'CNY', reason: 'growing orders' } });
  });
  it('adds the expiry of a temporary increase', () => {
    const check = checkLimitRequest({ ...draft, amount: '5000', expires_on: '2026-12-31' }, '2026-11-23', 'LR-2');
    expect(check.ok && check.body.expires_on).toBe('2026-12-31');
  });
  it('refuses bad input field by field', () => {
    const check = checkLimitRequest({ customer_id: 'bad id!', currency: 'CNY', amount: '1.234', reason: '  ', expires_on: '2026-11-22' }, '2026-11-23', 'LR-3');
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.errors).toEqual({ customer_id: 'requests.err_customer', amount: 'requests.err_amount', expires_on: 'requests.err_expiry', reason: 'requests.err_reason' });
    const zeroIncrease = checkLimitRequest({ ...draft, amount: '0', expires_on: '2026-12-01' }, '2026-11-23', 'LR-4');
    expect(zeroIncrease.ok).toBe(false);
    const unknownCustomer = checkLimitRequest({ ...draft, currency: '' }, '2026-11-23', 'LR-5');
    expect(!unknownCustomer.ok && unknownCustomer.errors.customer_id).toBe('requests.err_customer');
    expect(checkLimitRequest({ ...draft, amount: '-5' }, '2026-11-23', 'LR-6').ok).toBe(false);
  });
  it('makes ids the server accepts', () => {
    const id = newRequestId(new Date('2026-11-23T01:02:03Z'));
    expect(id).toMatch(/^LR-[0-9A-Z]{8}-[0-9A-Z]{2}$/);
    expect(id.startsWith('review-')).toBe(false);
  });
});
