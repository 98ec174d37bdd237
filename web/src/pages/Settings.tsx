// Settings: console users and API tokens (administrators), the credit policies (read only
// here; they are changed through the API), and the assessment and monitoring tabs of
// SettingsTabs.tsx (scorecard, assessment policy, alert rules, webhooks).
import { Alert, Button, Card, Form, Input, Modal, Select, Space, Table, Tabs, Tag, Typography, message } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from '../api';
import { useAuth } from '../auth';
import { useFormat } from '../format';
import { useI18n, type MessageKey } from '../i18n';
import { can, kRoles } from '../roles';
import { AlertRulesTab, AssessmentPolicyTab, ScorecardTab, WebhooksTab } from './SettingsTabs';

interface User {
  username: string;
  role: string;
  created_at: string;
  disabled: boolean;
}
interface Token {
  token_id: string;
  role: string;
  name: string;
  created_at: string;
  revoked: boolean;
}
interface Policy {
  name: string;
  tolerance_bp: number;
  warning_bp: number;
  max_days_past_due: number | null;
  max_order_value_minor?: number | null;
  max_order_value_currency?: string | null;
}

function fail(e: unknown) {
  message.error(e instanceof ApiError ? e.message : String(e));
}

function Users() {
  const { t } = useI18n();
  const format = useFormat();
  const { session } = useAuth();
  const [users, setUsers] = useState<User[]>([]);
  const [adding, setAdding] = useState(false);
  const [passwordFor, setPasswordFor] = useState<string | null>(null);
  const [form] = Form.useForm();
  const load = useCallback(() => {
    api.get<{ users: User[] }>('/v1/users').then((r) => setUsers(r.users), fail);
  }, []);
  useEffect(load, [load]);
  const change = (username: string, body: object) => api.admin('PATCH', `/v1/users/${encodeURIComponent(username)}`, body).then(load, fail);
  const roleOptions = kRoles.map((r) => ({ value: r, label: t(`role.${r}` as MessageKey) }));
  return (
    <>
      <Button type="primary" onClick={() => setAdding(true)} style={{ marginBottom: 12 }}>
        {t('settings.add_user')}
      </Button>
      <Table
        rowKey="username"
        size="small"
        dataSource={users}
        pagination={false}
        columns={[
          { title: t('settings.username'), dataIndex: 'username' },
          {
            title: t('settings.role'),
            dataIndex: 'role',
            render: (role: string, u) => (
              <Select size="small" value={role} options={roleOptions} style={{ width: 160 }} disabled={u.username === session?.username} onChange={(value) => change(u.username, { role: value })} />
            ),
          },
          { title: t('settings.created'), dataIndex: 'created_at', render: (c: string) => format.dateTime(c) },
          { title: t('settings.state'), dataIndex: 'disabled', render: (d: boolean) => (d ? <Tag color="red">{t('settings.disabled')}</Tag> : <Tag color="green">{t('settings.active')}</Tag>) },
          {
            title: t('common.actions'),
            render: (_, u) => (
              <Space>
                <Button size="small" type="link" onClick={() => setPasswordFor(u.username)}>
                  {t('settings.set_password')}
                </Button>
                {u.username !== session?.username && (
                  <Button size="small" type="link" danger={!u.disabled} onClick={() => change(u.username, { disabled: !u.disabled })}>
                    {u.disabled ? t('settings.enable') : t('settings.disable')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
      <Modal
        open={adding}
        title={t('settings.add_user')}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        destroyOnClose
        onCancel={() => setAdding(false)}
        onOk={async () => {
          const values = await form.validateFields();
          api.admin('POST', '/v1/users', values).then(() => {
            setAdding(false);
            load();
          }, fail);
        }}
      >
        <Form form={form} layout="vertical" preserve={false} initialValues={{ role: 'viewer' }}>
          <Form.Item name="username" label={t('settings.username')} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item name="password" label={t('settings.password')} rules={[{ required: true, min: 8 }]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item name="role" label={t('settings.role')}>
            <Select options={roleOptions} />
          </Form.Item>
        </Form>
      </Modal>
      <PasswordModal username={passwordFor} onClose={() => setPasswordFor(null)} />
    </>
  );
}

function PasswordModal({ username, onClose }: { username: string | null; onClose: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm();
  return (
    <Modal
      open={username !== null}
      title={`${t('settings.set_password')}: ${username ?? ''}`}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      destroyOnClose
      onCancel={onClose}
      onOk={async () => {
        const values = await form.validateFields();
        api.admin('PATCH', `/v1/users/${encodeURIComponent(username ?? '')}`, { password: values.password }).then(onClose, fail);
      }}
    >
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item name="password" label={t('settings.password')} rules={[{ required: true, min: 8 }]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function Tokens() {
  const { t } = useI18n();
  const format = useFormat();
  const [tokens, setTokens] = useState<Token[]>([]);
  const [secret, setSecret] = useState('');
  const [form] = Form.useForm();
  const load = useCallback(() => {
    api.get<{ tokens: Token[] }>('/v1/tokens').then((r) => setTokens(r.tokens), fail);
  }, []);
  useEffect(load, [load]);
  return (
    <>
      <Form form={form} layout="inline" initialValues={{ role: 'viewer' }} style={{ marginBottom: 12 }}
        onFinish={(values) =>
          api.admin<{ token: string }>('POST', '/v1/tokens', values).then((r) => {
            setSecret(r.token);
            form.resetFields();
            load();
          }, fail)
        }
      >
        <Form.Item name="name" rules={[{ required: true }]}>
          <Input placeholder={t('settings.token_name')} />
        </Form.Item>
        <Form.Item name="role">
          <Select style={{ width: 160 }} options={kRoles.map((r) => ({ value: r, label: t(`role.${r}` as MessageKey) }))} />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('settings.create_token')}
        </Button>
      </Form>
      {secret && <Alert type="success" showIcon closable onClose={() => setSecret('')} style={{ marginBottom: 12 }} message={t('settings.token_created')} description={<Typography.Text code copyable>{secret}</Typography.Text>} />}
      <Table
        rowKey="token_id"
        size="small"
        dataSource={tokens}
        pagination={false}
        columns={[
          { title: 'ID', dataIndex: 'token_id' },
          { title: t('settings.token_name'), dataIndex: 'name' },
          { title: t('settings.role'), dataIndex: 'role', render: (r: string) => t(`role.${r}` as MessageKey) },
          { title: t('settings.created'), dataIndex: 'created_at', render: (c: string) => format.dateTime(c) },
          {
            title: t('common.actions'),
            render: (_, token) =>
              token.revoked ? (
                <Tag>{t('settings.revoked')}</Tag>
              ) : (
                <Button size="small" type="link" danger onClick={() => api.admin('DELETE', `/v1/tokens/${token.token_id}`).then(load, fail)}>
                  {t('settings.revoke')}
                </Button>
              ),
          },
        ]}
      />
    </>
  );
}

function Policies() {
  const { t } = useI18n();
  const format = useFormat();
  const [policies, setPolicies] = useState<Policy[]>([]);
  useEffect(() => {
    api.get<{ policies: Policy[] }>('/v1/policies').then((r) => setPolicies(r.policies), fail);
  }, []);
  return (
    <Table
      rowKey="name"
      size="small"
      dataSource={policies}
      pagination={false}
      columns={[
        { title: t('settings.policy_name'), dataIndex: 'name' },
        { title: t('settings.tolerance'), dataIndex: 'tolerance_bp', render: (bp: number) => format.percent(bp) },
        { title: t('settings.warning'), dataIndex: 'warning_bp', render: (bp: number) => format.percent(bp) },
        { title: t('settings.max_dpd'), dataIndex: 'max_days_past_due', render: (d: number | null) => d ?? t('common.none') },
        {
          title: t('settings.max_order'),
          render: (_, p) => (p.max_order_value_minor != null && p.max_order_value_currency ? format.money(p.max_order_value_minor, p.max_order_value_currency) : t('common.none')),
        },
      ]}
    />
  );
}

export function SettingsPage() {
  const { t } = useI18n();
  const { session } = useAuth();
  const admin = can(session?.role, 'manageUsers');
  const items = [
    ...(admin
      ? [
          { key: 'users', label: t('settings.users'), children: <Users /> },
          { key: 'tokens', label: t('settings.tokens'), children: <Tokens /> },
        ]
      : []),
    { key: 'policies', label: t('settings.policies'), children: <Policies /> },
    { key: 'scorecard', label: t('settings.scorecard'), children: <ScorecardTab /> },
    { key: 'assessment', label: t('settings.assessment_policy'), children: <AssessmentPolicyTab /> },
    { key: 'alert-rules', label: t('settings.alert_rules'), children: <AlertRulesTab /> },
    ...(admin ? [{ key: 'webhooks', label: t('settings.webhooks'), children: <WebhooksTab /> }] : []),
  ];
  return (
    <Card>
      <div className="page-title">
        <Typography.Title level={3}>{t('settings.title')}</Typography.Title>
      </div>
      {!admin && <Alert type="info" showIcon message={t('settings.admin_only')} style={{ marginBottom: 12 }} />}
      <Tabs items={items} />
    </Card>
  );
}
