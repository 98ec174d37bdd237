// The customer page's role gating: credit managers get the limit and status actions; sales see
// the same figures with a read-only note and no actions. The history tabs show the statement's
// limit history to analysts and above; sales get the score tab only.
import { render, screen } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthProvider } from '../auth';
import { I18nProvider } from '../i18n';
import { CustomerDetailPage } from './CustomerDetail';

vi.mock('../components/Chart', () => ({ Chart: () => <div data-testid="chart" /> }));

const kAccount = {
  customer_id: 'C1', segment: '', currency: 'CNY', status: 'active', grade: 'B', policy: 'standard',
  group_id: '', payment_terms_days: 30, review_on: null, limit_minor: 50_000_000, temporary_limits_minor: 0,
  collateral_minor: 0, effective_limit_minor: 50_000_000, orders_open_minor: 10_000_000,
  receivables_open_minor: 30_000_000, unapplied_credit_minor: 0, exposure_minor: 40_000_000,
  available_minor: 10_000_000, utilization_bp: 8000, overdue_minor: 5_000_000, oldest_days_past_due: 12,
  written_off_minor: 0, open_orders: 1, held_orders: 0, open_invoices: 1,
};

const kStatement = {
  report: 'statement',
  as_of: '2026-11-20',
  summary: [{ customer_id: 'C1', segment: null, currency: 'CNY', from: '2025-11-21', to: '2026-11-20', events: 2, opening_limit_minor: 0, closing_limit_minor: 50_000_000, opening_exposure_minor: 0, closing_exposure_minor: 40_000_000, opening_overdue_minor: 0, closing_overdue_minor: 5_000_000, invoiced_minor: 30_000_000, paid_minor: 0, credited_minor: 0, written_off_minor: 0, reconciled: 1 }],
  limit_history: [
    { seq: 1, time: '2026-01-05T08:00:00Z', day: '2026-01-05', actor: 'admin', event: 'customer_created', field: 'limit_minor', before: 0, after: 30_000_000, reason: 'account opened' },
    { seq: 7, time: '2026-06-05T08:00:00Z', day: '2026-06-05', actor: 'manager', event: 'limit_set', field: 'limit_minor', before: 30_000_000, after: 50_000_000, reason: 'annual review' },
  ],
  exposure: [],
  settlements: [],
  decisions: [],
};
const kAssessment = { score: 71, grade: 'B', last_score: null, reviewed_on: null, review_on: null, factors: [], proposal: { prepayment_only: false, limit_minor: 55_000_000, basis: 'score band B' } };

function serve(role: string) {
  const answers: Record<string, unknown> = {
    '/v1/session': { auth: 'session', username: role, role, csrf_token: 'x' },
    '/v1/customers/C1': { customer_id: 'C1', name: 'Jinhai Steel', industry: 'metals', region: 'East China', tags: [], account: kAccount },
    '/v1/customers/C1/orders': { orders: [] },
    '/v1/customers/C1/statement?format=json': kStatement,
    '/v1/customers/C1/history?after=0&limit=20': { customer_id: 'C1', entries: [], next_after: null },
    '/v1/customers/C1/assessment': kAssessment,
    '/v1/customers/C1/invoices': {
      invoices: [{ invoice_id: 'INV-1', order_id: '', customer_id: 'C1', currency: 'CNY', amount_minor: 30_000_000, open_minor: 30_000_000, issued_on: '2026-10-01', due_on: '2026-10-31', days_past_due: 12 }],
    },
  };
  vi.stubGlobal('fetch', vi.fn(async (path: string) => new Response(JSON.stringify(answers[path]), { status: 200 })));
  render(
    <I18nProvider initial="en">
      <AuthProvider>
        <MemoryRouter initialEntries={['/customers/C1']}>
          <Routes>
            <Route path="/customers/:customerId" element={<CustomerDetailPage />} />
          </Routes>
        </MemoryRouter>
      </AuthProvider>
    </I18nProvider>,
  );
}

afterEach(() => vi.unstubAllGlobals());

describe('CustomerDetailPage', () => {
  it('offers credit managers the limit and status actions', async () => {
    serve('credit_manager');
    expect(await screen.findByText('Jinhai Steel')).toBeInTheDocument();
    expect(await screen.findByTestId('change-limit')).toBeInTheDocument();
    expect(screen.queryByTestId('read-only')).toBeNull();
    expect(screen.getAllByText('CN¥400,000.00').length).toBeGreaterThan(0);
    // The limit history tab, newest first, with actor and reason.
    expect(await screen.findByText('annual review')).toBeInTheDocument();
    expect(screen.getByText('CN¥300,000.00 → CN¥500,000.00')).toBeInTheDocument();
    expect(screen.getByText('manager')).toBeInTheDocument();
  }, 120_000);  // The history table makes this page the slowest to render in jsdom.
  it('shows sales the figures read-only, without actions', async () => {
    serve('sales');
    expect(await screen.findByText('Jinhai Steel')).toBeInTheDocument();
    expect(await screen.findByTestId('read-only')).toBeInTheDocument();
    expect(screen.queryByTestId('change-limit')).toBeNull();
    expect(screen.queryByText('Change status')).toBeNull();
    expect(screen.getByText('12', { selector: '.ant-tag' })).toBeInTheDocument();
    // History needs the analyst role: sales get the note and the score only.
    expect(screen.getByText(/need the analyst role/)).toBeInTheDocument();
    expect(screen.queryByText('Limit history')).toBeNull();
    expect(await screen.findByText('71')).toBeInTheDocument();
  });
});
