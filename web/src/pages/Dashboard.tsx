// The dashboard, the landing page: key figures of the portfolio and the work waiting (held
// orders, pending limit requests, unacknowledged alerts), and charts of utilization, aging,
// grades, the daily trend and the largest exposures. Portfolio figures come from the reports,
// which need the analyst role; other roles see the work figures and a note instead.
import {
  AlertOutlined,
  AuditOutlined,
  BankOutlined,
  FieldTimeOutlined,
  FundOutlined,
  StopOutlined,
  TeamOutlined,
  WalletOutlined,
} from '@ant-design/icons';
import { Alert, Card, Col, Empty, Result, Row, Segmented, Skeleton, Space, Statistic, Table, Typography } from 'antd';
import type { EChartsOption } from 'echarts';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../api';
import { useAuth } from '../auth';
import { errorText } from '../codes';
import { Chart } from '../components/Chart';
import { useI18n, type MessageKey } from '../i18n';
import { formatMoney, formatMoneyCompact, minorDigits } from '../money';
import { agingBuckets, bandCounts, currenciesOf, gradeRows, kBands, mainCurrency, majorUnits, overdueMinor, trendSeries, type Row as ReportRow } from '../reports';
import { mayDo } from '../roles';

interface Reports {
  portfolio: { totals: ReportRow[]; utilization_bands: ReportRow[]; by_grade: ReportRow[] };
  aging: { totals: ReportRow[] };
  concentration: { summary: ReportRow[]; top: ReportRow[] };
  trend: { days: ReportRow[] };
}

interface Work {
  holds: number;
  requests: number | string;
  alerts: number | string;
}

const kCountPage = 500; // The API's largest page; more shows as "500+".
const kBandColors = ['#bfbfbf', '#52c41a', '#a0d911', '#faad14', '#fa8c16', '#f5222d'];

function Figure({ title, value, icon, color, testId, to }: { title: string; value: ReactNode; icon: ReactNode; color: string; testId: string; to?: string }) {
  const navigate = useNavigate();
  return (
    <Card className={`figure-tile${to ? ' clickable' : ''}`} onClick={to ? () => navigate(to) : undefined} data-testid={testId}>
      <Space align="start" size={14}>
        <span className="figure-icon" style={{ background: `${color}1a`, color }}>
          {icon}
        </span>
        <Statistic title={title} value={value as string} />
      </Space>
    </Card>
  );
}

export function DashboardPage() {
  const { t, locale } = useI18n();
  const { session } = useAuth();
  const analyst = mayDo(session?.role, 'readReports');
  const [work, setWork] = useState<Work | null>(null);
  const [reports, setReports] = useState<Reports | null>(null);
  const [error, setError] = useState('');
  const [currency, setCurrency] = useState('');

  useEffect(() => {
    const count = (items: unknown[], more: unknown) => (more ? `${kCountPage}+` : items.length);
    Promise.all([
      api.get<{ total: number }>('/v1/holds?limit=1'),
      api.get<{ limit_requests: unknown[]; next_page_token: string | null }>(`/v1/limit-requests?status=pending&limit=${kCountPage}`),
      api.get<{ alerts: unknown[]; next_after_id: number | null }>(`/v1/alerts?acknowledged=false&limit=${kCountPage}`),
    ])
      .then(([holds, requests, alerts]) =>
        setWork({ holds: holds.total, requests: count(requests.limit_requests, requests.next_page_token), alerts: count(alerts.alerts, alerts.next_after_id) }),
      )
      .catch((e) => setError(errorText(locale, e)));
    if (!analyst) return;
    const get = <T,>(name: string, query = '') => api.get<T>(`/v1/reports/${name}?format=json${query}`);
    Promise.all([
      get<Reports['portfolio']>('portfolio'),
      get<Reports['aging']>('aging', '&limit=1'),
      get<Reports['concentration']>('concentration'),
      get<Reports['trend']>('trend', '&days=365'),
    ])
      .then(([portfolio, aging, concentration, trend]) => {
        setReports({ portfolio, aging, concentration, trend });
        setCurrency((current) => current || mainCurrency(portfolio.totals));
      })
      .catch((e) => setError(errorText(locale, e)));
    // Reload only when the role changes; the language only changes labels.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [analyst]);

  const totals = reports?.portfolio.totals.find((r) => r.currency === currency);
  const money = (minor: number | undefined) => (minor === undefined || !currency ? '—' : formatMoneyCompact(minor, currency, locale));
  const fullMoney = (minor: number) => formatMoney(minor, currency, locale);
  const axisMoney = (value: number) => formatMoneyCompact(Math.round(value * 10 ** minorDigits(currency)), currency, locale);

  const charts = useMemo(() => {
    if (!reports || !currency) return null;
    const bands = bandCounts(reports.portfolio.utilization_bands, currency);
    const aging = agingBuckets(reports.aging.totals, currency).map((m) => majorUnits(m, currency));
    const grades = gradeRows(reports.portfolio.by_grade, currency);
    const trend = trendSeries(reports.trend.days, currency);
    const top = reports.concentration.top.filter((r) => r.currency === currency);
    const utilization: EChartsOption = {
      tooltip: { trigger: 'axis' },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: kBands.map((b) => t(`band.${b}` as MessageKey)), axisLabel: { interval: 0 } },
      yAxis: { type: 'value', name: t('dash.accounts'), minInterval: 1 },
      series: [{ type: 'bar', barWidth: '55%', data: bands.map((value, i) => ({ value, itemStyle: { color: kBandColors[i], borderRadius: [4, 4, 0, 0] } })) }],
    };
    const agingOption: EChartsOption = {
      tooltip: { trigger: 'axis', valueFormatter: (v) => axisMoney(Number(v)) },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: ['current', '1_30', '31_60', '61_90', 'over_90'].map((b) => t(`aging.${b}` as MessageKey)), axisLabel: { interval: 0 } },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => axisMoney(v) } },
      series: [
        {
          type: 'bar',
          barWidth: '55%',
          data: aging.map((value, i) => ({ value, itemStyle: { color: ['#1554ad', '#faad14', '#fa8c16', '#f5222d', '#a8071a'][i], borderRadius: [4, 4, 0, 0] } })),
        },
      ],
    };
    const gradeOption: EChartsOption = {
      tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
      series: [
        {
          type: 'pie',
          radius: ['42%', '68%'],
          center: ['50%', '50%'],
          itemStyle: { borderColor: '#fff', borderWidth: 2 },
          label: { formatter: '{b}\n{c}' },
          data: grades.map((g) => ({ name: `${t('customers.grade')} ${g.name}`, value: Number(g.accounts) })),
        },
      ],
    };
    const trendOption: EChartsOption = {
      tooltip: { trigger: 'axis', valueFormatter: (v) => axisMoney(Number(v)) },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: trend.days, boundaryGap: false },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => axisMoney(v) } },
      series: [
        { name: t('customers.limit'), type: 'line', showSymbol: false, data: trend.limit.map((m) => majorUnits(m, currency)), lineStyle: { type: 'dashed' } },
        { name: t('customers.exposure'), type: 'line', showSymbol: false, areaStyle: { opacity: 0.12 }, data: trend.exposure.map((m) => majorUnits(m, currency)) },
        { name: t('detail.overdue'), type: 'line', showSymbol: false, data: trend.overdue.map((m) => majorUnits(m, currency)), color: '#f5222d' },
      ],
    };
    return { utilization, agingOption, gradeOption, trendOption, top, trendPoints: trend.days.length };
    // axisMoney and t depend on locale and currency only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [reports, currency, locale]);

  const currencies = reports ? currenciesOf(reports.portfolio.totals) : [];
  const agingTotals = reports?.aging.totals ?? [];
  const chartCard = (title: string, testId: string, body: ReactNode, extra?: ReactNode) => (
    <Card title={title} extra={extra} className="chart-card" data-testid={testId}>
      {body}
    </Card>
  );

  return (
    <div className="dashboard">
      <div className="page-title">
        <Space direction="vertical" size={0}>
          <Typography.Title level={3}>{t('dash.title')}</Typography.Title>
          <Typography.Text type="secondary">{t('dash.subtitle')}</Typography.Text>
        </Space>
        {currencies.length > 1 && (
          <Segmented aria-label={t('dash.currency')} value={currency} onChange={(v) => setCurrency(String(v))} options={currencies} data-testid="dash-currency" />
        )}
      </div>
      {error && <Alert type="error" showIcon message={t('common.error')} description={error} style={{ marginBottom: 16 }} />}
      <Row gutter={[16, 16]}>
        {analyst && (
          <>
            <Col xs={24} sm={12} xl={6}>
              <Figure testId="fig-customers" title={t('dash.accounts_total')} value={totals ? Number(totals.accounts) : '—'} icon={<TeamOutlined />} color="#1554ad" to="/customers" />
            </Col>
            <Col xs={24} sm={12} xl={6}>
              <Figure testId="fig-limits" title={t('dash.total_limits')} value={money(totals?.limit_minor as number)} icon={<BankOutlined />} color="#722ed1" />
            </Col>
            <Col xs={24} sm={12} xl={6}>
              <Figure testId="fig-exposure" title={t('customers.exposure')} value={money(totals?.exposure_minor as number)} icon={<FundOutlined />} color="#13c2c2" />
            </Col>
            <Col xs={24} sm={12} xl={6}>
              <Figure testId="fig-available" title={t('customers.available')} value={money(totals?.available_minor as number)} icon={<WalletOutlined />} color="#52c41a" />
            </Col>
            <Col xs={24} sm={12} xl={6}>
              <Figure testId="fig-overdue" title={t('detail.overdue')} value={reports ? money(overdueMinor(agingTotals, currency)) : '—'} icon={<FieldTimeOutlined />} color="#f5222d" to="/reports?report=overdue" />
            </Col>
          </>
        )}
        <Col xs={24} sm={12} xl={6}>
          <Figure testId="fig-holds" title={t('dash.held_orders')} value={work?.holds ?? '—'} icon={<StopOutlined />} color="#fa8c16" to="/holds" />
        </Col>
        <Col xs={24} sm={12} xl={6}>
          <Figure testId="fig-requests" title={t('dash.pending_requests')} value={work?.requests ?? '—'} icon={<AuditOutlined />} color="#2f54eb" to="/limit-requests?status=pending" />
        </Col>
        <Col xs={24} sm={12} xl={6}>
          <Figure testId="fig-alerts" title={t('dash.open_alerts')} value={work?.alerts ?? '—'} icon={<AlertOutlined />} color="#eb2f96" to="/alerts?acknowledged=false" />
        </Col>
      </Row>

      {!analyst && (
        <Card style={{ marginTop: 16 }}>
          <div data-testid="dash-analyst-only">
            <Result status="info" title={t('dash.analyst_only_title')} subTitle={t('dash.analyst_only')} />
          </div>
        </Card>
      )}

      {analyst && !charts && !error && (
        <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
          {[0, 1, 2, 3].map((i) => (
            <Col xs={24} lg={12} key={i}>
              <Card>
                <Skeleton active paragraph={{ rows: 6 }} />
              </Card>
            </Col>
          ))}
        </Row>
      )}

      {analyst && charts && (
        <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
          <Col xs={24}>
            {chartCard(
              t('dash.trend'),
              'chart-trend',
              charts.trendPoints > 1 ? <Chart option={charts.trendOption} height={300} testId="trend-chart" /> : <Empty description={t('dash.trend_empty')} />,
              <Typography.Text type="secondary">{t('dash.trend_points', { count: charts.trendPoints })}</Typography.Text>,
            )}
          </Col>
          <Col xs={24} lg={12}>
            {chartCard(t('dash.utilization'), 'chart-utilization', <Chart option={charts.utilization} testId="utilization-chart" />)}
          </Col>
          <Col xs={24} lg={12}>
            {chartCard(t('dash.aging'), 'chart-aging', <Chart option={charts.agingOption} testId="aging-chart" />, <Link to="/reports?report=aging">{t('dash.details')}</Link>)}
          </Col>
          <Col xs={24} lg={10}>
            {chartCard(t('dash.grades'), 'chart-grades', charts.gradeOption && <Chart option={charts.gradeOption} height={300} testId="grade-chart" />)}
          </Col>
          <Col xs={24} lg={14}>
            {chartCard(
              t('dash.top_exposures'),
              'top-exposures',
              <Table
                rowKey={(r) => `${r.customer_id}/${r.segment}`}
                size="small"
                pagination={false}
                dataSource={charts.top}
                locale={{ emptyText: <Empty description={t('common.no_data')} /> }}
                columns={[
                  { title: '#', dataIndex: 'rank', width: 44 },
                  { title: t('customers.name'), dataIndex: 'customer_id', render: (id: string) => <Link to={`/customers/${id}`}>{id}</Link> },
                  { title: t('customers.exposure'), dataIndex: 'exposure_minor', align: 'right', render: (m: number) => <span className="num">{fullMoney(m)}</span> },
                  {
                    title: t('dash.share'),
                    dataIndex: 'share_bp',
                    width: 160,
                    render: (bp: number) => (
                      <div className="share-bar">
                        <div style={{ width: `${Math.min(100, bp / 100)}%` }} />
                        <span className="num">{(bp / 100).toFixed(1)}%</span>
                      </div>
                    ),
                  },
                ]}
              />,
              <Link to="/reports?report=concentration">{t('dash.details')}</Link>,
            )}
          </Col>
        </Row>
      )}
    </div>
  );
}
