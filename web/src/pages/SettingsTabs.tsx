// The Settings tabs for assessment and monitoring: the scorecard (everyone sees it; credit
// managers edit weights, bins and grade bands), the assessment policy and the alert rules
// (administrators edit), and webhooks with their delivery log (administrators only).
import { DeleteOutlined, EditOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Descriptions, Form, Input, InputNumber, Modal, Popconfirm, Row, Select, Space, Switch, Table, Tag, Typography, message } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import { useAuth } from '../auth';
import { errorText } from '../codes';
import { useFormat } from '../format';
import { useI18n, type MessageKey } from '../i18n';
import { mayDo } from '../roles';
import { checkScorecard, describeBins, formatBins, parseBins, type Scorecard } from '../scorecard';

function useFail() {
  const { locale } = useI18n();
  return useCallback((e: unknown) => message.error(errorText(locale, e)), [locale]);
}

export function ScorecardTab() {
  const { t, locale } = useI18n();
  const { session } = useAuth();
  const fail = useFail();
  const mayEdit = mayDo(session?.role, 'editScorecard');
  const [card, setCard] = useState<Scorecard | null>(null);
  const [draft, setDraft] = useState<Scorecard | null>(null);
  const [binsText, setBinsText] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState('');
  const load = useCallback(() => {
    api.get<Scorecard>('/v1/scorecard').then(setCard, fail);
  }, [fail]);
  useEffect(load, [load]);
  if (!card) return <Card loading bordered={false} />;
  const editing = draft !== null;
  const shown = draft ?? card;
  const totalWeight = shown.factors.reduce((sum, f) => sum + f.weight, 0);

  const setFactor = (index: number, patch: Partial<Scorecard['factors'][number]>) =>
    setDraft((d) => d && { ...d, factors: d.factors.map((f, i) => (i === index ? { ...f, ...patch } : f)) });
  const setGrade = (index: number, patch: Partial<Scorecard['grades'][number]>) =>
    setDraft((d) => d && { ...d, grades: d.grades.map((g, i) => (i === index ? { ...g, ...patch } : g)) });

  const save = async () => {
    if (!draft) return;
    const problems = checkScorecard(draft);
    if (problems.length) {
      setError(problems.map((p) => `${p.where ? `${p.where}: ` : ''}${t(p.key as MessageKey, p.values)}`).join('；'));
      return;
    }
    setSaving(true);
    setError('');
    try {
      const saved = await api.command<Scorecard>('PUT', '/v1/scorecard', {
        name: draft.name,
        rounding_minor: draft.rounding_minor,
        factors: draft.factors,
        grades: draft.grades,
      });
      setCard(saved);
      setDraft(null);
      message.success(t('scorecard.saved'));
    } catch (e) {
      setError(errorText(locale, e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <div data-testid="scorecard">
      <div className="tab-toolbar">
        <Space>
          <Typography.Text strong>{shown.name}</Typography.Text>
          <Tag>{t('scorecard.total_weight', { weight: totalWeight })}</Tag>
        </Space>
        {mayEdit &&
          (editing ? (
            <Space>
              <Button onClick={() => (setDraft(null), setError(''))}>{t('common.cancel')}</Button>
              <Button type="primary" loading={saving} onClick={save} data-testid="scorecard-save">
                {t('common.save')}
              </Button>
            </Space>
          ) : (
            <Button
              icon={<EditOutlined />}
              onClick={() => {
                setDraft(structuredClone(card));
                setBinsText(Object.fromEntries(card.factors.map((f) => [f.factor, formatBins(f.bins)])));
              }}
              data-testid="scorecard-edit"
            >
              {t('scorecard.edit')}
            </Button>
          ))}
      </div>
      {!mayEdit && <Alert type="info" showIcon message={t('scorecard.read_only')} style={{ marginBottom: 12 }} />}
      {editing && <Alert type="info" showIcon message={t('scorecard.bins_help')} style={{ marginBottom: 12 }} />}
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} data-testid="scorecard-error" />}
      <Row gutter={[16, 16]}>
        <Col xs={24} xxl={14}>
          <Card size="small" title={t('scorecard.factors')}>
            <Table
              size="small"
              rowKey="factor"
              pagination={false}
              dataSource={shown.factors}
              columns={[
                { title: t('scorecard.factor'), dataIndex: 'factor', width: 170, render: (f: string) => t(`factor.${f}` as MessageKey) === `factor.${f}` ? f : t(`factor.${f}` as MessageKey) },
                {
                  title: t('scorecard.weight'),
                  dataIndex: 'weight',
                  width: 100,
                  render: (w: number, _, i) => (editing ? <InputNumber size="small" min={0} max={1000} value={w} onChange={(v) => setFactor(i, { weight: Number(v ?? 0) })} style={{ width: 80 }} /> : w),
                },
                {
                  title: t('scorecard.bins'),
                  render: (_, f, i) =>
                    editing ? (
                      <Input
                        size="small"
                        value={binsText[f.factor] ?? ''}
                        status={parseBins(binsText[f.factor] ?? '') ? undefined : 'error'}
                        onChange={(e) => {
                          const text = e.target.value;
                          setBinsText((all) => ({ ...all, [f.factor]: text }));
                          const bins = parseBins(text);
                          if (bins) setFactor(i, { bins });
                        }}
                      />
                    ) : (
                      <Typography.Text type="secondary">{describeBins(f.bins, t('scorecard.above'))}</Typography.Text>
                    ),
                },
                {
                  title: t('scorecard.missing'),
                  dataIndex: 'missing_points',
                  width: 90,
                  render: (p: number, _, i) => (editing ? <InputNumber size="small" min={0} max={100} value={p} onChange={(v) => setFactor(i, { missing_points: Number(v ?? 0) })} style={{ width: 70 }} /> : p),
                },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} xxl={10}>
          <Card size="small" title={t('scorecard.grades')}>
            <Table
              size="small"
              rowKey="grade"
              pagination={false}
              dataSource={shown.grades}
              scroll={{ x: 'max-content' }}
              columns={[
                { title: t('customers.grade'), dataIndex: 'grade', render: (g: string) => <Tag color="blue">{g}</Tag> },
                {
                  title: t('scorecard.score_min'),
                  dataIndex: 'score_min',
                  render: (v: number, _, i) => (editing ? <InputNumber size="small" min={0} max={100} value={v} onChange={(n) => setGrade(i, { score_min: Number(n ?? 0) })} style={{ width: 70 }} /> : `≥ ${v}`),
                },
                {
                  title: t('scorecard.review_days'),
                  dataIndex: 'review_interval_days',
                  render: (v: number, _, i) => (editing ? <InputNumber size="small" min={1} max={3650} value={v} onChange={(n) => setGrade(i, { review_interval_days: Number(n ?? 1) })} style={{ width: 80 }} /> : v),
                },
                {
                  title: t('scorecard.cap'),
                  dataIndex: 'limit_cap_minor',
                  render: (v: number | null, g, i) =>
                    g.prepayment_only ? (
                      <Tag color="purple">{t('status.prepayment_only')}</Tag>
                    ) : editing ? (
                      <InputNumber size="small" min={0} value={v ?? undefined} onChange={(n) => setGrade(i, { limit_cap_minor: n === null ? null : Number(n) })} style={{ width: 130 }} />
                    ) : v === null ? (
                      t('common.none')
                    ) : (
                      new Intl.NumberFormat(locale).format(v)
                    ),
                },
                {
                  title: t('scorecard.multiple'),
                  dataIndex: 'purchases_multiple_pct',
                  render: (v: number | null) => (v === null ? t('common.none') : `${(v / 100).toFixed(2)} ×`),
                },
                { title: t('scorecard.equity'), dataIndex: 'equity_bp', render: (v: number | null) => (v === null ? t('common.none') : `${v / 100} %`) },
              ]}
            />
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('scorecard.cap_help')}
            </Typography.Text>
          </Card>
        </Col>
      </Row>
    </div>
  );
}

interface AssessmentPolicy {
  review: { lower: string; raise: string; raise_grade_min: string; raise_step_bp: number; change_threshold_bp: number; suspend_prepayment_only: boolean };
  approval_tiers: { role: string; amount_max_minor: number | null }[];
  recovery: { missed_action: string; restore_limit_bp: number };
}

export function AssessmentPolicyTab() {
  const { t, locale } = useI18n();
  const { session } = useAuth();
  const format = useFormat();
  const fail = useFail();
  const mayEdit = mayDo(session?.role, 'editAssessmentPolicy');
  const [policy, setPolicy] = useState<AssessmentPolicy | null>(null);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState('');
  const [form] = Form.useForm();
  useEffect(() => {
    api.get<AssessmentPolicy>('/v1/assessment-policy').then(setPolicy, fail);
  }, [fail]);
  if (!policy) return <Card loading bordered={false} />;
  const modes = ['auto', 'request', 'off'].map((m) => ({ value: m, label: t(`policy.mode_${m}` as MessageKey) }));
  const save = async () => {
    const v = await form.validateFields();
    setError('');
    try {
      const saved = await api.command<AssessmentPolicy>('PUT', '/v1/assessment-policy', {
        review: {
          lower: v.lower,
          raise: v.raise,
          raise_grade_min: v.raise_grade_min,
          raise_step_bp: v.raise_step_bp,
          change_threshold_bp: v.change_threshold_bp,
          suspend_prepayment_only: v.suspend_prepayment_only,
        },
        approval_tiers: policy.approval_tiers.map((tier) => ({ ...tier, amount_max_minor: v[`tier_${tier.role}`] ?? null })),
        recovery: { missed_action: v.missed_action, restore_limit_bp: v.restore_limit_bp },
      });
      setPolicy(saved);
      setEditing(false);
      message.success(t('policy.saved'));
    } catch (e) {
      setError(errorText(locale, e));
    }
  };
  const r = policy.review;
  return (
    <div data-testid="assessment-policy">
      <div className="tab-toolbar">
        <Typography.Text type="secondary">{t('policy.help')}</Typography.Text>
        {mayEdit && !editing && (
          <Button
            icon={<EditOutlined />}
            onClick={() => {
              form.setFieldsValue({ ...r, ...policy.recovery, ...Object.fromEntries(policy.approval_tiers.map((tier) => [`tier_${tier.role}`, tier.amount_max_minor])) });
              setEditing(true);
            }}
          >
            {t('scorecard.edit')}
          </Button>
        )}
      </div>
      {!mayEdit && <Alert type="info" showIcon message={t('policy.admin_only')} style={{ marginBottom: 12 }} />}
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      {editing ? (
        <Form form={form} layout="vertical" style={{ maxWidth: 720 }}>
          <Row gutter={16}>
            <Col span={12}>
              <Form.Item name="lower" label={t('policy.lower')}>
                <Select options={modes} />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item name="raise" label={t('policy.raise')}>
                <Select options={modes} />
              </Form.Item>
            </Col>
            <Col span={8}>
              <Form.Item name="raise_grade_min" label={t('policy.raise_grade_min')} rules={[{ required: true }]}>
                <Input />
              </Form.Item>
            </Col>
            <Col span={8}>
              <Form.Item name="raise_step_bp" label={t('policy.raise_step_bp')} rules={[{ required: true }]}>
                <InputNumber min={0} max={100000} style={{ width: '100%' }} addonAfter="bp" />
              </Form.Item>
            </Col>
            <Col span={8}>
              <Form.Item name="change_threshold_bp" label={t('policy.change_threshold_bp')} rules={[{ required: true }]}>
                <InputNumber min={0} max={10000} style={{ width: '100%' }} addonAfter="bp" />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item name="suspend_prepayment_only" label={t('policy.suspend')} valuePropName="checked">
                <Switch />
              </Form.Item>
            </Col>
            {policy.approval_tiers.map((tier) => (
              <Col span={8} key={tier.role}>
                <Form.Item name={`tier_${tier.role}`} label={t('policy.tier', { role: t(`role.${tier.role}` as MessageKey) })}>
                  <InputNumber min={0} style={{ width: '100%' }} placeholder={t('policy.unlimited')} />
                </Form.Item>
              </Col>
            ))}
            <Col span={12}>
              <Form.Item name="missed_action" label={t('policy.missed_action')}>
                <Select options={['hold', 'block'].map((a) => ({ value: a, label: t(`policy.missed_${a}` as MessageKey) }))} />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item name="restore_limit_bp" label={t('policy.restore_limit_bp')} rules={[{ required: true }]}>
                <InputNumber min={0} max={10000} style={{ width: '100%' }} addonAfter="bp" />
              </Form.Item>
            </Col>
          </Row>
          <Space>
            <Button onClick={() => setEditing(false)}>{t('common.cancel')}</Button>
            <Button type="primary" onClick={save}>
              {t('common.save')}
            </Button>
          </Space>
        </Form>
      ) : (
        <Row gutter={[16, 16]}>
          <Col xs={24} lg={12}>
            <Descriptions size="small" bordered column={1} title={t('policy.review')}>
              <Descriptions.Item label={t('policy.lower')}>{t(`policy.mode_${r.lower}` as MessageKey)}</Descriptions.Item>
              <Descriptions.Item label={t('policy.raise')}>{t(`policy.mode_${r.raise}` as MessageKey)}</Descriptions.Item>
              <Descriptions.Item label={t('policy.raise_grade_min')}>{r.raise_grade_min}</Descriptions.Item>
              <Descriptions.Item label={t('policy.raise_step_bp')}>{format.percent(r.raise_step_bp)}</Descriptions.Item>
              <Descriptions.Item label={t('policy.change_threshold_bp')}>{format.percent(r.change_threshold_bp)}</Descriptions.Item>
              <Descriptions.Item label={t('policy.suspend')}>{r.suspend_prepayment_only ? t('common.yes') : t('common.no')}</Descriptions.Item>
            </Descriptions>
          </Col>
          <Col xs={24} lg={12}>
            <Descriptions size="small" bordered column={1} title={t('policy.tiers')}>
              {policy.approval_tiers.map((tier) => (
                <Descriptions.Item key={tier.role} label={t(`role.${tier.role}` as MessageKey)}>
                  {tier.amount_max_minor === null ? t('policy.unlimited') : t('policy.up_to', { amount: new Intl.NumberFormat(locale).format(tier.amount_max_minor) })}
                </Descriptions.Item>
              ))}
            </Descriptions>
            <Descriptions size="small" bordered column={1} title={t('policy.recovery')} style={{ marginTop: 16 }}>
              <Descriptions.Item label={t('policy.missed_action')}>{t(`policy.missed_${policy.recovery.missed_action}` as MessageKey)}</Descriptions.Item>
              <Descriptions.Item label={t('policy.restore_limit_bp')}>{format.percent(policy.recovery.restore_limit_bp)}</Descriptions.Item>
            </Descriptions>
          </Col>
        </Row>
      )}
    </div>
  );
}

interface AlertRules {
  overdue_days: number;
  hold_sla_minutes: number;
  expiry_notice_days: number;
  review_notice_days: number;
}
const kRuleFields: { name: keyof AlertRules; min: number; max: number; unit: MessageKey }[] = [
  { name: 'overdue_days', min: 0, max: 3650, unit: 'rules.days' },
  { name: 'hold_sla_minutes', min: 1, max: 525600, unit: 'rules.minutes' },
  { name: 'expiry_notice_days', min: 0, max: 3650, unit: 'rules.days' },
  { name: 'review_notice_days', min: 0, max: 3650, unit: 'rules.days' },
];

export function AlertRulesTab() {
  const { t, locale } = useI18n();
  const { session } = useAuth();
  const fail = useFail();
  const mayEdit = mayDo(session?.role, 'manageMonitoring');
  const [rules, setRules] = useState<AlertRules | null>(null);
  const [error, setError] = useState('');
  const [form] = Form.useForm();
  useEffect(() => {
    api.get<AlertRules>('/v1/alert-rules').then((r) => {
      setRules(r);
      form.setFieldsValue(r);
    }, fail);
  }, [fail, form]);
  if (!rules) return <Card loading bordered={false} />;
  return (
    <div data-testid="alert-rules" style={{ maxWidth: 640 }}>
      {!mayEdit && <Alert type="info" showIcon message={t('rules.admin_only')} style={{ marginBottom: 12 }} />}
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <Form
        form={form}
        layout="horizontal"
        labelCol={{ span: 12 }}
        disabled={!mayEdit}
        onFinish={async (values) => {
          setError('');
          try {
            const saved = await api.command<AlertRules>('PUT', '/v1/alert-rules', values);
            setRules(saved);
            message.success(t('rules.saved'));
          } catch (e) {
            setError(errorText(locale, e));
          }
        }}
      >
        {kRuleFields.map((field) => (
          <Form.Item key={field.name} name={field.name} label={t(`rules.${field.name}` as MessageKey)} rules={[{ required: true }, { type: 'number', min: field.min, max: field.max }]} extra={t(`rules.${field.name}_help` as MessageKey)}>
            <InputNumber min={field.min} max={field.max} addonAfter={t(field.unit)} style={{ width: 200 }} />
          </Form.Item>
        ))}
        {mayEdit && (
          <Form.Item wrapperCol={{ offset: 12 }}>
            <Button type="primary" htmlType="submit" data-testid="rules-save">
              {t('common.save')}
            </Button>
          </Form.Item>
        )}
      </Form>
    </div>
  );
}

interface Webhook {
  webhook_id: string;
  url: string;
  active: boolean;
}
interface Delivery {
  delivery_id: string;
  alert_id: number;
  webhook_id: string;
  attempt: number;
  time: string;
  status: number;
  outcome: string;
  error: string;
}
const kOutcomeColors: Record<string, string> = { delivered: 'green', retry: 'gold', failed: 'red', dropped: 'default' };

export function WebhooksTab() {
  const { t, locale } = useI18n();
  const format = useFormat();
  const fail = useFail();
  const [hooks, setHooks] = useState<Webhook[]>([]);
  const [deliveries, setDeliveries] = useState<Delivery[]>([]);
  const [loading, setLoading] = useState(false);
  const [editing, setEditing] = useState<Webhook | 'new' | null>(null);
  const [error, setError] = useState('');
  const [form] = Form.useForm();
  const load = useCallback(() => {
    setLoading(true);
    Promise.all([api.get<{ webhooks: Webhook[] }>('/v1/webhooks'), api.get<{ deliveries: Delivery[] }>('/v1/webhook-deliveries?limit=100')])
      .then(([w, d]) => {
        setHooks(w.webhooks);
        setDeliveries(d.deliveries);
      }, fail)
      .finally(() => setLoading(false));
  }, [fail]);
  useEffect(load, [load]);
  const save = async () => {
    const v = await form.validateFields();
    setError('');
    try {
      await api.admin('PUT', `/v1/webhooks/${encodeURIComponent(v.webhook_id)}`, { url: v.url, secret: v.secret, active: v.active });
      setEditing(null);
      message.success(t('webhooks.saved'));
      load();
    } catch (e) {
      setError(errorText(locale, e));
    }
  };
  return (
    <div data-testid="webhooks">
      <div className="tab-toolbar">
        <Typography.Text type="secondary">{t('webhooks.help')}</Typography.Text>
        <Space>
          <Button icon={<ReloadOutlined />} onClick={load}>
            {t('common.refresh')}
          </Button>
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => {
              form.resetFields();
              form.setFieldsValue({ active: true });
              setError('');
              setEditing('new');
            }}
            data-testid="webhook-add"
          >
            {t('webhooks.add')}
          </Button>
        </Space>
      </div>
      <Table
        size="small"
        rowKey="webhook_id"
        loading={loading}
        dataSource={hooks}
        pagination={false}
        locale={{ emptyText: t('webhooks.empty') }}
        columns={[
          { title: 'ID', dataIndex: 'webhook_id', width: 160 },
          { title: 'URL', dataIndex: 'url', render: (u: string) => <Typography.Text code>{u}</Typography.Text> },
          { title: t('settings.state'), dataIndex: 'active', width: 110, render: (a: boolean) => (a ? <Tag color="green">{t('settings.active')}</Tag> : <Tag>{t('settings.disabled')}</Tag>) },
          {
            title: t('common.actions'),
            width: 180,
            render: (_, hook) => (
              <Space>
                <Button
                  size="small"
                  type="link"
                  onClick={() => {
                    form.setFieldsValue({ ...hook, secret: '' });
                    setError('');
                    setEditing(hook);
                  }}
                >
                  {t('webhooks.edit')}
                </Button>
                <Popconfirm title={t('webhooks.confirm_delete', { id: hook.webhook_id })} okText={t('webhooks.delete')} cancelText={t('common.cancel')} onConfirm={() => api.admin('DELETE', `/v1/webhooks/${encodeURIComponent(hook.webhook_id)}`).then(load, fail)}>
                  <Button size="small" type="link" danger icon={<DeleteOutlined />}>
                    {t('webhooks.delete')}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <Typography.Title level={5} style={{ marginTop: 24 }}>
        {t('webhooks.deliveries')}
      </Typography.Title>
      <Table
        size="small"
        rowKey={(d) => `${d.delivery_id}-${d.attempt}`}
        dataSource={deliveries}
        pagination={deliveries.length > 10 ? { pageSize: 10 } : false}
        locale={{ emptyText: t('webhooks.no_deliveries') }}
        columns={[
          { title: t('alerts.time'), dataIndex: 'time', width: 180, render: (time: string) => format.dateTime(time) },
          { title: t('webhooks.delivery'), dataIndex: 'delivery_id', width: 140 },
          { title: 'Webhook', dataIndex: 'webhook_id', width: 130 },
          { title: t('webhooks.alert'), dataIndex: 'alert_id', width: 80 },
          { title: t('webhooks.attempt'), dataIndex: 'attempt', width: 80 },
          { title: 'HTTP', dataIndex: 'status', width: 70, render: (s: number) => s || t('common.none') },
          { title: t('webhooks.outcome'), dataIndex: 'outcome', width: 110, render: (o: string) => <Tag color={kOutcomeColors[o] ?? 'default'}>{t(`webhooks.outcome_${o}` as MessageKey)}</Tag> },
          { title: t('webhooks.error'), dataIndex: 'error', ellipsis: true },
        ]}
      />
      <Modal open={editing !== null} title={editing === 'new' ? t('webhooks.add') : t('webhooks.edit')} okText={t('common.save')} cancelText={t('common.cancel')} onOk={save} onCancel={() => setEditing(null)} forceRender>
        <Form form={form} layout="vertical">
          <Form.Item name="webhook_id" label="ID" rules={[{ required: true, pattern: /^[A-Za-z0-9._:-]{1,64}$/, message: t('webhooks.err_id') }]}>
            <Input disabled={editing !== 'new'} />
          </Form.Item>
          <Form.Item name="url" label="URL" rules={[{ required: true, pattern: /^http:\/\/\S+$/, message: t('webhooks.err_url') }]} extra={t('webhooks.url_help')}>
            <Input placeholder="http://receiver.internal:8080/creditline" />
          </Form.Item>
          <Form.Item name="secret" label={t('webhooks.secret')} rules={[{ required: true, min: 16, max: 256, message: t('webhooks.err_secret') }]} extra={t('webhooks.secret_help')}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item name="active" label={t('settings.active')} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Form>
        {error && <Alert type="error" showIcon message={error} />}
      </Modal>
    </div>
  );
}
