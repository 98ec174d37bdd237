import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { alertRuleText, errorText, reasonText } from './codes';

const held = {
  amount_minor: 6000000,
  currency: 'CNY',
  account: { effective_limit_minor: 50000000, exposure_minor: 47000000, available_minor: 3000000, utilization_after_bp: 10600 },
};
const reason = { code: 'credit_limit_exceeded', message: 'the exposure after the order CNY 530,000.00 passes the limit CNY 500,000.00 (available CNY 30,000.00)' };

describe('reasonText', () => {
  it('keeps the server message in English', () => {
    expect(reasonText('en', reason, held)).toBe(reason.message);
  });
  it('says the same facts in Chinese, with the decision figures', () => {
    expect(reasonText('zh-CN', reason, held)).toBe('下单后敞口 ¥530,000.00 超过额度 ¥500,000.00（可用 ¥30,000.00）');
    expect(reasonText('zh-CN', { code: 'utilization_warning', message: 'x' }, held)).toBe('下单后额度使用率为 106%');
  });
  it('uses the text without figures when the decision has none', () => {
    expect(reasonText('zh-CN', reason)).toBe('下单后敞口超过信用额度');
    expect(reasonText('zh-CN', { code: 'account_on_hold', message: 'the account is on credit hold' })).toBe('账户处于信用冻结状态');
  });
  it('falls back to the server message for an unknown code', () => {
    expect(reasonText('zh-CN', { code: 'brand_new_rule', message: 'a new rule said no' }, held)).toBe('a new rule said no');
  });
});

describe('errorText', () => {
  it('maps known error codes in Chinese and keeps the server message in English', () => {
    const error = new ApiError(403, 'four_eyes_violation', 'the requester cannot approve their own request', 'request_id');
    expect(errorText('en', error)).toBe('the requester cannot approve their own request');
    expect(errorText('zh-CN', error)).toBe('四眼原则：不能审批自己提交的申请（字段 request_id）');
    expect(errorText('zh-CN', new ApiError(403, 'approval_tier_exceeded', 'role analyst may approve up to 50000000 minor units'))).toBe('金额超过您角色的审批权限');
  });
  it('falls back to the server message for an unknown code', () => {
    expect(errorText('zh-CN', new ApiError(418, 'teapot', 'I am a teapot'))).toBe('I am a teapot');
    expect(errorText('zh-CN', new Error('network down'))).toBe('network down');
  });
});

describe('alertRuleText', () => {
  it('names rules in both languages, unknown ones as sent', () => {
    expect(alertRuleText('en', 'hold_sla')).toBe('Hold waiting too long');
    expect(alertRuleText('zh-CN', 'invoice_overdue')).toBe('发票逾期');
    expect(alertRuleText('zh-CN', 'new_rule')).toBe('new_rule');
  });
});
