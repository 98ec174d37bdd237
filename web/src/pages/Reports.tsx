// Reports (analyst and up): each report's sections as sortable tables with a chart, each section
// as CSV and the whole report as XLSX; entity exports; and CSV import for credit managers, which
// shows what was imported or every bad row with its line number.
import { DownloadOutlined, FileExcelOutlined, InboxOutlined, UploadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Empty, Form, Result, Row, Select, Space, Statistic, Table, Tabs, Typography, Upload, message } from 'antd';
import type { EChartsOption } from 'echarts';
import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api, ApiError, upload } from '../api';
import { useAuth } from '../auth';
import { errorText } from '../codes';
import { Chart } from '../components/Chart';
import { useI18n, type MessageKey } from '../i18n';
import { formatMoneyCompact, minorDigits } from '../money';
import {
  agingBuckets,
  bandCounts,
  columnKind,
  columnsOf,
  compareCells,
  currenciesOf,
  formatCell,
  kBands,
  kReports,
  kSections,
  majorUnits,
  mainCurrency,
  reportUrl,
  trendSeries,
  type ReportName,
  type Row as ReportRow,
} from '../reports';
import { mayDo } from '../roles';

type ReportData = { report: string; as_of: string } & Record<string, ReportRow[]>;

// Per report, the query the page asks with (a year of trend, a longer overdue list).
const kQueries: Partial<Record<ReportName, string>> = { trend: '&days=365', overdue: '&limit=200', aging: '&limit=100' };

function columnTitle(t: (key: MessageKey) => string, column: string): string {
  const key = `col.${column}` as MessageKey;
  const text = t(key);
  return text === key ? column : text;
}

export function SectionTable({ rows, testId }: { rows: ReportRow[]; testId?: string }) {
  const { t, locale } = useI18n();
  const columns = columnsOf(rows);
  return (
    <div data-testid={testId}>
      <Table
        size="small"
        rowKey={(_, i) => String(i)}
        dataSource={rows}
        scroll={{ x: 'max-content' }}
        pagination={rows.length > 15 ? { pageSize: 15, showSizeChanger: true, pageSizeOptions: [15, 50, 100] } : false}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('common.no_data')} /> }}
        columns={columns.map((column) => {
          const numeric = ['money', 'percent', 'number'].includes(columnKind(column));
          return {
            title: columnTitle(t, column),
            dataIndex: column,
            align: numeric ? ('right' as const) : undefined,
            sorter: (a: ReportRow, b: ReportRow) => compareCells(a, b, column),
            render: (_: unknown, row: ReportRow) =>
              column === 'band' ? t(`band.${row.band}` as MessageKey) : <span className={numeric ? 'num' : undefined}>{formatCell(row, column, locale)}</span>,
          };
        })}
      />
    </div>
  );
}

function ReportChart({ name, data, currency }: { name: ReportName; data: ReportData; currency: string }) {
  const { t, locale } = useI18n();
  const axisMoney = (v: number) => formatMoneyCompact(Math.round(v * 10 ** minorDigits(currency)), currency, locale);
  const option = useMemo<EChartsOption | null>(() => {
    const grid = { left: 8, right: 24, top: 40, bottom: 8, containLabel: true };
    if (name === 'portfolio') {
      return {
        tooltip: { trigger: 'axis' },
        grid,
        xAxis: { type: 'category', data: kBands.map((b) => t(`band.${b}` as MessageKey)), axisLabel: { interval: 0 } },
        yAxis: { type: 'value', minInterval: 1, name: t('dash.accounts') },
        series: [{ type: 'bar', barWidth: '50%', data: bandCounts(data.utilization_bands ?? [], currency), itemStyle: { color: '#1554ad', borderRadius: [4, 4, 0, 0] } }],
      };
    }
    if (name === 'aging') {
      return {
        tooltip: { trigger: 'axis', valueFormatter: (v) => axisMoney(Number(v)) },
        grid,
        xAxis: { type: 'category', data: ['current', '1_30', '31_60', '61_90', 'over_90'].map((b) => t(`aging.${b}` as MessageKey)), axisLabel: { interval: 0 } },
        yAxis: { type: 'value', axisLabel: { formatter: (v: number) => axisMoney(v) } },
        series: [{ type: 'bar', barWidth: '50%', data: agingBuckets(data.totals ?? [], currency).map((m) => majorUnits(m, currency)), itemStyle: { color: '#fa8c16', borderRadius: [4, 4, 0, 0] } }],
      };
    }
    if (name === 'concentration') {
      const top = (data.top ?? []).filter((r) => r.currency === currency);
      return {
        tooltip: { trigger: 'axis', valueFormatter: (v) => axisMoney(Number(v)) },
        grid,
        xAxis: { type: 'value', axisLabel: { formatter: (v: number) => axisMoney(v) } },
        yAxis: { type: 'category', inverse: true, data: top.map((r) => String(r.customer_id)) },
        series: [{ type: 'bar', data: top.map((r) => majorUnits(Number(r.exposure_minor), currency)), itemStyle: { color: '#13c2c2', borderRadius: [0, 4, 4, 0] } }],
      };
    }
    if (name === 'trend') {
      const s = trendSeries(data.days ?? [], currency);
      return {
        tooltip: { trigger: 'axis', valueFormatter: (v) => axisMoney(Number(v)) },
        legend: { top: 0 },
        grid,
        xAxis: { type: 'category', data: s.days, boundaryGap: false },
        yAxis: { type: 'value', axisLabel: { formatter: (v: number) => axisMoney(v) } },
        series: [
          { name: t('customers.limit'), type: 'line', showSymbol: false, data: s.limit.map((m) => majorUnits(m, currency)), lineStyle: { type: 'dashed' } },
          { name: t('customers.exposure'), type: 'line', showSymbol: false, areaStyle: { opacity: 0.12 }, data: s.exposure.map((m) => majorUnits(m, currency)) },
          { name: t('col.receivables_minor'), type: 'line', showSymbol: false, data: s.receivables.map((m) => majorUnits(m, currency)) },
          { name: t('detail.overdue'), type: 'line', showSymbol: false, data: s.overdue.map((m) => majorUnits(m, currency)), color: '#f5222d' },
        ],
      };
    }
    return null;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [name, data, currency, locale]);
  if (!option) return null;
  return (
    <Card size="small" style={{ marginBottom: 16 }}>
      <Chart option={option} height={name === 'trend' ? 320 : 260} testId={`report-chart-${name}`} />
    </Card>
  );
}

function ReportView({ name }: { name: ReportName }) {
  const { t, locale } = useI18n();
  const [data, setData] = useState<ReportData | null>(null);
  const [error, setError] = useState('');
  const [currency, setCurrency] = useState('');
  useEffect(() => {
    setData(null);
    setError('');
    api
      .get<ReportData>(`${reportUrl(name, 'json')}${kQueries[name] ?? ''}`)
      .then((d) => {
        setData(d);
        const first = d[kSections[name][0]] ?? [];
        setCurrency(mainCurrency(d.totals ?? d.summary ?? first) || currenciesOf(first)[0] || '');
      })
      .catch((e) => setError(errorText(locale, e)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [name]);
  if (error) return <Alert type="error" showIcon message={t('common.error')} description={error} />;
  if (!data) return <Card loading />;
  const currencies = currenciesOf(kSections[name].flatMap((s) => data[s] ?? []));
  return (
    <div data-testid={`report-${name}`}>
      <div className="report-toolbar">
        <Space>
          <Typography.Text type="secondary">{t('reports.as_of', { date: data.as_of })}</Typography.Text>
          {currencies.length > 1 && <Select size="small" value={currency} onChange={setCurrency} options={currencies.map((c) => ({ value: c, label: c }))} style={{ width: 90 }} />}
        </Space>
        <Button icon={<FileExcelOutlined />} href={reportUrl(name, 'xlsx')} download={`${name}.xlsx`} data-testid={`xlsx-${name}`}>
          {t('reports.xlsx')}
        </Button>
      </div>
      <ReportChart name={name} data={data} currency={currency} />
      {kSections[name].map((section) => (
        <Card
          key={section}
          size="small"
          title={t(`section.${section}` as MessageKey)}
          style={{ marginBottom: 16 }}
          extra={
            <Button size="small" type="link" icon={<DownloadOutlined />} href={reportUrl(name, 'csv', section)} download={`${name}-${section}.csv`} data-testid={`csv-${name}-${section}`}>
              CSV
            </Button>
          }
        >
          <SectionTable rows={data[section] ?? []} testId={`table-${name}-${section}`} />
        </Card>
      ))}
    </div>
  );
}

interface ImportOk {
  entity: string;
  rows: number;
  imported: number;
  unchanged: number;
}
interface BadRow {
  line: number;
  field: string | null;
  message: string;
}

function ExportImport() {
  const { t, locale } = useI18n();
  const { session } = useAuth();
  const mayImport = mayDo(session?.role, 'importData');
  const [entity, setEntity] = useState('customers');
  const [encoding, setEncoding] = useState('auto');
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ImportOk | null>(null);
  const [bad, setBad] = useState<{ count: number; rows: BadRow[] } | null>(null);
  const [error, setError] = useState('');

  const send = async () => {
    if (!file) return;
    setBusy(true);
    setResult(null);
    setBad(null);
    setError('');
    try {
      const query = new URLSearchParams({ entity, encoding });
      setResult(await upload<ImportOk>(`/v1/imports?${query}`, file, 'text/csv'));
      message.success(t('import.done'));
    } catch (e) {
      const details = (e as { details?: { bad_rows?: number; rows?: BadRow[] } }).details;
      if (e instanceof ApiError && e.code === 'import_rejected' && details?.rows) setBad({ count: details.bad_rows ?? details.rows.length, rows: details.rows });
      else setError(errorText(locale, e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={9}>
        <Card title={t('export.title')} size="small">
          <Typography.Paragraph type="secondary">{t('export.help')}</Typography.Paragraph>
          <Space direction="vertical" style={{ width: '100%' }}>
            {['customers', 'limits', 'invoices'].map((e) => (
              <Button key={e} block icon={<DownloadOutlined />} href={`/v1/exports/${e}`} download={`${e}.csv`} data-testid={`export-${e}`}>
                {t(`entity.${e}` as MessageKey)}
              </Button>
            ))}
          </Space>
        </Card>
      </Col>
      <Col xs={24} lg={15}>
        <Card title={t('import.title')} size="small">
          {!mayImport ? (
            <Alert type="info" showIcon message={t('import.manager_only')} />
          ) : (
            <>
              <Form layout="inline" style={{ marginBottom: 12 }}>
                <Form.Item label={t('import.entity')}>
                  <span data-testid="import-entity">
                    <Select value={entity} onChange={setEntity} style={{ width: 150 }} options={['customers', 'limits', 'invoices', 'payments'].map((e) => ({ value: e, label: t(`entity.${e}` as MessageKey) }))} />
                  </span>
                </Form.Item>
                <Form.Item label={t('import.encoding')}>
                  <Select
                    value={encoding}
                    onChange={setEncoding}
                    style={{ width: 190 }}
                    options={[
                      { value: 'auto', label: t('import.auto') },
                      { value: 'utf-8', label: 'UTF-8' },
                      { value: 'gbk', label: 'GBK' },
                      { value: 'gb18030', label: 'GB18030' },
                    ]}
                  />
                </Form.Item>
              </Form>
              <div data-testid="import-file">
                <Upload.Dragger
                  accept=".csv,text/csv"
                  maxCount={1}
                  beforeUpload={(f) => {
                    setFile(f);
                    return false;
                  }}
                  onRemove={() => setFile(null)}
                  fileList={file ? [{ uid: '1', name: file.name, status: 'done' }] : []}
                >
                  <p className="ant-upload-drag-icon">
                    <InboxOutlined />
                  </p>
                  <p className="ant-upload-text">{t('import.drop')}</p>
                  <p className="ant-upload-hint">{t('import.hint')}</p>
                </Upload.Dragger>
              </div>
              <Button type="primary" icon={<UploadOutlined />} disabled={!file} loading={busy} onClick={send} style={{ marginTop: 12 }} data-testid="import-send">
                {t('import.send')}
              </Button>
              {result && (
                <Alert
                  style={{ marginTop: 12 }}
                  type="success"
                  showIcon
                  data-testid="import-result"
                  message={t('import.done')}
                  description={
                    <Space size="large">
                      <Statistic title={t('import.rows')} value={result.rows} />
                      <Statistic title={t('import.imported')} value={result.imported} />
                      <Statistic title={t('import.unchanged')} value={result.unchanged} />
                    </Space>
                  }
                />
              )}
              {error && <Alert style={{ marginTop: 12 }} type="error" showIcon message={error} />}
              {bad && (
                <div style={{ marginTop: 12 }} data-testid="import-bad-rows">
                  <Alert type="error" showIcon message={t('import.rejected', { count: bad.count })} style={{ marginBottom: 8 }} />
                  <Table
                    size="small"
                    rowKey={(r, i) => `${r.line}-${i}`}
                    dataSource={bad.rows}
                    pagination={bad.rows.length > 10 ? { pageSize: 10 } : false}
                    columns={[
                      { title: t('import.line'), dataIndex: 'line', width: 80 },
                      { title: t('import.field'), dataIndex: 'field', width: 140, render: (f: string | null) => f ?? t('common.none') },
                      { title: t('import.problem'), dataIndex: 'message' },
                    ]}
                  />
                </div>
              )}
            </>
          )}
        </Card>
      </Col>
    </Row>
  );
}

export function ReportsPage() {
  const { t } = useI18n();
  const { session } = useAuth();
  const [params, setParams] = useSearchParams();
  const active = params.get('report') ?? 'portfolio';
  if (!mayDo(session?.role, 'readReports')) {
    return (
      <Card>
        <Result status="403" title={t('reports.title')} subTitle={t('reports.analyst_only')} />
      </Card>
    );
  }
  return (
    <Card>
      <div className="page-title">
        <Space direction="vertical" size={0}>
          <Typography.Title level={3}>{t('reports.title')}</Typography.Title>
          <Typography.Text type="secondary">{t('reports.subtitle')}</Typography.Text>
        </Space>
      </div>
      <Tabs
        activeKey={active}
        onChange={(key) => setParams({ report: key }, { replace: true })}
        destroyInactiveTabPane
        items={[
          ...kReports.map((name) => ({ key: name, label: t(`report.${name}` as MessageKey), children: <ReportView name={name} /> })),
          { key: 'data', label: t('reports.data'), children: <ExportImport /> },
        ]}
      />
    </Card>
  );
}
