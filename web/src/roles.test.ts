import { describe, expect, it } from 'vitest';
import { atLeast, can } from './roles';

describe('role gating', () => {
  it('orders roles like the server', () => {
    expect(atLeast('admin', 'viewer')).toBe(true);
    expect(atLeast('analyst', 'credit_manager')).toBe(false);
    expect(atLeast(undefined, 'viewer')).toBe(false);
  });
  it('lets credit managers and admins change limits, not sales or viewers', () => {
    expect(can('credit_manager', 'changeLimit')).toBe(true);
    expect(can('admin', 'changeLimit')).toBe(true);
    expect(can('sales', 'changeLimit')).toBe(false);
    expect(can('viewer', 'decideHolds')).toBe(false);
    expect(can('credit_manager', 'manageUsers')).toBe(false);
  });
});
