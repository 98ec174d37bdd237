import { AlertOutlined, AuditOutlined, BarChartOutlined, DashboardOutlined, LogoutOutlined, SettingOutlined, StopOutlined, TeamOutlined, UserOutlined } from '@ant-design/icons';
import { Avatar, Dropdown, Layout, Menu, Segmented, Space, Typography } from 'antd';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from '../auth';
import { useI18n, type Locale, type MessageKey } from '../i18n';

export function AppLayout() {
  const { t, locale, setLocale } = useI18n();
  const { session, logout } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const selected = '/' + (location.pathname.split('/')[1] ?? '');
  const items = [
    { key: '/dashboard', icon: <DashboardOutlined />, label: t('nav.dashboard') },
    { key: '/customers', icon: <TeamOutlined />, label: t('nav.customers') },
    { key: '/holds', icon: <StopOutlined />, label: t('nav.holds') },
    { key: '/limit-requests', icon: <AuditOutlined />, label: t('nav.limit_requests') },
    { key: '/alerts', icon: <AlertOutlined />, label: t('nav.alerts') },
    { key: '/reports', icon: <BarChartOutlined />, label: t('nav.reports') },
    { key: '/settings', icon: <SettingOutlined />, label: t('nav.settings') },
  ];
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider width={220} theme="dark" breakpoint="lg" collapsedWidth={64}>
        <div className="brand">{t('app.title')}</div>
        <Menu theme="dark" mode="inline" selectedKeys={[selected]} items={items} onClick={(e) => navigate(e.key)} />
      </Layout.Sider>
      <Layout>
        <Layout.Header className="app-header">
          <Space size="large">
            <Segmented
              aria-label={t('common.language')}
              value={locale}
              onChange={(value) => setLocale(value as Locale)}
              options={[
                { label: 'EN', value: 'en' },
                { label: '中文', value: 'zh-CN' },
              ]}
            />
            <Dropdown
              menu={{
                items: [{ key: 'logout', icon: <LogoutOutlined />, label: t('user.logout') }],
                onClick: () => logout().then(() => navigate('/login')),
              }}
            >
              <Space className="user-menu" data-testid="user-menu">
                <Avatar size="small" icon={<UserOutlined />} />
                <span>{session?.username ?? session?.role}</span>
                <Typography.Text type="secondary">{t(`role.${session?.role}` as MessageKey)}</Typography.Text>
              </Space>
            </Dropdown>
          </Space>
        </Layout.Header>
        <Layout.Content className="app-content">
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
