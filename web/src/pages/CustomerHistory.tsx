// The customer page's history tabs: limit history, exposure over time, payments, decisions with
// reasons, the audit trail (activity feed with paging), score with its explanation, and the
// statement download. The statement and the feed need the analyst role; the score does not.
import { Alert, Button, Card, Descriptions, Empty, Input, Select, Space, Table, Tabs, Tag, Timeline, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api } from '../api';
import { useAuth } from '../auth';
import { Chart } from '../components/Chart';
import { useFormat } from '../format';
import {
  brokenChains,
  changeText,
  exposureChartOption,
  historyUrl,
  kStatementSections,
  settlementDocuments,
  statementUrl,
  type HistoryEntry,
  type HistoryPage,
  type Statement,
} from '../history';
import { useI18n, type MessageKey } from '../i18n';
import { atLeast } from '../roles';

const kHistoryPageSize = 20;

interface Assessment {
  score: number;
  grade: string;
  last_score: number | null;
  reviewed_on: string | null;
  review_on: string | null;
  factors: { factor: string; value: number | string | null; bin: number; points: number; weight: number }[];
  proposal: { prepayment_only: boolean; limit_minor: number; basis: string };
}

export function CustomerHistoryTabs({ customerId, currency, reloadKey }: { customerId: string; currency: string; reloadKey: number }) {
  const { t } = useI18n();
  const { session } = useAuth();
  const mayRead = atLeast(session?.role, 'analyst');
  const [statement, setStatement] = useState<Statement | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    if (!mayRead) return;
    api
      .get<Statement>(statementUrl(customerId, { format: 'json' }))
      .then(setStatement)
      .catch((e) => setError(e.message));
  }, [customerId, mayRead, reloadKey]);

  const items = [
    ...(mayRead
      ? [
          { key: 'limits', label: t('history.tab_limits'), children: <Loaded statement={statement} error={error}>{(s) => <LimitHistory statement={s} currency={currency} />}</Loaded> },
          { key: 'exposure', label: t('history.tab_exposure'), children: <Loaded statement={statement} error={error}>{(s) => <ExposureChart statement={s} currency={currency} />}</Loaded> },
          { key: 'payments', label: t('history.tab_payments'), children: <Loaded statement={statement} error={error}>{(s) => <Payments statement={s} currency={currency} />}</Loaded> },
          { key: 'decisions', label: t('history.tab_decisions'), children: <Loaded statement={statement} error={error}>{(s) => <Decisions statement={s} currency={currency} />}</Loaded> },
          { key: 'audit', label: t('history.tab_audit'), children: <AuditTrail customerId={customerId} currency={currency} reloadKey={reloadKey} /> },
        ]
      : []),
    { key: 'score', label: t('history.tab_score'), children: <Score customerId={customerId} currency={currency} /> },
    ...(mayRead ? [{ key: 'statement', label: t('history.tab_statement'), children: <StatementDownload customerId={customerId} statement={statement} currency={currency} /> }] : []),
  ];
  return (
    <Card>
      {!mayRead && <Alert type="info" showIcon message={t('history.analyst_only')} style={{ marginBottom: 12 }} />}
      <Tabs items={items} data-testid="history-tabs" />
    </Card>
  );
}

function Loaded({ statement, error, children }: { statement: Statement | null; error: string; children: (s: Statement) => JSX.Element }) {
  if (error) return <Alert type="error" showIcon message={error} />;
  if (!statement) return <Card loading variant="borderless" />;
  return children(statement);
}

function fieldLabel(t: (key: MessageKey) => string, field: string): string {
  const key = `history.field.${field}` as MessageKey;
  const text = t(key);
  return text === key ? field : text;
}

function LimitHistory({ statement, currency }: { statement: Statement; currency: string }) {
  const { t, locale } = useI18n();
  const format = useFormat();
  const rows = [...statement.limit_history].reverse();
  const broken = brokenChains(statement.limit_history);
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="limit-history">
      {broken.length > 0 && <Alert type="warning" showIcon message={t('history.broken_chain')} />}
      <Table
        rowKey={(r) => `${r.seq}-${r.field}`}
        size="small"
        dataSource={rows}
        pagination={{ pageSize: 15, hideOnSinglePage: true }}
        locale={{ emptyText: <Empty description={t('history.no_changes')} /> }}
        columns={[
          { title: t('history.time'), dataIndex: 'time', render: (v: string) => format.dateTime(v) },
          { title: t('history.field'), dataIndex: 'field', render: (f: string) => <Tag color="blue">{fieldLabel(t, f)}</Tag> },
          { title: t('history.change'), render: (_, r) => <span className="num">{changeText(r.field, r.before, r.after, currency, locale)}</span> },
          { title: t('history.actor'), dataIndex: 'actor', render: (a: string | null) => a ?? t('history.system') },
          { title: t('detail.reason'), dataIndex: 'reason', render: (r: string | null) => r ?? '—' },
          { title: t('history.event'), dataIndex: 'event', render: (e: string) => <Typography.Text type="secondary">{e}</Typography.Text> },
        ]}
      />
    </Space>
  );
}

function ExposureChart({ statement, currency }: { statement: Statement; currency: string }) {
  const { t, locale } = useI18n();
  const format = useFormat();
  const summary = statement.summary[0];
  const option = useMemo(
    () =>
      exposureChartOption(statement.exposure, currency, locale, {
        limit: t('detail.limit'),
        effectiveLimit: t('detail.effective_limit'),
        exposure: t('detail.exposure'),
        overdue: t('detail.overdue'),
      }),
    [statement, currency, locale, t],
  );
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Descriptions size="small" column={{ xs: 1, md: 3 }}>
        <Descriptions.Item label={t('history.window')}>
          {summary.from} – {summary.to}
        </Descriptions.Item>
        <Descriptions.Item label={t('history.opening_exposure')}>{format.money(summary.opening_exposure_minor, currency)}</Descriptions.Item>
        <Descriptions.Item label={t('history.closing_exposure')}>{format.money(summary.closing_exposure_minor, currency)}</Descriptions.Item>
      </Descriptions>
      <Chart option={option} height={320} testId="exposure-chart" />
    </Space>
  );
}

function Payments({ statement, currency }: { statement: Statement; currency: string }) {
  const { t } = useI18n();
  const format = useFormat();
  const documents = settlementDocuments(statement.settlements).reverse();
  const summary = statement.summary[0];
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="payments">
      <Descriptions size="small" column={{ xs: 1, md: 4 }}>
        <Descriptions.Item label={t('history.invoiced')}>{format.money(summary.invoiced_minor, currency)}</Descriptions.Item>
        <Descriptions.Item label={t('history.paid')}>{format.money(summary.paid_minor, currency)}</Descriptions.Item>
        <Descriptions.Item label={t('history.credited')}>{format.money(summary.credited_minor, currency)}</Descriptions.Item>
        <Descriptions.Item label={t('history.written_off')}>{format.money(summary.written_off_minor, currency)}</Descriptions.Item>
      </Descriptions>
      <Table
        rowKey="seq"
        size="small"
        dataSource={documents}
        pagination={{ pageSize: 15, hideOnSinglePage: true }}
        columns={[
          { title: t('history.time'), dataIndex: 'time', render: (v: string) => format.dateTime(v) },
          { title: t('history.kind'), dataIndex: 'kind', render: (k: string) => <Tag>{t(`history.kind.${k}` as MessageKey)}</Tag> },
          { title: t('history.document'), dataIndex: 'document_id' },
          { title: t('invoices.amount'), align: 'right', render: (_, d) => <span className="num">{format.money(d.amount_minor, currency)}</span> },
          {
            title: t('history.allocations'),
            render: (_, d) =>
              d.allocations.map((a) => (
                <div key={a.invoice_id} className="num">
                  {a.invoice_id}: {format.money(a.amount_minor, currency)}
                </div>
              )),
          },
          { title: t('detail.unapplied_credit'), align: 'right', render: (_, d) => <span className="num">{format.money(d.unapplied_minor, currency)}</span> },
          { title: t('history.actor'), dataIndex: 'actor', render: (a: string | null) => a ?? t('history.system') },
        ]}
      />
    </Space>
  );
}

const kOutcomeColors: Record<string, string> = {
  approved: 'green',
  approved_with_warning: 'gold',
  held: 'orange',
  rejected: 'red',
  released: 'green',
  refused: 'red',
  cancelled: 'default',
  expired: 'default',
  requested: 'blue',
};

function Decisions({ statement, currency }: { statement: Statement; currency: string }) {
  const { t } = useI18n();
  const format = useFormat();
  const rows = [...statement.decisions].reverse();
  return (
    <Table
      rowKey={(r) => `${r.seq}-${r.kind}-${r.subject_id}`}
      size="small"
      dataSource={rows}
      data-testid="decisions"
      pagination={{ pageSize: 15, hideOnSinglePage: true }}
      columns={[
        { title: t('history.time'), dataIndex: 'time', render: (v: string) => format.dateTime(v) },
        { title: t('history.kind'), dataIndex: 'kind', render: (k: string) => t(`history.decision.${k}` as MessageKey) },
        { title: t('history.subject'), dataIndex: 'subject_id', render: (s: string | null) => s ?? '—' },
        { title: t('history.outcome'), dataIndex: 'outcome', render: (o: string) => <Tag color={kOutcomeColors[o] ?? 'default'}>{o}</Tag> },
        {
          title: t('history.reasons'),
          render: (_, r) => (
            <Space size={[4, 4]} wrap>
              {(r.reasons ?? '')
                .split(',')
                .filter(Boolean)
                .map((code) => (
                  <Tag key={code} color="volcano">
                    {code}
                  </Tag>
                ))}
              {r.reason && <Typography.Text>{r.reason}</Typography.Text>}
            </Space>
          ),
        },
        { title: t('invoices.amount'), align: 'right', render: (_, r) => <span className="num">{format.money(r.amount_minor, currency)}</span> },
        { title: t('history.actor'), dataIndex: 'actor', render: (a: string | null) => a ?? t('history.system') },
      ]}
    />
  );
}

function AuditTrail({ customerId, currency, reloadKey }: { customerId: string; currency: string; reloadKey: number }) {
  const { t, locale } = useI18n();
  const format = useFormat();
  const [entries, setEntries] = useState<HistoryEntry[]>([]);
  const [next, setNext] = useState<number | null>(0);
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(false);

  const loadPage = useCallback(
    (after: number, replace: boolean) => {
      setLoading(true);
      api
        .get<HistoryPage>(historyUrl(customerId, after, kHistoryPageSize))
        .then((page) => {
          setEntries((old) => (replace ? page.entries : [...old, ...page.entries]));
          setNext(page.next_after);
        })
        .catch((e) => setError(e.message))
        .finally(() => setLoading(false));
    },
    [customerId],
  );
  useEffect(() => loadPage(0, true), [loadPage, reloadKey]);

  if (error) return <Alert type="error" showIcon message={error} />;
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="audit-trail">
      <Timeline
        items={entries.map((entry) => ({
          key: `${entry.seq}-${entry.segment}`,
          color: entry.changes.some((c) => c.field === 'limit_minor' || c.field === 'status') ? 'red' : 'blue',
          children: (
            <Space direction="vertical" size={0}>
              <Space wrap>
                <Typography.Text strong>#{entry.seq}</Typography.Text>
                <Tag>{entry.type}</Tag>
                <Typography.Text type="secondary">{format.dateTime(entry.time)}</Typography.Text>
                <Typography.Text>{entry.actor || t('history.system')}</Typography.Text>
                {entry.segment && <Tag color="geekblue">{entry.segment}</Tag>}
              </Space>
              {entry.summary && <Typography.Text type="secondary">{entry.summary}</Typography.Text>}
              {entry.changes.map((c) => (
                <Typography.Text key={c.field} className="num">
                  {fieldLabel(t, c.field)}: {changeText(c.field, c.before, c.after, currency, locale)}
                </Typography.Text>
              ))}
            </Space>
          ),
        }))}
      />
      {next !== null && (
        <Button loading={loading} onClick={() => loadPage(next, false)} data-testid="history-more">
          {t('history.more')}
        </Button>
      )}
      {next === null && entries.length > 0 && <Typography.Text type="secondary">{t('history.end')}</Typography.Text>}
    </Space>
  );
}

function Score({ customerId, currency }: { customerId: string; currency: string }) {
  const { t } = useI18n();
  const format = useFormat();
  const [assessment, setAssessment] = useState<Assessment | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api
      .get<Assessment>(`/v1/customers/${encodeURIComponent(customerId)}/assessment`)
      .then(setAssessment)
      .catch((e) => setError(e.message));
  }, [customerId]);
  if (error) return <Alert type="error" showIcon message={error} />;
  if (!assessment) return <Card loading variant="borderless" />;
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="score">
      <Descriptions size="small" column={{ xs: 1, md: 4 }}>
        <Descriptions.Item label={t('history.score')}>
          <Typography.Text strong>{assessment.score}</Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('customers.grade')}>
          <Tag>{assessment.grade}</Tag>
        </Descriptions.Item>
        <Descriptions.Item label={t('history.last_score')}>{assessment.last_score ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('history.proposal')}>
          {assessment.proposal.prepayment_only ? t('status.prepayment_only') : format.money(assessment.proposal.limit_minor, currency)}
        </Descriptions.Item>
      </Descriptions>
      <Typography.Text type="secondary">{assessment.proposal.basis}</Typography.Text>
      <Table
        rowKey="factor"
        size="small"
        pagination={false}
        dataSource={assessment.factors}
        columns={[
          { title: t('history.factor'), dataIndex: 'factor' },
          { title: t('history.value'), dataIndex: 'value', render: (v) => (v === null ? '—' : String(v)) },
          { title: t('history.points'), dataIndex: 'points', align: 'right' },
          { title: t('history.weight'), dataIndex: 'weight', align: 'right' },
        ]}
      />
    </Space>
  );
}

function StatementDownload({ customerId, statement, currency }: { customerId: string; statement: Statement | null; currency: string }) {
  const { t } = useI18n();
  const format = useFormat();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [section, setSection] = useState<string>('limit_history');
  const summary = statement?.summary[0];
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="statement-download">
      {summary && (
        <Descriptions size="small" bordered column={{ xs: 1, md: 2 }}>
          <Descriptions.Item label={t('history.window')}>
            {summary.from} – {summary.to}
          </Descriptions.Item>
          <Descriptions.Item label={t('history.events')}>{summary.events}</Descriptions.Item>
          <Descriptions.Item label={t('history.opening_limit')}>{format.money(summary.opening_limit_minor, currency)}</Descriptions.Item>
          <Descriptions.Item label={t('history.closing_limit')}>{format.money(summary.closing_limit_minor, currency)}</Descriptions.Item>
          <Descriptions.Item label={t('history.opening_exposure')}>{format.money(summary.opening_exposure_minor, currency)}</Descriptions.Item>
          <Descriptions.Item label={t('history.closing_exposure')}>{format.money(summary.closing_exposure_minor, currency)}</Descriptions.Item>
          <Descriptions.Item label={t('history.opening_overdue')}>{format.money(summary.opening_overdue_minor, currency)}</Descriptions.Item>
          <Descriptions.Item label={t('history.closing_overdue')}>{format.money(summary.closing_overdue_minor, currency)}</Descriptions.Item>
        </Descriptions>
      )}
      <Space wrap>
        <Input type="date" value={from} onChange={(e) => setFrom(e.target.value)} addonBefore={t('history.from')} data-testid="statement-from" />
        <Input type="date" value={to} onChange={(e) => setTo(e.target.value)} addonBefore={t('history.to')} data-testid="statement-to" />
      </Space>
      <Space wrap>
        <Button type="primary" href={statementUrl(customerId, { format: 'xlsx', from, to })} data-testid="download-xlsx">
          {t('history.download_xlsx')}
        </Button>
        <Select value={section} onChange={setSection} style={{ minWidth: 180 }} options={kStatementSections.map((s) => ({ value: s, label: t(`history.section.${s}` as MessageKey) }))} />
        <Button href={statementUrl(customerId, { format: 'csv', section, from, to })} data-testid="download-csv">
          {t('history.download_csv')}
        </Button>
      </Space>
    </Space>
  );
}
