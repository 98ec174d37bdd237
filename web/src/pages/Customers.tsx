// Customers: search, status and grade filters, and pages through the API's cursor
// (next_page_token), keeping the tokens of earlier pages to go back.
import { Card, Input, Select, Space, Table, Typography, message } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, type Customer } from '../api';
import { StatusTag, UtilizationText, useFormat } from '../format';
import { useI18n } from '../i18n';

const kPageSize = 20;
const kGrades = ['A', 'B', 'C', 'D', 'E'];
const kStatuses = ['active', 'on_hold', 'blocked', 'prepayment_only'];

interface Page {
  customers: Customer[];
  next_page_token: string | null;
}

export function CustomersPage() {
  const { t } = useI18n();
  const format = useFormat();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const status = params.get('status') ?? '';
  const grade = params.get('grade') ?? '';
  const [tokens, setTokens] = useState<string[]>(['']); // Page n starts after tokens[n].
  const [pageIndex, setPageIndex] = useState(0);
  const [page, setPage] = useState<Page | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    setTokens(['']);
    setPageIndex(0);
  }, [q, status, grade]);

  useEffect(() => {
    const query = new URLSearchParams({ limit: String(kPageSize) });
    if (q) query.set('q', q);
    if (status) query.set('status', status);
    if (grade) query.set('grade', grade);
    if (tokens[pageIndex]) query.set('page_token', tokens[pageIndex]);
    setLoading(true);
    api
      .get<Page>(`/v1/customers?${query}`)
      .then(setPage)
      .catch((e) => message.error(`${t('common.error')}: ${e.message}`))
      .finally(() => setLoading(false));
  }, [q, status, grade, tokens, pageIndex, t]);

  const update = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };

  const columns: ColumnsType<Customer> = [
    { title: t('customers.id'), dataIndex: 'customer_id', width: 90, render: (id) => <Link to={`/customers/${id}`}>{id}</Link> },
    {
      title: t('customers.name'),
      dataIndex: 'name',
      ellipsis: true,
      // The region is on the customer's page; here the name gets the room.
      render: (name, c) => (
        <Link to={`/customers/${c.customer_id}`} title={`${name} · ${c.region}`}>
          {name}
        </Link>
      ),
    },
    { title: t('customers.industry'), dataIndex: 'industry', width: 110, ellipsis: true },
    { title: t('customers.grade'), width: 64, render: (_, c) => c.account?.grade },
    { title: t('customers.status'), width: 100, render: (_, c) => c.account && <StatusTag status={c.account.status} /> },
    {
      title: t('customers.limit'),
      align: 'right',
      width: 140,
      render: (_, c) => c.account && <span className="num">{format.money(c.account.effective_limit_minor, c.account.currency)}</span>,
    },
    {
      title: t('customers.exposure'),
      align: 'right',
      width: 140,
      render: (_, c) => c.account && <span className="num">{format.money(c.account.exposure_minor, c.account.currency)}</span>,
    },
    {
      title: t('customers.utilization'),
      align: 'right',
      width: 90,
      render: (_, c) => c.account && <UtilizationText bp={c.account.utilization_bp} />,
    },
    {
      title: t('customers.dpd'),
      align: 'right',
      width: 100,
      render: (_, c) =>
        c.account && (
          <span className="num" style={{ color: c.account.oldest_days_past_due > 30 ? '#cf1322' : undefined }}>
            {c.account.oldest_days_past_due}
          </span>
        ),
    },
  ];

  return (
    <Card>
      <div className="page-title">
        <Typography.Title level={3}>{t('customers.title')}</Typography.Title>
        <Space wrap>
          <Input.Search
            allowClear
            placeholder={t('customers.search')}
            defaultValue={q}
            onSearch={(value) => update('q', value.trim())}
            style={{ width: 260 }}
            data-testid="customer-search"
          />
          <Select
            value={status}
            onChange={(value) => update('status', value)}
            style={{ width: 150 }}
            options={[{ value: '', label: `${t('customers.status')}: ${t('customers.all')}` }, ...kStatuses.map((s) => ({ value: s, label: format.status(s) }))]}
          />
          <Select
            value={grade}
            onChange={(value) => update('grade', value)}
            style={{ width: 130 }}
            options={[{ value: '', label: `${t('customers.grade')}: ${t('customers.all')}` }, ...kGrades.map((g) => ({ value: g, label: g }))]}
          />
        </Space>
      </div>
      <Table
        rowKey="customer_id"
        size="small"
        loading={loading}
        columns={columns}
        scroll={{ x: 1000 }}
        dataSource={page?.customers ?? []}
        pagination={false}
      />
      <Space style={{ marginTop: 16, width: '100%', justifyContent: 'flex-end' }}>
        <Typography.Text type="secondary">{t('customers.page', { page: pageIndex + 1 })}</Typography.Text>
        <a onClick={() => pageIndex > 0 && setPageIndex(0)} aria-disabled={pageIndex === 0} style={{ opacity: pageIndex === 0 ? 0.4 : 1 }}>
          {t('customers.first')}
        </a>
        <a
          data-testid="next-page"
          aria-disabled={!page?.next_page_token}
          style={{ opacity: page?.next_page_token ? 1 : 0.4 }}
          onClick={() => {
            const token = page?.next_page_token;
            if (!token) return;
            setTokens((known) => [...known.slice(0, pageIndex + 1), token]);
            setPageIndex(pageIndex + 1);
          }}
        >
          {t('customers.next')}
        </a>
      </Space>
    </Card>
  );
}
