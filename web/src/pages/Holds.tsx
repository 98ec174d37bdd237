// The hold queue: orders the credit rules held, with why; credit managers release or reject
// them with a reason, one or many at a time.
import { Alert, Button, Card, Input, Modal, Space, Table, Tag, Typography, message } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { api, ApiError, type Order } from '../api';
import { useAuth } from '../auth';
import { useFormat } from '../format';
import { reasonText, type DecisionFigures } from '../codes';
import { useI18n } from '../i18n';
import { can } from '../roles';

type Action = 'release' | 'reject';

export function HoldsPage() {
  const { t, locale } = useI18n();
  const format = useFormat();
  const { session } = useAuth();
  const [holds, setHolds] = useState<Order[]>([]);
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(false);
  const [selected, setSelected] = useState<string[]>([]);
  const [pending, setPending] = useState<{ action: Action; orders: string[] } | null>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const mayDecide = can(session?.role, 'decideHolds');

  const load = useCallback(() => {
    setLoading(true);
    api
      .get<{ holds: Order[]; total: number }>('/v1/holds?limit=1000')
      .then((r) => {
        setHolds(r.holds);
        setTotal(r.total);
        setSelected((current) => current.filter((id) => r.holds.some((h) => h.order_id === id)));
      })
      .catch((e) => message.error(e.message))
      .finally(() => setLoading(false));
  }, []);
  useEffect(load, [load]);

  const decide = async () => {
    if (!pending) return;
    if (!reason.trim()) {
      message.warning(t('holds.reason_required'));
      return;
    }
    setBusy(true);
    let done = 0;
    for (const orderId of pending.orders) {
      try {
        await api.command('POST', `/v1/holds/${encodeURIComponent(orderId)}/${pending.action}`, { reason: reason.trim() });
        done += 1;
      } catch (e) {
        message.error(`${orderId}: ${e instanceof ApiError ? e.message : String(e)}`);
      }
    }
    setBusy(false);
    setPending(null);
    setReason('');
    if (done > 0) {
      message.success(t('holds.done', { count: done, action: t(pending.action === 'release' ? 'holds.released' : 'holds.rejected') }));
    }
    load();
  };

  return (
    <Card>
      <div className="page-title">
        <Space direction="vertical" size={0}>
          <Typography.Title level={3}>{t('holds.title')}</Typography.Title>
          <Typography.Text type="secondary">{t('holds.total', { count: total })}</Typography.Text>
        </Space>
        {mayDecide && (
          <Space>
            <Button type="primary" disabled={!selected.length} onClick={() => setPending({ action: 'release', orders: selected })} data-testid="release-selected">
              {t('holds.release_selected', { count: selected.length })}
            </Button>
            <Button danger disabled={!selected.length} onClick={() => setPending({ action: 'reject', orders: selected })}>
              {t('holds.reject_selected', { count: selected.length })}
            </Button>
          </Space>
        )}
      </div>
      <Table
        rowKey="order_id"
        size="middle"
        tableLayout="fixed"
        loading={loading}
        dataSource={holds}
        locale={{ emptyText: t('holds.empty') }}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        rowSelection={mayDecide ? { selectedRowKeys: selected, onChange: (keys) => setSelected(keys as string[]) } : undefined}
        columns={[
          { title: t('orders.id'), dataIndex: 'order_id', width: 120 },
          {
            title: t('customers.name'),
            dataIndex: 'customer_id',
            width: 100,
            render: (id: string) => <Link to={`/customers/${id}`}>{id}</Link>,
          },
          { title: t('orders.amount'), align: 'right', width: 150, render: (_, o) => <span className="num">{format.money(o.amount_minor, o.currency)}</span> },
          { title: t('orders.placed'), dataIndex: 'placed_at', width: 190, render: (p: string) => format.dateTime(p) },
          {
            title: t('holds.reasons'),
            render: (_, o) => (
              <Space direction="vertical" size={2}>
                {o.decision?.reasons.map((r) => (
                  <span key={r.code}>
                    <Tag color="orange">{r.code}</Tag>
                    <Typography.Text type="secondary" data-testid="hold-reason">{reasonText(locale, r, o.decision as DecisionFigures)}</Typography.Text>
                  </span>
                ))}
              </Space>
            ),
          },
          ...(mayDecide
            ? [
                {
                  title: t('common.actions'),
                  width: 140,
                  render: (_: unknown, o: Order) => (
                    <Space>
                      <Button size="small" type="link" onClick={() => setPending({ action: 'release', orders: [o.order_id] })} data-testid={`release-${o.order_id}`}>
                        {t('holds.release')}
                      </Button>
                      <Button size="small" type="link" danger onClick={() => setPending({ action: 'reject', orders: [o.order_id] })}>
                        {t('holds.reject')}
                      </Button>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      <Modal
        open={pending !== null}
        title={pending ? `${t(pending.action === 'release' ? 'holds.release' : 'holds.reject')}: ${pending.orders.join(', ')}` : ''}
        onOk={decide}
        okButtonProps={{ danger: pending?.action === 'reject', loading: busy, id: 'confirm-decision' }}
        onCancel={() => setPending(null)}
        okText={pending ? t(pending.action === 'release' ? 'holds.release' : 'holds.reject') : ''}
        cancelText={t('common.cancel')}
      >
        {pending?.action === 'release' && <Alert type="warning" showIcon message={t('holds.reasons')} description={pending.orders.length > 1 ? undefined : holds.find((h) => h.order_id === pending.orders[0])?.decision?.reasons.map((r) => reasonText(locale, r, holds.find((h) => h.order_id === pending.orders[0])?.decision as DecisionFigures)).join('; ')} style={{ marginBottom: 12 }} />}
        <Input.TextArea rows={3} placeholder={t('holds.reason')} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="decision-reason" />
      </Modal>
    </Card>
  );
}
