// Alerts raised by the monitoring rules: filters by rule, customer and acknowledged (kept in the
// URL), paged oldest first through the API's cursor (after_id); credit managers acknowledge.
import { CheckOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert as Banner, Button, Card, Input, Select, Space, Table, Tag, Typography, message } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../api';
import { useAuth } from '../auth';
import { alertRuleText, errorText, kAlertRuleCodes } from '../codes';
import { useFormat } from '../format';
import { useI18n } from '../i18n';
import { mayDo } from '../roles';

const kPageSize = 20;

export interface AlertRecord {
  alert_id: number;
  rule: string;
  customer_id: string;
  segment: string;
  subject_id: string;
  amount_minor: number;
  currency: string;
  value: number;
  detail: string;
  seq: number;
  time: string;
  day: string;
  acknowledged: boolean;
  acknowledged_by?: string;
  acknowledged_at?: string;
}

const kRuleColors: Record<string, string> = {
  utilization_warning: 'gold',
  utilization_exceeded: 'red',
  hold_created: 'orange',
  grade_downgrade: 'magenta',
  invoice_overdue: 'volcano',
  overdue_days: 'red',
  hold_sla: 'purple',
  temporary_limit_expiring: 'cyan',
  collateral_expiring: 'cyan',
  review_due: 'blue',
};

// What the alert's value means, per rule (docs/monitoring.md).
export function alertValueKey(rule: string): 'alerts.value_bp' | 'alerts.value_dpd' | 'alerts.value_minutes' | 'alerts.value_days_left' | 'alerts.value_steps' | null {
  if (rule === 'utilization_warning' || rule === 'utilization_exceeded') return 'alerts.value_bp';
  if (rule === 'invoice_overdue' || rule === 'overdue_days') return 'alerts.value_dpd';
  if (rule === 'hold_sla') return 'alerts.value_minutes';
  if (rule === 'temporary_limit_expiring' || rule === 'collateral_expiring' || rule === 'review_due') return 'alerts.value_days_left';
  if (rule === 'grade_downgrade') return 'alerts.value_steps';
  return null;
}

export function AlertsPage() {
  const { t, locale } = useI18n();
  const format = useFormat();
  const { session } = useAuth();
  const [params, setParams] = useSearchParams();
  const rule = params.get('rule') ?? '';
  const customer = params.get('customer_id') ?? '';
  const acknowledged = params.get('acknowledged') ?? '';
  const [cursors, setCursors] = useState<number[]>([0]);
  const [pageIndex, setPageIndex] = useState(0);
  const [alerts, setAlerts] = useState<AlertRecord[]>([]);
  const [nextAfter, setNextAfter] = useState<number | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState('');
  const [reload, setReload] = useState(0);
  const [selected, setSelected] = useState<number[]>([]);
  const mayAcknowledge = mayDo(session?.role, 'acknowledgeAlerts');

  useEffect(() => {
    setCursors([0]);
    setPageIndex(0);
  }, [rule, customer, acknowledged]);

  useEffect(() => {
    const query = new URLSearchParams({ limit: String(kPageSize) });
    if (rule) query.set('rule', rule);
    if (customer) query.set('customer_id', customer);
    if (acknowledged) query.set('acknowledged', acknowledged);
    if (cursors[pageIndex]) query.set('after_id', String(cursors[pageIndex]));
    setLoading(true);
    setError('');
    api
      .get<{ alerts: AlertRecord[]; next_after_id: number | null }>(`/v1/alerts?${query}`)
      .then((r) => {
        setAlerts(r.alerts);
        setNextAfter(r.next_after_id);
        setSelected([]);
      })
      .catch((e) => setError(errorText(locale, e)))
      .finally(() => setLoading(false));
  }, [rule, customer, acknowledged, cursors, pageIndex, reload, locale]);

  const update = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };

  const acknowledge = async (ids: number[]) => {
    let done = 0;
    for (const id of ids) {
      try {
        await api.command('POST', `/v1/alerts/${id}/acknowledge`, undefined);
        done += 1;
      } catch (e) {
        message.error(`#${id}: ${errorText(locale, e)}`);
      }
    }
    if (done) message.success(t('alerts.acknowledged_msg', { count: done }));
    setReload((n) => n + 1);
  };

  const valueText = (a: AlertRecord) => {
    const key = alertValueKey(a.rule);
    if (!key) return a.value ? String(a.value) : t('common.none');
    return t(key, { value: key === 'alerts.value_bp' ? format.percent(a.value) : a.value });
  };

  const columns: ColumnsType<AlertRecord> = [
    { title: '#', dataIndex: 'alert_id', width: 76, sorter: (a, b) => a.alert_id - b.alert_id },
    { title: t('alerts.time'), dataIndex: 'time', width: 150, render: (time: string) => format.shortDateTime(time) },
    {
      title: t('alerts.rule'),
      dataIndex: 'rule',
      width: 180,
      render: (r: string) => <Tag color={kRuleColors[r] ?? 'default'}>{alertRuleText(locale, r)}</Tag>,
    },
    {
      title: t('customers.name'),
      dataIndex: 'customer_id',
      width: 90,
      render: (id: string) => (
        <Link to={`/customers/${encodeURIComponent(id)}`} data-testid="alert-customer">
          {id}
        </Link>
      ),
    },
    { title: t('alerts.subject'), dataIndex: 'subject_id', width: 120, render: (s: string, a) => s || a.detail || t('common.none') },
    { title: t('alerts.value'), render: (_, a) => valueText(a) },
    { title: t('orders.amount'), align: 'right', width: 150, render: (_, a) => <span className="num">{format.money(a.amount_minor, a.currency)}</span>, sorter: (a, b) => a.amount_minor - b.amount_minor },
    {
      title: t('alerts.state'),
      width: 170,
      render: (_, a) =>
        a.acknowledged ? (
          <Space direction="vertical" size={0}>
            <Tag color="green">{t('alerts.acknowledged')}</Tag>
            {a.acknowledged_by && (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {a.acknowledged_by.replace(/^user:/, '')}
                {a.acknowledged_at ? ` · ${format.shortDateTime(a.acknowledged_at)}` : ''}
              </Typography.Text>
            )}
          </Space>
        ) : mayAcknowledge ? (
          <Button size="small" icon={<CheckOutlined />} onClick={() => acknowledge([a.alert_id])} data-testid={`ack-${a.alert_id}`}>
            {t('alerts.acknowledge')}
          </Button>
        ) : (
          <Tag color="orange">{t('alerts.open')}</Tag>
        ),
    },
  ];

  return (
    <Card>
      <div className="page-title">
        <Space direction="vertical" size={0}>
          <Typography.Title level={3}>{t('alerts.title')}</Typography.Title>
          <Typography.Text type="secondary">{t('alerts.subtitle')}</Typography.Text>
        </Space>
        {mayAcknowledge && (
          <Button type="primary" disabled={!selected.length} onClick={() => acknowledge(selected)} data-testid="ack-selected">
            {t('alerts.acknowledge_selected', { count: selected.length })}
          </Button>
        )}
      </div>
      <Space wrap style={{ marginBottom: 16 }}>
        <Select
          style={{ width: 220 }}
          value={rule}
          onChange={(v) => update('rule', v)}
          options={[{ value: '', label: t('alerts.all_rules') }, ...kAlertRuleCodes.map((code) => ({ value: code, label: alertRuleText(locale, code) }))]}
        />
        <Select
          style={{ width: 170 }}
          value={acknowledged}
          onChange={(v) => update('acknowledged', v)}
          data-testid="alert-ack-filter"
          options={[
            { value: '', label: t('alerts.all_states') },
            { value: 'false', label: t('alerts.open') },
            { value: 'true', label: t('alerts.acknowledged') },
          ]}
        />
        <Input.Search allowClear placeholder={t('requests.filter_customer')} defaultValue={customer} onSearch={(v) => update('customer_id', v.trim())} style={{ width: 240 }} />
        <Button icon={<ReloadOutlined />} onClick={() => setReload((n) => n + 1)}>
          {t('common.refresh')}
        </Button>
      </Space>
      {error && <Banner type="error" showIcon message={t('common.error')} description={error} style={{ marginBottom: 16 }} />}
      <Table
        rowKey="alert_id"
        size="middle"
        tableLayout="fixed"
        loading={loading}
        dataSource={alerts}
        columns={columns}
        pagination={false}
        scroll={{ x: 1080 }}
        locale={{ emptyText: t('alerts.empty') }}
        rowSelection={mayAcknowledge ? { selectedRowKeys: selected, onChange: (keys) => setSelected(keys as number[]), getCheckboxProps: (a) => ({ disabled: a.acknowledged }) } : undefined}
      />
      <div className="pager">
        <Typography.Text type="secondary">{t('customers.page', { page: pageIndex + 1 })}</Typography.Text>
        <Space>
          <Button disabled={pageIndex === 0} onClick={() => setPageIndex(0)}>
            {t('customers.first')}
          </Button>
          <Button
            disabled={nextAfter === null}
            onClick={() => {
              if (nextAfter === null) return;
              setCursors((all) => [...all.slice(0, pageIndex + 1), nextAfter]);
              setPageIndex((i) => i + 1);
            }}
            data-testid="alerts-next"
          >
            {t('customers.next')}
          </Button>
        </Space>
      </div>
    </Card>
  );
}
