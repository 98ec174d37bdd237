// One customer: limit and utilization gauge, exposure breakdown, open orders, open invoices
// with days past due, the credit actions the user's role allows, and the history tabs
// (CustomerHistory.tsx: limit history, exposure over time, payments, decisions, audit trail,
// score, statement download).
import { Alert, Breadcrumb, Button, Card, Col, Descriptions, Form, Input, Modal, Row, Select, Space, Statistic, Table, Tag, Typography, message } from 'antd';
import type { EChartsOption } from 'echarts';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, ApiError, type Customer, type Invoice, type Order } from '../api';
import { useAuth } from '../auth';
import { Chart } from '../components/Chart';
import { UtilizationGauge } from '../components/UtilizationGauge';
import { StatusTag, useFormat } from '../format';
import { useI18n } from '../i18n';
import { formatMoney, parseMoney } from '../money';
import { can } from '../roles';
import { CustomerHistoryTabs } from './CustomerHistory';

export function CustomerDetailPage() {
  const { customerId = '' } = useParams();
  const { t, locale } = useI18n();
  const format = useFormat();
  const { session } = useAuth();
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [orders, setOrders] = useState<Order[]>([]);
  const [invoices, setInvoices] = useState<Invoice[]>([]);
  const [error, setError] = useState('');
  const [limitOpen, setLimitOpen] = useState(false);
  const [statusOpen, setStatusOpen] = useState(false);
  const [reloadKey, setReloadKey] = useState(0);

  const load = useCallback(() => {
    const id = encodeURIComponent(customerId);
    Promise.all([
      api.get<Customer>(`/v1/customers/${id}`),
      api.get<{ orders: Order[] }>(`/v1/customers/${id}/orders`),
      api.get<{ invoices: Invoice[] }>(`/v1/customers/${id}/invoices`),
    ])
      .then(([c, o, i]) => {
        setCustomer(c);
        setOrders(o.orders);
        setInvoices(i.invoices);
        setReloadKey((k) => k + 1);
      })
      .catch((e) => setError(e.message));
  }, [customerId]);
  useEffect(load, [load]);

  const account = customer?.account ?? null;
  const breakdown = useMemo<EChartsOption | null>(() => {
    if (!account) return null;
    // Each part keeps its colour whichever parts are empty.
    const items = [
      { name: t('detail.orders_open'), value: account.orders_open_minor, itemStyle: { color: '#1554ad' } },
      { name: t('detail.receivables_current'), value: account.receivables_open_minor - account.overdue_minor, itemStyle: { color: '#52a8e0' } },
      { name: t('detail.overdue'), value: account.overdue_minor, itemStyle: { color: '#f5222d' } },
      { name: t('detail.available'), value: Math.max(0, account.available_minor), itemStyle: { color: '#d9e3ef' } },
    ];
    return {
      tooltip: { trigger: 'item', valueFormatter: (v) => formatMoney(Number(v), account.currency, locale) },
      legend: { bottom: 0 },
      series: [
        {
          type: 'pie',
          radius: ['45%', '70%'],
          center: ['50%', '44%'],
          label: { show: false },
          data: items.filter((item) => item.value > 0),
        },
      ],
    };
  }, [account, t, locale]);

  if (error) return <Alert type="error" showIcon message={error} />;
  if (!customer || !account || !breakdown) return <Card loading />;
  const money = (minor: number) => format.money(minor, account.currency);
  const mayChangeLimit = can(session?.role, 'changeLimit');
  const mayChangeStatus = can(session?.role, 'changeStatus');

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Breadcrumb items={[{ title: <Link to="/customers">{t('detail.back')}</Link> }, { title: customer.customer_id }]} />
      <Card>
        <div className="page-title">
          <Space direction="vertical" size={0}>
            <Typography.Title level={3} data-testid="customer-name">
              {customer.name}
            </Typography.Title>
            <Space wrap>
              <Typography.Text type="secondary">{customer.customer_id}</Typography.Text>
              <StatusTag status={account.status} />
              <Tag>{account.grade || t('common.none')}</Tag>
              <Typography.Text type="secondary">
                {customer.industry} · {customer.region}
              </Typography.Text>
              {customer.tags.map((tag) => (
                <Tag key={tag} color="geekblue">
                  {tag}
                </Tag>
              ))}
            </Space>
          </Space>
          <Space>
            {mayChangeLimit && (
              <Button type="primary" onClick={() => setLimitOpen(true)} data-testid="change-limit">
                {t('detail.change_limit')}
              </Button>
            )}
            {mayChangeStatus && <Button onClick={() => setStatusOpen(true)}>{t('detail.change_status')}</Button>}
          </Space>
        </div>
        {!mayChangeLimit && <Alert type="info" showIcon message={t('detail.read_only')} style={{ marginBottom: 16 }} data-testid="read-only" />}
        <Row gutter={[16, 16]}>
          <Col xs={24} md={12} lg={6}>
            <Statistic className="figure-card" title={t('detail.effective_limit')} value={money(account.effective_limit_minor)} />
            <Typography.Text type="secondary">
              {t('detail.limit')}: {money(account.limit_minor)}
            </Typography.Text>
          </Col>
          <Col xs={24} md={12} lg={6}>
            <Statistic className="figure-card" title={t('detail.exposure')} value={money(account.exposure_minor)} data-testid="exposure" />
          </Col>
          <Col xs={24} md={12} lg={6}>
            <Statistic
              className="figure-card"
              title={t('detail.available')}
              value={money(account.available_minor)}
              valueStyle={{ color: account.available_minor < 0 ? '#cf1322' : '#389e0d' }}
            />
          </Col>
          <Col xs={24} md={12} lg={6}>
            <Statistic
              className="figure-card"
              title={t('detail.overdue')}
              value={money(account.overdue_minor)}
              valueStyle={{ color: account.overdue_minor > 0 ? '#cf1322' : undefined }}
            />
            <Typography.Text type="secondary">
              {t('customers.dpd')}: {account.oldest_days_past_due}
            </Typography.Text>
          </Col>
        </Row>
      </Card>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={8}>
          <Card title={t('detail.utilization')} style={{ height: '100%' }}>
            <UtilizationGauge utilizationBp={account.utilization_bp} label={`${money(account.exposure_minor)} / ${money(account.effective_limit_minor)}`} />
          </Card>
        </Col>
        <Col xs={24} lg={8}>
          <Card title={t('detail.breakdown')} style={{ height: '100%' }}>
            <Chart option={breakdown} height={240} testId="exposure-breakdown" />
          </Card>
        </Col>
        <Col xs={24} lg={8}>
          <Card title={t('detail.profile')} style={{ height: '100%' }}>
            <Descriptions column={1} size="small">
              <Descriptions.Item label={t('detail.policy')}>{account.policy}</Descriptions.Item>
              <Descriptions.Item label={t('detail.group')}>{account.group_id || t('common.none')}</Descriptions.Item>
              <Descriptions.Item label={t('detail.terms')}>{t('detail.terms_days', { days: account.payment_terms_days })}</Descriptions.Item>
              <Descriptions.Item label={t('detail.review_on')}>{account.review_on ?? t('common.none')}</Descriptions.Item>
              <Descriptions.Item label={t('detail.temporary_limits')}>{money(account.temporary_limits_minor)}</Descriptions.Item>
              <Descriptions.Item label={t('detail.collateral')}>{money(account.collateral_minor)}</Descriptions.Item>
              <Descriptions.Item label={t('detail.unapplied_credit')}>{money(account.unapplied_credit_minor)}</Descriptions.Item>
            </Descriptions>
          </Card>
        </Col>
      </Row>
      <Card title={`${t('detail.open_orders')} (${orders.length})`}>
        <Table
          rowKey="order_id"
          size="small"
          dataSource={orders}
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          columns={[
            { title: t('orders.id'), dataIndex: 'order_id' },
            { title: t('orders.status'), dataIndex: 'status', render: (s) => <StatusTag status={s} /> },
            { title: t('orders.amount'), align: 'right', render: (_, o) => <span className="num">{format.money(o.amount_minor, o.currency)}</span> },
            { title: t('orders.reserved'), align: 'right', render: (_, o) => <span className="num">{format.money(o.reserved_minor, o.currency)}</span> },
            { title: t('orders.placed'), dataIndex: 'placed_at', render: (p) => format.dateTime(p) },
            { title: t('orders.decision'), render: (_, o) => o.decision?.decision },
          ]}
        />
      </Card>
      <Card title={`${t('detail.invoices')} (${invoices.length})`}>
        <Table
          rowKey="invoice_id"
          size="small"
          dataSource={invoices}
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          columns={[
            { title: t('invoices.id'), dataIndex: 'invoice_id' },
            { title: t('orders.id'), dataIndex: 'order_id' },
            { title: t('invoices.amount'), align: 'right', render: (_, i) => <span className="num">{format.money(i.amount_minor, i.currency)}</span> },
            { title: t('invoices.open'), align: 'right', render: (_, i) => <span className="num">{format.money(i.open_minor, i.currency)}</span> },
            { title: t('invoices.issued'), dataIndex: 'issued_on' },
            { title: t('invoices.due'), dataIndex: 'due_on' },
            {
              title: t('invoices.dpd'),
              dataIndex: 'days_past_due',
              align: 'right',
              sorter: (a, b) => a.days_past_due - b.days_past_due,
              render: (d: number) =>
                d > 0 ? <Tag color={d > 60 ? 'red' : d > 30 ? 'volcano' : 'orange'}>{d}</Tag> : <Tag color="green">{t('invoices.current')}</Tag>,
            },
          ]}
        />
      </Card>
      <CustomerHistoryTabs customerId={customer.customer_id} currency={account.currency} reloadKey={reloadKey} />
      <LimitModal open={limitOpen} customer={customer} onClose={() => setLimitOpen(false)} onDone={load} />
      <StatusModal open={statusOpen} customer={customer} onClose={() => setStatusOpen(false)} onDone={load} />
    </Space>
  );
}

function LimitModal({ open, customer, onClose, onDone }: { open: boolean; customer: Customer; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const account = customer.account!;
  const submit = async () => {
    const values = await form.validateFields();
    try {
      await api.command('PUT', `/v1/customers/${encodeURIComponent(customer.customer_id)}/limit`, {
        limit_minor: parseMoney(values.limit, account.currency),
        currency: account.currency,
        reason: values.reason ?? '',
      });
      message.success(t('detail.limit_changed'));
      onClose();
      onDone();
    } catch (e) {
      message.error(e instanceof ApiError ? e.message : String(e));
    }
  };
  return (
    <Modal open={open} title={t('detail.change_limit')} onOk={submit} onCancel={onClose} okText={t('common.save')} cancelText={t('common.cancel')} destroyOnClose>
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item
          name="limit"
          label={`${t('detail.new_limit')} (${account.currency})`}
          rules={[{ required: true, validator: (_, v) => (v && parseMoney(v, account.currency) !== null ? Promise.resolve() : Promise.reject(new Error('0.00'))) }]}
        >
          <Input inputMode="decimal" data-testid="new-limit" />
        </Form.Item>
        <Form.Item name="reason" label={t('detail.reason')}>
          <Input />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function StatusModal({ open, customer, onClose, onDone }: { open: boolean; customer: Customer; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const format = useFormat();
  const [form] = Form.useForm();
  const submit = async () => {
    const values = await form.validateFields();
    try {
      await api.command('PUT', `/v1/customers/${encodeURIComponent(customer.customer_id)}/status`, {
        status: values.status,
        reason: values.reason ?? '',
      });
      message.success(t('detail.status_changed'));
      onClose();
      onDone();
    } catch (e) {
      message.error(e instanceof ApiError ? e.message : String(e));
    }
  };
  return (
    <Modal open={open} title={t('detail.change_status')} onOk={submit} onCancel={onClose} okText={t('common.save')} cancelText={t('common.cancel')} destroyOnClose>
      <Form form={form} layout="vertical" preserve={false} initialValues={{ status: customer.account?.status }}>
        <Form.Item name="status" label={t('customers.status')} rules={[{ required: true }]}>
          <Select options={['active', 'on_hold', 'blocked', 'prepayment_only'].map((s) => ({ value: s, label: format.status(s) }))} />
        </Form.Item>
        <Form.Item name="reason" label={t('detail.reason')}>
          <Input />
        </Form.Item>
      </Form>
    </Modal>
  );
}
