// Limit change requests: the list with status and customer filters (kept in the URL) paged
// through the API's cursor; sales and up ask for a new limit or a temporary increase; analysts
// and up approve or reject with a reason. The server applies the approval tiers and the
// four-eyes rule, and its refusal is shown in the dialog.
import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, DatePicker, Descriptions, Form, Input, Modal, Radio, Select, Space, Table, Tag, Typography, message } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, type Customer } from '../api';
import { useAuth } from '../auth';
import { errorText } from '../codes';
import { useFormat } from '../format';
import { useI18n, type MessageKey } from '../i18n';
import { checkLimitRequest, newRequestId, type LimitRequest } from '../limit_requests';
import { mayDo } from '../roles';

const kPageSize = 20;
const kStatusColors: Record<string, string> = { pending: 'gold', approved: 'green', rejected: 'red' };

interface Page {
  limit_requests: LimitRequest[];
  next_page_token: string | null;
}

export function RequestStatusTag({ status }: { status: string }) {
  const { t } = useI18n();
  return <Tag color={kStatusColors[status] ?? 'default'}>{t(`requests.status_${status}` as MessageKey)}</Tag>;
}

export function LimitRequestsPage() {
  const { t, locale } = useI18n();
  const format = useFormat();
  const { session } = useAuth();
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const customer = params.get('customer_id') ?? '';
  const [tokens, setTokens] = useState<string[]>(['']);
  const [pageIndex, setPageIndex] = useState(0);
  const [page, setPage] = useState<Page | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState('');
  const [creating, setCreating] = useState(false);
  const [deciding, setDeciding] = useState<{ request: LimitRequest; approve: boolean } | null>(null);
  const [reload, setReload] = useState(0);
  const mayRequest = mayDo(session?.role, 'requestLimit');
  const mayDecide = mayDo(session?.role, 'decideLimitRequests');

  useEffect(() => {
    setTokens(['']);
    setPageIndex(0);
  }, [status, customer]);

  useEffect(() => {
    const query = new URLSearchParams({ limit: String(kPageSize) });
    if (status) query.set('status', status);
    if (customer) query.set('customer_id', customer);
    if (tokens[pageIndex]) query.set('page_token', tokens[pageIndex]);
    setLoading(true);
    setError('');
    api
      .get<Page>(`/v1/limit-requests?${query}`)
      .then(setPage)
      .catch((e) => setError(errorText(locale, e)))
      .finally(() => setLoading(false));
  }, [status, customer, tokens, pageIndex, reload, locale]);

  const update = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  const refresh = useCallback(() => setReload((n) => n + 1), []);

  const money = (r: LimitRequest, minor: number) => <span className="num">{format.money(minor, r.currency)}</span>;
  const columns: ColumnsType<LimitRequest> = [
    { title: t('requests.id'), dataIndex: 'request_id', width: 140 },
    {
      title: t('customers.name'),
      width: 100,
      render: (_, r) => <Link to={`/customers/${encodeURIComponent(r.account.customer_id)}`}>{r.account.customer_id}</Link>,
    },
    { title: t('requests.limit_before'), align: 'right', width: 140, render: (_, r) => money(r, r.limit_before_minor), sorter: (a, b) => a.limit_before_minor - b.limit_before_minor },
    {
      title: t('requests.amount'),
      align: 'right',
      width: 190,
      sorter: (a, b) => a.amount_minor - b.amount_minor,
      render: (_, r) => (
        <Space direction="vertical" size={2} align="end">
          <strong>{money(r, r.amount_minor)}</strong>
          {r.expires_on ? <Tag color="cyan">{t('requests.temporary_until', { date: r.expires_on })}</Tag> : <Tag color="blue">{t('requests.base_limit')}</Tag>}
        </Space>
      ),
    },
    { title: t('requests.reason'), dataIndex: 'reason', ellipsis: { showTitle: true } },
    {
      title: t('requests.requested'),
      width: 140,
      render: (_, r) => (
        <Space direction="vertical" size={0}>
          <span>{r.requested_by.replace(/^user:/, '')}</span>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {format.shortDateTime(r.requested_at)}
          </Typography.Text>
        </Space>
      ),
    },
    {
      title: t('requests.status'),
      width: 130,
      render: (_, r) => (
        <Space direction="vertical" size={0}>
          <RequestStatusTag status={r.status} />
          {r.status !== 'pending' && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }} ellipsis={{ tooltip: r.decision_reason }}>
              {r.decided_by.replace(/^user:/, '')}: {r.decision_reason}
            </Typography.Text>
          )}
        </Space>
      ),
    },
    ...(mayDecide
      ? [
          {
            title: t('common.actions'),
            width: 160,
            render: (_: unknown, r: LimitRequest) =>
              r.status === 'pending' ? (
                <Space>
                  <Button size="small" type="link" onClick={() => setDeciding({ request: r, approve: true })} data-testid={`approve-${r.request_id}`}>
                    {t('requests.approve')}
                  </Button>
                  <Button size="small" type="link" danger onClick={() => setDeciding({ request: r, approve: false })} data-testid={`reject-${r.request_id}`}>
                    {t('requests.reject')}
                  </Button>
                </Space>
              ) : null,
          },
        ]
      : []),
  ];

  return (
    <Card>
      <div className="page-title">
        <Space direction="vertical" size={0}>
          <Typography.Title level={3}>{t('requests.title')}</Typography.Title>
          <Typography.Text type="secondary">{t('requests.subtitle')}</Typography.Text>
        </Space>
        {mayRequest && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="new-request">
            {t('requests.new')}
          </Button>
        )}
      </div>
      <Space wrap style={{ marginBottom: 16 }}>
        <Select
          style={{ width: 180 }}
          value={status}
          onChange={(v) => update('status', v)}
          data-testid="request-status-filter"
          options={[
            { value: '', label: t('requests.all_statuses') },
            ...['pending', 'approved', 'rejected'].map((s) => ({ value: s, label: t(`requests.status_${s}` as MessageKey) })),
          ]}
        />
        <Input.Search allowClear placeholder={t('requests.filter_customer')} defaultValue={customer} onSearch={(v) => update('customer_id', v.trim())} style={{ width: 240 }} />
        <Button icon={<ReloadOutlined />} onClick={refresh}>
          {t('common.refresh')}
        </Button>
      </Space>
      {error && <Alert type="error" showIcon message={t('common.error')} description={error} style={{ marginBottom: 16 }} />}
      <Table
        rowKey="request_id"
        size="middle"
        tableLayout="fixed"
        loading={loading}
        dataSource={page?.limit_requests ?? []}
        columns={columns}
        pagination={false}
        locale={{ emptyText: t('requests.empty') }}
        scroll={{ x: 1100 }}
      />
      <div className="pager">
        <Typography.Text type="secondary">{t('customers.page', { page: pageIndex + 1 })}</Typography.Text>
        <Space>
          <Button disabled={pageIndex === 0} onClick={() => setPageIndex(0)}>
            {t('customers.first')}
          </Button>
          <Button
            disabled={!page?.next_page_token}
            onClick={() => {
              const next = page?.next_page_token;
              if (!next) return;
              setTokens((all) => [...all.slice(0, pageIndex + 1), next]);
              setPageIndex((i) => i + 1);
            }}
          >
            {t('customers.next')}
          </Button>
        </Space>
      </div>
      <NewRequestModal open={creating} onClose={() => setCreating(false)} onCreated={refresh} initialCustomer={customer} />
      <DecideModal deciding={deciding} onClose={() => setDeciding(null)} onDecided={refresh} />
    </Card>
  );
}

function NewRequestModal({ open, onClose, onCreated, initialCustomer }: { open: boolean; onClose: () => void; onCreated: () => void; initialCustomer: string }) {
  const { t, locale } = useI18n();
  const format = useFormat();
  const [form] = Form.useForm();
  const [found, setFound] = useState<Customer | null>(null);
  const [lookupError, setLookupError] = useState('');
  const [serverError, setServerError] = useState('');
  const [busy, setBusy] = useState(false);
  const kind = Form.useWatch('kind', form);

  const lookUp = (id: string) => {
    setFound(null);
    setLookupError('');
    if (!id.trim()) return;
    api.get<Customer>(`/v1/customers/${encodeURIComponent(id.trim())}`).then(setFound, (e) => setLookupError(errorText(locale, e)));
  };
  useEffect(() => {
    if (open && initialCustomer) lookUp(initialCustomer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open]);

  const submit = async () => {
    const values = await form.validateFields();
    const check = checkLimitRequest(
      {
        customer_id: values.customer_id ?? '',
        currency: found?.account?.currency ?? '',
        amount: values.amount ?? '',
        expires_on: values.kind === 'temporary' && values.expires_on ? values.expires_on.format('YYYY-MM-DD') : undefined,
        reason: values.reason ?? '',
      },
      dayjs().format('YYYY-MM-DD'),
      newRequestId(),
    );
    if (!check.ok) {
      form.setFields(Object.entries(check.errors).map(([name, key]) => ({ name: name === 'currency' ? 'customer_id' : name, errors: [t(key as MessageKey)] })));
      return;
    }
    setBusy(true);
    setServerError('');
    try {
      await api.command('POST', '/v1/limit-requests', check.body);
      message.success(t('requests.created', { id: check.body.request_id }));
      form.resetFields();
      setFound(null);
      onClose();
      onCreated();
    } catch (e) {
      setServerError(errorText(locale, e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('requests.new')}
      okText={t('requests.submit')}
      cancelText={t('common.cancel')}
      onOk={submit}
      okButtonProps={{ loading: busy, id: 'submit-request' }}
      onCancel={() => {
        setServerError('');
        onClose();
      }}
      destroyOnClose
      width={560}
    >
      <Form form={form} layout="vertical" preserve={false} initialValues={{ kind: 'base', customer_id: initialCustomer }}>
        <Form.Item name="customer_id" label={t('customers.id')} rules={[{ required: true, message: t('requests.err_customer') }]} validateStatus={lookupError ? 'error' : undefined} help={lookupError || undefined}>
          <Input.Search placeholder="C10001" onSearch={lookUp} onBlur={(e) => lookUp(e.target.value)} enterButton={t('requests.look_up')} data-testid="request-customer" />
        </Form.Item>
        {found?.account && (
          <Descriptions size="small" column={2} bordered style={{ marginBottom: 16 }}>
            <Descriptions.Item label={t('customers.name')} span={2}>
              {found.name}
            </Descriptions.Item>
            <Descriptions.Item label={t('customers.limit')}>{format.money(found.account.limit_minor, found.account.currency)}</Descriptions.Item>
            <Descriptions.Item label={t('customers.utilization')}>{format.percent(found.account.utilization_bp)}</Descriptions.Item>
          </Descriptions>
        )}
        <Form.Item name="kind" label={t('requests.kind')}>
          <Radio.Group>
            <Radio value="base">{t('requests.base_limit')}</Radio>
            <Radio value="temporary">{t('requests.temporary')}</Radio>
          </Radio.Group>
        </Form.Item>
        <Form.Item
          name="amount"
          label={kind === 'temporary' ? t('requests.increase') : t('requests.new_limit')}
          rules={[{ required: true, message: t('requests.err_amount') }]}
          extra={found?.account ? found.account.currency : undefined}
        >
          <Input inputMode="decimal" placeholder="1,000,000.00" data-testid="request-amount" />
        </Form.Item>
        {kind === 'temporary' && (
          <Form.Item name="expires_on" label={t('requests.expires_on')} rules={[{ required: true, message: t('requests.err_expiry') }]}>
            <DatePicker disabledDate={(d) => d.isBefore(dayjs(), 'day')} style={{ width: '100%' }} />
          </Form.Item>
        )}
        <Form.Item name="reason" label={t('requests.reason')} rules={[{ required: true, message: t('requests.err_reason') }]}>
          <Input.TextArea rows={3} maxLength={500} showCount data-testid="request-reason" />
        </Form.Item>
      </Form>
      {serverError && <Alert type="error" showIcon message={serverError} data-testid="request-error" />}
    </Modal>
  );
}

function DecideModal({ deciding, onClose, onDecided }: { deciding: { request: LimitRequest; approve: boolean } | null; onClose: () => void; onDecided: () => void }) {
  const { t, locale } = useI18n();
  const format = useFormat();
  const [reason, setReason] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setReason('');
    setError('');
  }, [deciding]);
  if (!deciding) return null;
  const { request, approve } = deciding;
  const decide = async () => {
    if (!reason.trim()) {
      setError(t('requests.err_reason'));
      return;
    }
    setBusy(true);
    try {
      await api.command('POST', `/v1/limit-requests/${encodeURIComponent(request.request_id)}/${approve ? 'approve' : 'reject'}`, { reason: reason.trim() });
      message.success(t(approve ? 'requests.approved_msg' : 'requests.rejected_msg', { id: request.request_id }));
      onClose();
      onDecided();
    } catch (e) {
      setError(errorText(locale, e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title={`${t(approve ? 'requests.approve' : 'requests.reject')}: ${request.request_id}`}
      okText={t(approve ? 'requests.approve' : 'requests.reject')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: !approve, loading: busy, id: 'confirm-request-decision' }}
      onOk={decide}
      onCancel={onClose}
    >
      <Descriptions size="small" column={1} bordered style={{ marginBottom: 12 }}>
        <Descriptions.Item label={t('customers.name')}>{request.account.customer_id}</Descriptions.Item>
        <Descriptions.Item label={t('requests.limit_before')}>{format.money(request.limit_before_minor, request.currency)}</Descriptions.Item>
        <Descriptions.Item label={request.expires_on ? t('requests.increase') : t('requests.new_limit')}>
          <strong>{format.money(request.amount_minor, request.currency)}</strong>
          {request.expires_on ? ` (${t('requests.temporary_until', { date: request.expires_on })})` : ''}
        </Descriptions.Item>
        <Descriptions.Item label={t('requests.reason')}>{request.reason}</Descriptions.Item>
        <Descriptions.Item label={t('requests.requested')}>{request.requested_by.replace(/^user:/, '')}</Descriptions.Item>
      </Descriptions>
      <Input.TextArea rows={3} placeholder={t('requests.decision_reason')} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="request-decision-reason" />
      {error && <Alert type="error" showIcon message={error} style={{ marginTop: 12 }} data-testid="decision-error" />}
    </Modal>
  );
}
